"""Sustained mixed traffic against `python -m sandbox`: requests per second and latency percentiles.

    .venv/bin/python bench/sandbox_throughput.py [--seconds 30] [--threads 8] [--url URL] [--output FILE]

Without --url it starts `python -m sandbox --port 0 --control` (no latency injected) and stops it
afterwards. Each worker thread keeps one HTTP connection and loops over a mix like the console's:
about 60% reads (session, inventory, card balances, the Management session list) and 40% writes
(new sessions opened and closed, dry runs, returns). Target on the 2-core machine: 300 requests/s
or more, p95 50 ms or less.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
INTEGRATION_KEY = os.environ.get("SANDBOX_INTEGRATION_KEY", "sandbox-integration-key")
MANAGEMENT_KEY = os.environ.get("SANDBOX_MANAGEMENT_KEY", "sandbox-management-key")
PRODUCTS = [("RUN-100", "shoes", 89.9), ("TEE-010", "shirts", 19.9), ("JEANS-030", "trousers", 59.9),
            ("SOCK-001", "accessories", 9.9), ("CAP-002", "accessories", 24.9)]


def start_sandbox() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "--port", "0", "--control"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = process.stdout.readline()
    if " on " not in first:
        process.kill()
        raise SystemExit(f"the sandbox did not start: {first}{process.stdout.read()}")
    return process, first.split(" on ")[1].strip()


class Worker:
    """One client: a persistent session, its own sessions to open, close and return."""

    def __init__(self, url: str, index: int, seed: int) -> None:
        self.url = url
        self.index = index
        self.random = random.Random(seed)
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"ApiKey-v1 {INTEGRATION_KEY}"
        self.counter = 0
        self.open_sessions: list[str] = []
        self.closed_sessions: list[str] = []
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()

    def cart(self) -> list[dict]:
        return [{"sku": sku, "category": category, "price": price, "quantity": self.random.randint(1, 3)}
                for sku, category, price in self.random.sample(PRODUCTS, self.random.randint(1, 4))]

    def profile(self) -> str:
        return f"cust-{self.random.randint(1, 60):04d}"

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        started = time.perf_counter()
        response = self.http.request(method, self.url + path, timeout=30, **kwargs)
        self.latencies.append(time.perf_counter() - started)
        self.statuses[response.status_code] += 1
        return response

    def step(self) -> None:
        draw = self.random.random()
        if draw < 0.18:
            self.call("GET", f"/v2/customer_sessions/sess-{self.random.randint(1, 240):05d}")
        elif draw < 0.33:
            self.call("GET", f"/v1/customer_profiles/{self.profile()}/inventory",
                      params={"profile": "true", "coupons": "true", "loyalty": "true"})
        elif draw < 0.45:
            self.call("GET", "/v1/applications/1/sessions", params={"profile": self.profile(), "pageSize": 20},
                      headers={"Authorization": f"ManagementKey-v1 {MANAGEMENT_KEY}"})
        elif draw < 0.60:
            self.call("GET", f"/v1/loyalty_programs/1/cards/4000-{self.random.randint(1, 40):04d}/balances")
        elif draw < 0.75 or not self.open_sessions:
            self.counter += 1
            session_id = f"bench-{self.index}-{self.counter}"
            number = self.random.randint(1, 37)
            self.call("PUT", f"/v2/customer_sessions/{session_id}", json={"customerSession": {
                "profileId": f"cust-{number:04d}", "cartItems": self.cart(), "loyaltyCards": [f"4000-{number:04d}"],
                "couponCodes": self.random.choice([[], [], ["SUMMER20"]])}})
            self.open_sessions.append(session_id)
        elif draw < 0.85:
            session_id = self.open_sessions.pop()
            self.call("PUT", f"/v2/customer_sessions/{session_id}", json={"customerSession": {"state": "closed"}})
            self.closed_sessions.append(session_id)
        elif draw < 0.93 or not self.closed_sessions:
            self.call("PUT", f"/v2/customer_sessions/preview-{self.index}", params={"dry": "true"},
                      json={"customerSession": {"profileId": self.profile(), "cartItems": self.cart(),
                                                "state": "closed"}})
        else:
            session_id = self.closed_sessions.pop(0)
            self.call("POST", f"/v2/customer_sessions/{session_id}/returns",
                      json={"return": {"returnedCartItems": [{"position": 0, "quantity": 1}]}})

    def run(self, until: float) -> None:
        while time.perf_counter() < until:
            self.step()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--url", default=None, help="a running sandbox (default: start one)")
    parser.add_argument("--output", default=None, help="also write the results as JSON here")
    args = parser.parse_args()
    process, url = start_sandbox() if args.url is None else (None, args.url.rstrip("/"))
    try:
        requests.post(f"{url}/sandbox/reset", timeout=30)
        workers = [Worker(url, index, seed=index) for index in range(args.threads)]
        for worker in workers:        # warm up: connections, caches
            worker.call("GET", "/v2/customer_sessions/sess-00001")
            worker.latencies.clear()
            worker.statuses.clear()
        started = time.perf_counter()
        threads = [threading.Thread(target=w.run, args=(started + args.seconds,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
    latencies = [latency for w in workers for latency in w.latencies]
    statuses = sum((w.statuses for w in workers), Counter())
    results = {
        "seconds": round(elapsed, 1), "threads": args.threads, "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "cpus": os.cpu_count(),
    }
    print(json.dumps(results, indent=2))
    if args.output:
        Path(args.output).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
