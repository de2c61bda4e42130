"""Page speed in real Chromium, with an upstream latency L (issue 8 §1).

    .venv/bin/python bench/page_speed.py [--latency-ms 100] [--runs 7] [--json out.json]

Starts the sandbox with L ms added to every API call and the console under gunicorn (Procfile),
logs in as the agent, and times four flows until the page is complete, every htmx section
loaded:
  search -> customer   type a profile ID in the header search, submit; the customer page
  session              open a session page
  dry-run preview      on the preview page, press "Preview"; the result swapped in
  return preview       on the return page, pick one item, press "Preview the return"
Complete = the later of the load event and the last htmx swap, on the page's own clock
(PerformanceNavigationTiming / performance.now), so the quiet period Playwright waits for
before reading the clock is not counted.

The floor (issue 19). In the same run, the same browser and the same console (gunicorn as the
Procfile runs it, serving bench/floor.py's factory: the console plus one bench-only page) load
a page that waits for exactly the Talon.One round trips the flow cannot avoid, one after another,
and sends a minimal document: a navigation for a page flow, an htmx request swapped into a
console page for the dry run and the return preview (both htmx requests that swap their
result in place). Each flow is reported as its median over its floor's median (both
measured next to each other in every run), so the figure holds whatever the machine's speed;
x L (the flow over the injected latency) is kept too. The round trips each flow cannot avoid:
  search -> customer   2: what the query is (one parallel lookup), then the customer's
                       sessions (a Management list, which only a known customer is worth)
  customer page        1: every section's call runs in parallel
  session page         1: likewise
  dry-run preview      1: the dry run (the page already holds the session it compares with)
  return preview       1: the dry-run return (likewise)

Talon.One's Management limit is on (the sandbox at 3 per second, the console's budget), and each
flow starts when the budget's window (1.25 s) of the flow before has passed, as one agent's next
action would: pacing, not a lifted limit. The run ends with the 429s the sandbox sent and the
waits the console's budget made, so a flow that waited for the limit shows.

Also: bytes per page (HTML and htmx answers; static files separately, cold cache), bytes per
htmx swap, the gzipped size of all shipped JS and CSS, and the console's own server time per
request with upstream time excluded (bench/server_time.py).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import machine_description, running_stack  # noqa: E402
from tests.faults.catalog import discover_demo_ids  # noqa: E402

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-dev-shm-usage"]

# Counts htmx requests in flight and remembers when the last swap happened (page clock, ms).
INSTRUMENT = """
window.__td = {pending: 0, lastSwap: 0, firstRequest: null, swaps: 0};
document.addEventListener('htmx:beforeRequest', () => {
  window.__td.pending++;
  if (window.__td.firstRequest === null) window.__td.firstRequest = performance.now();
});
document.addEventListener('htmx:afterRequest', () => { window.__td.pending--; });
document.addEventListener('htmx:afterSwap', () => {
  window.__td.lastSwap = Math.max(window.__td.lastSwap, performance.now()); window.__td.swaps++;
});
"""
QUIET_MS = 400  # no htmx request in flight for this long: the page is complete
# The console's Management budget window (1 s + TALON_BUDGET_MARGIN, app/talon/budget.py) and a
# little more: a flow starts when the one before no longer holds a slot of it.
PACE_SECONDS = 1.3
FLOOR_APP = "bench.floor:create_app()"


@dataclass
class Flow:
    name: str
    #: the round trips the flow cannot avoid, and how its floor is loaded ("page" or "htmx")
    round_trips: int = 1
    floor_kind: str = "page"
    times_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    page_bytes: list[int] = field(default_factory=list)
    swap_bytes: list[int] = field(default_factory=list)
    static_bytes_cold: int = 0
    upstream_calls: int = 0
    #: PerformanceNavigationTiming marks of each run (ms), for "where the time goes"
    marks: list[dict] = field(default_factory=list)


class Traffic:
    """Bytes of every finished request, split into documents/htmx answers and static files."""

    def __init__(self, page) -> None:
        self.entries: list[tuple[str, str, int]] = []
        page.on("requestfinished", self._finished)

    def _finished(self, request) -> None:
        sizes = request.sizes()
        size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        self.entries.append((request.resource_type, request.url, size))

    def take(self) -> list[tuple[str, str, int]]:
        taken, self.entries = self.entries, []
        return taken


def wait_complete(page) -> float:
    """Wait until the document is loaded and no htmx request has been in flight for QUIET_MS;
    return when it became complete (ms since the navigation started)."""
    page.wait_for_load_state("load")
    page.wait_for_function(
        f"""() => {{
          const td = window.__td; const now = performance.now();
          if (document.readyState !== 'complete' || td.pending > 0) {{ td.quietSince = null; return false; }}
          td.quietSince = td.quietSince || now;
          return now - td.quietSince >= {QUIET_MS};
        }}""", polling=50, timeout=30_000)
    return page.evaluate("""() => {
        const nav = performance.getEntriesByType('navigation')[0];
        return Math.max(nav.loadEventEnd, window.__td.lastSwap);
    }""")


NAVIGATION_MARKS = ("responseStart", "responseEnd", "domContentLoadedEventEnd", "loadEventEnd")


def navigation_marks(page) -> dict:
    return page.evaluate(f"""() => {{
        const nav = performance.getEntriesByType('navigation')[0];
        return Object.fromEntries({list(NAVIGATION_MARKS)!r}.map(k => [k, nav[k]]));
    }}""")


def record_bytes(flow: Flow, traffic: Traffic, cold: bool) -> None:
    entries = traffic.take()
    dynamic = [size for kind, _, size in entries if kind in ("document", "xhr", "fetch")]
    swaps = [size for kind, _, size in entries if kind in ("xhr", "fetch")]
    flow.page_bytes.append(sum(dynamic))
    flow.swap_bytes.extend(swaps)
    if cold:
        flow.static_bytes_cold = sum(size for kind, _, size in entries if kind in ("script", "stylesheet", "image", "font"))


def login(page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def search_to_customer(page, base_url: str, ids) -> float:
    page.goto(f"{base_url}/")
    page.wait_for_load_state("load")
    box = page.locator("header input[name=q]")
    box.fill(ids.profile)
    box.press("Enter")
    page.wait_for_url(f"**/customers/{ids.profile}*")
    return wait_complete(page)


def customer_page(page, base_url: str, ids) -> float:
    page.goto(f"{base_url}/customers/{ids.profile}")
    return wait_complete(page)


def session_page(page, base_url: str, ids) -> float:
    page.goto(f"{base_url}/sessions/{ids.closed_session}")
    return wait_complete(page)


def dry_run_preview(page, base_url: str, ids) -> float:
    page.goto(f"{base_url}/sessions/{ids.closed_session}/preview")
    wait_complete(page)
    page.evaluate("() => { window.__td.firstRequest = null; window.__td.lastSwap = 0; }")
    page.click("button[name=run]")
    page.wait_for_selector("#preview-result-heading", timeout=30_000)
    wait_complete(page)
    return page.evaluate("() => window.__td.lastSwap - window.__td.firstRequest")


def return_preview(page, base_url: str, ids) -> float:
    """Since issue 19 the return preview is an htmx request that swaps the return editor (the
    form and the preview) in place, so it is timed as the dry run is: from the request to the
    swap, against the htmx floor. (Before, a full-page POST: navigation start to load, against
    the page floor.)"""
    page.goto(f"{base_url}/sessions/{ids.closed_session}/return")
    wait_complete(page)
    page.locator("input[name$='-quantity']").first.fill("1")
    page.fill("[name=reason]", "Benchmark: customer brought it back")
    page.evaluate("() => { window.__td.firstRequest = null; window.__td.lastSwap = 0; }")
    page.click("button[name=action][value=preview]")
    page.wait_for_selector(".return-preview", timeout=30_000)
    wait_complete(page)
    return page.evaluate("() => window.__td.lastSwap - window.__td.firstRequest")


def page_floor(page, base_url: str, round_trips: int) -> float:
    """A navigation to the floor page: complete as a flow's page is."""
    page.goto(f"{base_url}/bench/floor/{round_trips}")
    return wait_complete(page)


def htmx_floor(page, base_url: str, round_trips: int) -> float:
    """An htmx POST (CSRF header and all, as the dry run's) to the floor, its fragment swapped
    into a console page; timed as the dry run is, from the request to the swap."""
    page.goto(f"{base_url}/")
    wait_complete(page)
    page.evaluate("""() => {
        window.__td.firstRequest = null; window.__td.lastSwap = 0;
        const target = document.createElement('div'); target.id = 'bench-floor';
        document.querySelector('main').append(target);
    }""")
    page.evaluate(f"() => htmx.ajax('POST', '{base_url}/bench/floor/{round_trips}', "
                  "{target: '#bench-floor', swap: 'innerHTML'})")
    page.wait_for_selector("#bench-floor p", timeout=30_000)
    wait_complete(page)
    return page.evaluate("() => window.__td.lastSwap - window.__td.firstRequest")


FLOORS = {"page": page_floor, "htmx": htmx_floor}

# name: (measure, round trips it cannot avoid, floor kind)
FLOWS = {
    "search -> customer page": (search_to_customer, 2, "page"),
    "customer page (opened directly)": (customer_page, 1, "page"),
    "session page": (session_page, 1, "page"),
    "dry-run preview result": (dry_run_preview, 1, "htmx"),
    "return preview": (return_preview, 1, "htmx"),
}


def last_request_id(sandbox) -> int:
    """The ID of the newest entry in the sandbox's request log (0 when empty)."""
    entries = requests.get(f"{sandbox.url}/sandbox/requests", timeout=30).json().get("requests", [])
    return max((e["id"] for e in entries), default=0)


def shipped_assets_gzipped() -> dict[str, int]:
    """gzip -9 size of every JS and CSS file the console ships (vendored and its own)."""
    sizes = {}
    for path in sorted((ROOT / "app").rglob("*")):
        if path.suffix in (".js", ".css") and "static" in path.parts:
            sizes[str(path.relative_to(ROOT))] = len(gzip.compress(path.read_bytes(), 9))
    return sizes


def run(latency_ms: float, runs: int) -> tuple[dict[str, Flow], dict]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        raise SystemExit("page_speed needs Chromium on PATH (apt-get install chromium)")
    flows = {name: Flow(name, round_trips, kind) for name, (_, round_trips, kind) in FLOWS.items()}
    with running_stack(latency_ms, app_factory=FLOOR_APP) as (sandbox, console), \
            sync_playwright() as playwright:
        ids = discover_demo_ids(sandbox)
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(INSTRUMENT)
        page = context.new_page()
        traffic = Traffic(page)
        login(page, console.url)
        traffic.take()
        # No flow changes the sandbox (page views, searches, dry runs and the return preview,
        # which is a dry run too), so it is reset once, not before every flow: a reset rebuilds
        # the sandbox's database, and the next requests would measure a cold emulator.
        sandbox.reset()
        last_flow_end = 0.0
        for run_index in range(runs + 1):  # run 0 warms up (cold cache, first connections)
            for name, (measure, round_trips, kind) in FLOWS.items():
                flow = flows[name]
                floor = FLOORS[kind](page, console.url, round_trips)
                traffic.take()
                time.sleep(max(0.0, last_flow_end + PACE_SECONDS - time.monotonic()))
                seen = last_request_id(sandbox)
                elapsed = measure(page, console.url, ids)
                last_flow_end = time.monotonic()
                record_bytes(flow, traffic, cold=run_index == 0)
                flow.upstream_calls = last_request_id(sandbox) - seen
                if run_index > 0:
                    flow.times_ms.append(elapsed)
                    flow.floor_ms.append(floor)
                    flow.marks.append(navigation_marks(page))
        browser.close()
        limit = {"sandbox_429s_sent": sum(e.get("refused", 0) for e in
                                          sandbox.rate_limit_report().get("endpoints", [])),
                 "console_budget": console_budget(console.url)}
    return flows, limit


def console_budget(base_url: str) -> dict:
    """Waits and 429s of the console's Management budget, from /healthz (one worker's view)."""
    budget = requests.get(f"{base_url}/healthz", timeout=30).json().get("talon", {}).get("management_budget", {})
    endpoints = budget.get("endpoints", {})
    return {"waits": sum(e.get("waits", 0) for e in endpoints.values()),
            "wait_seconds": round(sum(e.get("wait_seconds", 0) for e in endpoints.values()), 2),
            "refused_upstream": sum(e.get("refused_upstream", 0) for e in endpoints.values())}


def summary(flows: dict[str, Flow], latency_ms: float) -> dict:
    out = {}
    for name, flow in flows.items():
        median = statistics.median(flow.times_ms)
        floor = statistics.median(flow.floor_ms)
        out[name] = {
            "median_ms": round(median, 1),
            "max_ms": round(max(flow.times_ms), 1),
            "floor_round_trips": flow.round_trips,
            "floor_kind": flow.floor_kind,
            "floor_median_ms": round(floor, 1),
            "ratio_to_floor": round(median / floor, 2),
            "ratio_to_L": round(median / latency_ms, 2),
            "runs": len(flow.times_ms),
            "page_bytes_median": int(statistics.median(flow.page_bytes[1:] or flow.page_bytes)),
            "htmx_swap_bytes": sorted(set(flow.swap_bytes))[:10],
            "static_bytes_cold": flow.static_bytes_cold,
            "upstream_calls": flow.upstream_calls,
            "navigation_marks_median_ms": {mark: round(statistics.median(m[mark] for m in flow.marks), 1)
                                           for mark in NAVIGATION_MARKS} if flow.marks else {},
        }
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()
    flows, limit = run(args.latency_ms, args.runs)
    result = {
        "machine": machine_description(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "latency_ms": args.latency_ms,
        "pace_seconds": PACE_SECONDS,
        "management_limit": limit,
        "flows": summary(flows, args.latency_ms),
        "shipped_js_css_gzipped_bytes": shipped_assets_gzipped(),
    }
    result["shipped_js_css_gzipped_total"] = sum(result["shipped_js_css_gzipped_bytes"].values())
    print(f"machine: {result['machine']}")
    print(f"load average (1, 5, 15 min): before {result['load_average_before']}, after {result['load_average_after']}")
    print(f"L = {args.latency_ms:g} ms, {args.runs} runs after one warm-up, flows {PACE_SECONDS:g} s apart")
    print(f"{'flow':32} {'median':>9} {'floor':>13} {'/floor':>7} {'max':>9} {'x L':>6} {'calls':>6} "
          f"{'page bytes':>11}  htmx swaps (bytes)")
    for name, row in result["flows"].items():
        floor = f"{row['floor_median_ms']:.0f}ms ({row['floor_round_trips']} RT)"
        print(f"{name:32} {row['median_ms']:>7.0f}ms {floor:>13} {row['ratio_to_floor']:>7.2f} "
              f"{row['max_ms']:>7.0f}ms {row['ratio_to_L']:>6.2f} "
              f"{row['upstream_calls']:>6} {row['page_bytes_median']:>11}  {row['htmx_swap_bytes']}")
    print(f"Management limit: {limit['sandbox_429s_sent']} 429s sent by the sandbox; console budget "
          f"(the /healthz worker): {limit['console_budget']}")
    print("navigation marks, median ms (the document's own; for the dry run, the page it ran on):")
    for name, row in result["flows"].items():
        print(f"  {name:32} " + "  ".join(f"{k} {v:.0f}" for k, v in row["navigation_marks_median_ms"].items()))
    print(f"static files on a cold first visit: "
          f"{max(r['static_bytes_cold'] for r in result['flows'].values())} bytes")
    print(f"shipped JS + CSS, gzipped: {result['shipped_js_css_gzipped_total']} bytes")
    for path, size in result["shipped_js_css_gzipped_bytes"].items():
        print(f"  {size:>7}  {path}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
