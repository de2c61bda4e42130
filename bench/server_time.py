"""The console's own server time per request, upstream excluded (issue 8 §1: 15 ms p50 or less).

    .venv/bin/python bench/server_time.py [--latency-ms 100] [--rounds 30] [--json out.json]

This measures from the inside (and cross-checks the console's Server-Timing header): the app
runs in this process, requests are sent one at a time (the WSGI call is timed), and every HTTP call to
Talon.One is timed at the transport (requests' adapter). Own time = the request's wall time minus
the union of the intervals during which at least one upstream call was in flight (fan-out calls
overlap; their union is what the request waited for). With one request at a time, every upstream
call in a request's interval belongs to it.

The requests are those of the page-speed flows: search (redirect), customer page and its lazy
sections, session page, preview page and dry-run preview, return page and return preview.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import Sandbox, machine_description  # noqa: E402

TARGET_P50_MS = 6.0  # issue 19: the console's own server time, p50
from tests.faults.catalog import discover_demo_ids  # noqa: E402


class UpstreamClock:
    """Intervals (start, end) of every upstream HTTP call, from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.intervals: list[tuple[float, float]] = []

    def wrap(self, adapter) -> None:
        send = adapter.send

        def timed_send(*args, **kwargs):
            started = time.perf_counter()
            try:
                return send(*args, **kwargs)
            finally:
                ended = time.perf_counter()
                with self._lock:
                    self.intervals.append((started, ended))

        adapter.send = timed_send

    def busy_between(self, start: float, end: float) -> float:
        with self._lock:
            spans = sorted((max(s, start), min(e, end)) for s, e in self.intervals if e > start and s < end)
        total, current_start, current_end = 0.0, None, None
        for s, e in spans:
            if current_end is None or s > current_end:
                if current_end is not None:
                    total += current_end - current_start
                current_start, current_end = s, e
            else:
                current_end = max(current_end, e)
        if current_end is not None:
            total += current_end - current_start
        return total


def build_console(sandbox: Sandbox, tmp: Path):
    from tests.conftest import console_config, make_console, read_csrf_token

    app = make_console(console_config(sandbox, tmp / "console.db", TESTING=False))
    client = app.test_client()
    response = client.post("/login", data={"username": "agent", "password": "demo",
                                           "csrf_token": read_csrf_token(client)})
    assert response.status_code == 303, response.status_code
    client.csrf = read_csrf_token(client, "/")
    return app, client


def flow_requests(client, ids) -> list[tuple[str, callable]]:
    """(label, send) for the requests of one round of the page-speed flows."""
    from tests.faults.test_page_faults import lazy_sections
    from tests.fuzz.forms import forms_on

    session = ids.closed_session

    def get(path, **kw):
        return lambda: client.get(path, **kw)

    def customer_sections():
        html = client.get(f"/customers/{ids.profile}").get_data(as_text=True)
        return lazy_sections(html)

    def preview_post():
        page = client.get(f"/sessions/{session}/preview").get_data(as_text=True)
        path = f"/sessions/{session}/preview"
        form = next(f for f in forms_on(path, page) if f.method == "POST" and f.path == path)
        data = {**form.fields, "run": "1"}
        data.pop("add_item", None)
        return lambda: client.post(f"/sessions/{session}/preview", data=data, headers={"HX-Request": "true"})

    def return_post():
        path = f"/sessions/{session}/return"
        page = client.get(path).get_data(as_text=True)
        form = next(f for f in forms_on(path, page) if f.method == "POST" and f.path == path)
        data = dict(form.fields)
        data[next(n for n in data if n.endswith("-quantity"))] = "1"
        data.update(reason="Benchmark: customer brought it back", action="preview")
        # as the browser sends it since issue 19: htmx, answered with the return editor alone
        return lambda: client.post(path, data=data, headers={"HX-Request": "true"})

    requests_ = [
        ("search redirect", get(f"/search?q={ids.profile}")),
        ("customer page", get(f"/customers/{ids.profile}")),
    ]
    requests_ += [(f"customer section {url.split('?')[0].rsplit('/', 1)[-1]}",
                   get(url, headers={"HX-Request": "true"})) for url in customer_sections()]
    requests_ += [
        ("session page", get(f"/sessions/{session}")),
        ("preview page", get(f"/sessions/{session}/preview")),
        ("dry-run preview", preview_post()),
        ("return page", get(f"/sessions/{session}/return")),
        ("return preview", return_post()),
    ]
    return requests_


def parse_server_timing(value: str) -> tuple[float, float] | None:
    """(app ms, talon ms) from the console's ``Server-Timing: app;dur=X, talon;dur=Y``."""
    durations = {}
    for part in value.split(","):
        name, _, rest = part.strip().partition(";")
        if rest.startswith("dur="):
            try:
                durations[name] = float(rest[4:])
            except ValueError:
                return None
    if "app" not in durations or "talon" not in durations:
        return None
    return durations["app"], durations["talon"]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run(latency_ms: float, rounds: int) -> dict:
    import logging

    logging.getLogger("app.talon").setLevel(logging.ERROR)  # every call is logged; not here
    with tempfile.TemporaryDirectory(prefix="talon-desk-server-time-") as tmp:
        sandbox = Sandbox(latency_ms, Path(tmp)).start()
        try:
            app, client = build_console(sandbox, Path(tmp))
            clock = UpstreamClock()
            for adapter in app.extensions["talon"].http.adapters.values():
                clock.wrap(adapter)
            ids = discover_demo_ids(sandbox)
            plan = flow_requests(client, ids)
            own: dict[str, list[float]] = {label: [] for label, _ in plan}
            upstream: dict[str, list[float]] = {label: [] for label, _ in plan}
            statuses: dict[str, set[int]] = {label: set() for label, _ in plan}
            header_own: dict[str, list[float]] = {label: [] for label, _ in plan}
            for round_index in range(rounds + 1):  # round 0 warms up (templates, connections)
                for label, send in plan:
                    started = time.perf_counter()
                    response = send()
                    response.get_data()
                    ended = time.perf_counter()
                    statuses[label].add(response.status_code)
                    waited = clock.busy_between(started, ended)
                    if round_index:
                        own[label].append((ended - started - waited) * 1000)
                        upstream[label].append(waited * 1000)
                        timing = parse_server_timing(response.headers.get("Server-Timing", ""))
                        if timing is not None:
                            header_own[label].append(timing[0] - timing[1])
        finally:
            sandbox.stop()
    every = [v for values in own.values() for v in values]
    every_header = [v for values in header_own.values() for v in values]
    return {
        # the app's own Server-Timing header (app - talon), a cross-check of the outside view
        "server_timing_own_ms_p50": round(statistics.median(every_header), 2) if every_header else None,
        "latency_ms": latency_ms,
        "rounds": rounds,
        "own_ms_p50": round(statistics.median(every), 2),
        "own_ms_p95": round(percentile(every, 0.95), 2),
        "requests": len(every),
        "by_request": {label: {"own_ms_p50": round(statistics.median(values), 2),
                               "own_ms_p95": round(percentile(values, 0.95), 2),
                               "upstream_wait_ms_p50": round(statistics.median(upstream[label]), 1),
                               "server_timing_own_ms_p50": (round(statistics.median(header_own[label]), 2)
                                                            if header_own[label] else None),
                               "statuses": sorted(statuses[label])}
                       for label, values in own.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    result = {"machine": machine_description(), **run(args.latency_ms, args.rounds)}
    result["load_average_before"] = [round(x, 2) for x in load_before]
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result["target_own_ms_p50"] = TARGET_P50_MS
    print(f"machine: {result['machine']}")
    print(f"load average (1, 5, 15 min): before {result['load_average_before']}, "
          f"after {result['load_average_after']}; target p50 <= {TARGET_P50_MS:g} ms (issue 19)")
    print(f"own server time per request (upstream excluded), L = {args.latency_ms:g} ms, "
          f"{result['requests']} requests: p50 {result['own_ms_p50']} ms, p95 {result['own_ms_p95']} ms"
          f" (Server-Timing app - talon: p50 {result['server_timing_own_ms_p50']} ms)")
    for label, row in result["by_request"].items():
        print(f"  {label:34} p50 {row['own_ms_p50']:>7.2f} ms  p95 {row['own_ms_p95']:>7.2f} ms  "
              f"upstream wait p50 {row['upstream_wait_ms_p50']:>6.1f} ms  "
              f"Server-Timing own p50 {row['server_timing_own_ms_p50']} ms  status {row['statuses']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
