"""Benchmark: the service layer (app/talon) against the official talon_one SDK, same sandbox.

    .venv/bin/python bench/service_layer.py [--rounds 200] [--latency-ms 100] [--json out.json]

Starts ``python -m sandbox --control`` on a free port, then:

1. Per call: the same five calls (session read, inventory, card balances, a dry-run session
   update, a Management session list) through this layer, through talon_one 26.2 and through a
   bare urllib3 client that only sends the bytes and decodes the JSON. Rounds are interleaved so
   drift hits all three alike. Reported per client: wall time per call, and the client process's
   CPU time per call (the sandbox is another process, so this is the client's own cost).
   "Overhead" is a client's time minus the bare client's time for the same call.
2. Fan-out page fetch: four independent reads with ``latencyMs`` injected by the sandbox
   (POST /sandbox/faults), sequentially and with ``fan_out``. Target: fan-out ≤ 1.3 × latency.

Targets (issue 4): this layer's per-call overhead below the SDK's; fan-out within 1.3 × latency.

The layer runs with the Management budget and the read cache off (and the sandbox without its
rate limit): this compares transports, and a call waiting for its budget slot or answered from
the cache would measure the budget, not the transport.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import requests
import urllib3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.talon import TalonService, TalonSettings  # noqa: E402

INTEGRATION_KEY = os.environ.get("SANDBOX_INTEGRATION_KEY", "sandbox-integration-key")
MANAGEMENT_KEY = os.environ.get("SANDBOX_MANAGEMENT_KEY", "sandbox-management-key")
DRY_CART = [{"sku": "HOOD-020", "name": "Hoodie", "quantity": 1, "price": 49.9, "category": "shirts"},
            {"sku": "CAP-002", "name": "Baseball cap", "quantity": 1, "price": 24.9,
             "category": "accessories"}]


# -- the sandbox -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sandbox() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(port), "--control"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"sandbox exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if requests.get(f"{url}/sandbox/health", timeout=1).status_code == 200:
                return process, url
        except requests.ConnectionError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("sandbox did not start within 60 s")


def set_latency(url: str, latency_ms: float) -> None:
    body = {"rules": [], "latencyMs": latency_ms} if latency_ms else {}
    requests.post(f"{url}/sandbox/faults", json=body, timeout=10).raise_for_status()


# -- the three clients -------------------------------------------------------------------


def layer_calls(service: TalonService) -> dict[str, Callable[[], Any]]:
    i, m = service.integration, service.management
    return {
        "get session": lambda: i.get_customer_session("sess-00001"),
        "inventory": lambda: i.get_customer_inventory("cust-0001"),
        "card balances": lambda: i.get_loyalty_card_balances(1, "4000-0001"),
        "dry-run update": lambda: i.update_customer_session(
            "sess-00006", profile_id="cust-0001", cart_items=DRY_CART, state="closed", dry=True),
        "list sessions (mgmt)": lambda: m.list_sessions(profile="cust-0001", page_size=50),
    }


def sdk_calls(url: str) -> dict[str, Callable[[], Any]]:
    import talon_one

    integration = talon_one.IntegrationApi(talon_one.ApiClient(talon_one.Configuration(
        host=url, api_key={"api_key_v1": INTEGRATION_KEY},
        api_key_prefix={"api_key_v1": "ApiKey-v1"})))
    management = talon_one.ManagementApi(talon_one.ApiClient(talon_one.Configuration(
        host=url, api_key={"management_key": MANAGEMENT_KEY},
        api_key_prefix={"management_key": "ManagementKey-v1"})))
    dry_request = talon_one.IntegrationRequest(customer_session=talon_one.NewCustomerSessionV2(
        profile_id="cust-0001", state="closed",
        cart_items=[talon_one.CartItem(**item) for item in DRY_CART]))
    return {
        "get session": lambda: integration.get_customer_session("sess-00001"),
        "inventory": lambda: integration.get_customer_inventory(
            "cust-0001", profile=True, referrals=True, coupons=True, loyalty=True,
            giveaways=True, achievements=True),
        "card balances": lambda: integration.get_loyalty_card_balances(1, "4000-0001"),
        "dry-run update": lambda: integration.update_customer_session_v2(
            "sess-00006", dry_request, dry=True),
        "list sessions (mgmt)": lambda: management.get_application_sessions(
            1, profile="cust-0001", page_size=50),
    }


def bare_calls(url: str) -> dict[str, Callable[[], Any]]:
    """The floor: pooled urllib3, the bytes on the wire, json.loads. No typing, no checks."""
    pool = urllib3.PoolManager(maxsize=4)
    ih = {"Authorization": f"ApiKey-v1 {INTEGRATION_KEY}", "Accept": "application/json"}
    mh = {"Authorization": f"ManagementKey-v1 {MANAGEMENT_KEY}", "Accept": "application/json"}
    dry_body = json.dumps({"customerSession": {"profileId": "cust-0001", "state": "closed",
                                               "cartItems": DRY_CART}}).encode()

    def get(path, headers):
        return json.loads(pool.request("GET", url + path, headers=headers).data)

    return {
        "get session": lambda: get("/v2/customer_sessions/sess-00001", ih),
        "inventory": lambda: get("/v1/customer_profiles/cust-0001/inventory?profile=true&"
                                 "referrals=true&coupons=true&loyalty=true&giveaways=true&"
                                 "achievements=true", ih),
        "card balances": lambda: get("/v1/loyalty_programs/1/cards/4000-0001/balances", ih),
        "dry-run update": lambda: json.loads(pool.request(
            "PUT", url + "/v2/customer_sessions/sess-00006?dry=true", body=dry_body,
            headers={**ih, "Content-Type": "application/json"}).data),
        "list sessions (mgmt)": lambda: get(
            "/v1/applications/1/sessions?profile=cust-0001&pageSize=50", mh),
    }


# -- measuring ---------------------------------------------------------------------------


def measure(clients: dict[str, dict[str, Callable]], rounds: int, warmup: int = 20) -> dict:
    """{client: {call: {"wall_ms": [...], "cpu_ms": [...]}}}, rounds interleaved."""
    samples = {c: {call: {"wall_ms": [], "cpu_ms": []} for call in calls}
               for c, calls in clients.items()}
    failures: dict[str, str] = {}
    for round_number in range(warmup + rounds):
        for client, calls in clients.items():
            for call, fn in calls.items():
                if f"{client}/{call}" in failures:
                    continue
                wall, cpu = time.perf_counter(), time.process_time()
                try:
                    fn()
                except Exception as exc:  # noqa: BLE001 - a client that cannot read an answer
                    failures[f"{client}/{call}"] = f"{type(exc).__name__}: {str(exc)[:300]}"
                    continue
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                if round_number >= warmup:
                    samples[client][call]["wall_ms"].append(wall * 1000)
                    samples[client][call]["cpu_ms"].append(cpu * 1000)
    return {"samples": samples, "failures": failures}


def summarise(result: dict) -> dict:
    out: dict[str, Any] = {"per_call": {}, "failures": result["failures"]}
    for client, calls in result["samples"].items():
        for call, s in calls.items():
            if not s["wall_ms"]:
                continue
            out["per_call"].setdefault(call, {})[client] = {
                "wall_ms_median": round(statistics.median(s["wall_ms"]), 3),
                "wall_ms_mean": round(statistics.fmean(s["wall_ms"]), 3),
                "cpu_ms_mean": round(statistics.fmean(s["cpu_ms"]), 3),
            }
    totals: dict[str, dict[str, float]] = {}
    shared = [c for c, by in out["per_call"].items() if len(by) == len(result["samples"])]
    for client in result["samples"]:
        totals[client] = {
            "wall_ms_median_avg": round(statistics.fmean(
                out["per_call"][c][client]["wall_ms_median"] for c in shared), 3) if shared else None,
            "cpu_ms_mean_avg": round(statistics.fmean(
                out["per_call"][c][client]["cpu_ms_mean"] for c in shared), 3) if shared else None,
        }
    bare = totals.get("bare")
    for t in totals.values():
        if bare and t["wall_ms_median_avg"] is not None:
            t["overhead_wall_ms"] = round(t["wall_ms_median_avg"] - bare["wall_ms_median_avg"], 3)
            t["overhead_cpu_ms"] = round(t["cpu_ms_mean_avg"] - bare["cpu_ms_mean_avg"], 3)
    out["averages_over_calls"] = totals
    out["calls_compared"] = shared
    return out


def fan_out_page(service: TalonService, url: str, latency_ms: float, runs: int) -> dict:
    i, m = service.integration, service.management
    calls = {
        "profile + inventory": lambda: i.get_customer_inventory("cust-0001"),
        "sessions": lambda: m.list_sessions(profile="cust-0001", page_size=20),
        "card balances": lambda: i.get_loyalty_card_balances(1, "4000-0001"),
        "events": lambda: m.list_events(profile="cust-0001", page_size=20),
    }
    set_latency(url, latency_ms)
    try:
        service.fan_out(calls)  # warm the pool's threads and connections
        fanned, sequential = [], []
        for _ in range(runs):
            started = time.perf_counter()
            results = service.fan_out(calls)
            fanned.append((time.perf_counter() - started) * 1000)
            errors = [n for n, r in results.items() if isinstance(r, Exception)]
            if errors:
                raise SystemExit(f"fan-out sections failed: {errors}")
            started = time.perf_counter()
            for fn in calls.values():
                fn()
            sequential.append((time.perf_counter() - started) * 1000)
    finally:
        set_latency(url, 0)
    median = statistics.median(fanned)
    return {
        "injected_latency_ms": latency_ms,
        "calls": list(calls),
        "fan_out_ms_median": round(median, 1),
        "fan_out_ms_max": round(max(fanned), 1),
        "sequential_ms_median": round(statistics.median(sequential), 1),
        "ratio_to_latency": round(median / latency_ms, 3),
        "target_met": median <= 1.3 * latency_ms,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--fanout-runs", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)

    process, url = start_sandbox()
    try:
        # The transport is compared here, so the Management budget (3 per 1.25 s per endpoint:
        # "list sessions" would wait for its slot every few rounds) and the read cache (a cached
        # read sends nothing) are off; the sandbox is started without its limit to match.
        # Pages with the budget on are measured by bench/page_speed.py and management_budget.py.
        service = TalonService(TalonSettings(
            base_url=url, integration_key=INTEGRATION_KEY, management_key=MANAGEMENT_KEY,
            read_timeout=10, retries=0, management_rate_limit=0, cache_ttl=0))
        clients = {"layer": layer_calls(service), "sdk": sdk_calls(url), "bare": bare_calls(url)}
        per_call = summarise(measure(clients, args.rounds))
        fan_out = fan_out_page(service, url, args.latency_ms, args.fanout_runs)
        service.close()
    finally:
        process.terminate()
        process.wait(timeout=10)

    layer = per_call["averages_over_calls"]["layer"]
    sdk = per_call["averages_over_calls"]["sdk"]
    results = {
        "rounds": args.rounds,
        "per_call": per_call,
        "fan_out": fan_out,
        "targets": {
            "layer_overhead_below_sdk": (
                layer.get("overhead_wall_ms") is not None
                and layer["overhead_wall_ms"] < sdk["overhead_wall_ms"]),
            "fan_out_within_1_3x_latency": fan_out["target_met"],
        },
    }
    print_report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


def print_report(results: dict) -> None:
    per_call = results["per_call"]
    print(f"\nPer call ({results['rounds']} interleaved rounds; wall median / client CPU mean, ms)")
    print(f"{'call':24} {'layer':>16} {'sdk':>16} {'bare':>16}")
    for call, by in per_call["per_call"].items():
        cells = []
        for client in ("layer", "sdk", "bare"):
            s = by.get(client)
            cells.append(f"{s['wall_ms_median']:7.2f} /{s['cpu_ms_mean']:6.2f}" if s else f"{'failed':>16}")
        print(f"{call:24} {cells[0]:>16} {cells[1]:>16} {cells[2]:>16}")
    print("\nAverage over the calls all clients completed:", ", ".join(per_call["calls_compared"]))
    for client, t in per_call["averages_over_calls"].items():
        print(f"  {client:6} wall {t['wall_ms_median_avg']} ms, CPU {t['cpu_ms_mean_avg']} ms"
              + (f", overhead vs bare: wall {t.get('overhead_wall_ms')} ms, CPU {t.get('overhead_cpu_ms')} ms"
                 if client != "bare" else ""))
    for name, error in per_call["failures"].items():
        print(f"  FAILED {name}: {error}")
    f = results["fan_out"]
    print(f"\nFan-out page fetch, {len(f['calls'])} calls, {f['injected_latency_ms']:.0f} ms injected:"
          f" fan-out median {f['fan_out_ms_median']} ms (max {f['fan_out_ms_max']}),"
          f" sequential {f['sequential_ms_median']} ms, ratio {f['ratio_to_latency']}")
    print(f"\nTargets: {results['targets']}")


if __name__ == "__main__":
    main()
