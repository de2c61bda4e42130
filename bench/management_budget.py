"""Issue 12: the console within Talon.One's Management API limit (3 requests per second per
endpoint, which the sandbox enforces here), at L = 20 ms, gunicorn as the Procfile runs it.

    .venv/bin/python bench/management_budget.py --scenario desk|rush [--seconds N] [--users N]
                                                [--database postgres|sqlite] [--json out.json]

- ``desk``: 25 staff at a support desk's pace (search, customer page, session page, a dry-run
  preview, a return now and then; 10-30 s between actions) for 5 minutes. Targets: 0 error
  sections, 0 failed requests, 0 429s received, p95 page time <= 300 ms.
- ``rush``: 10 staff without pause (1-3 s between actions) for 60 s. Targets: 0 error sections,
  0 failed requests, every page within 5 s; p50/p95 and the 429s received (target 0) reported.

The load is bench/locustfile.py (bench/load.py starts everything: the sandbox with
``--management-rate-limit 3``, PostgreSQL and Redis for the shared budget, gunicorn). "429s
received" are the sandbox's own count of the Management requests it refused; "peak" is the most
requests one endpoint got within one second, as the sandbox counted them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import run  # noqa: E402
from bench.stack import machine_description  # noqa: E402

SCENARIOS = {
    "desk": {"users": 25, "seconds": 300, "wait": (10.0, 30.0), "p95_ms": 300.0, "max_ms": None},
    "rush": {"users": 10, "seconds": 60, "wait": (1.0, 3.0), "p95_ms": None, "max_ms": 5000.0},
}
LATENCY_MS = 20.0


def summarise(result: dict, scenario: dict) -> dict:
    total = result["total"] or {}
    endpoints = result["sandbox_rate_limit"]["endpoints"]
    refused = sum(e["refused"] for e in endpoints)
    error_sections = sum(result["error_sections"].values())
    checks = {
        "error sections = 0": error_sections == 0,
        "failed requests = 0": total.get("failures", 1) == 0,
        "429s received = 0": refused == 0,
    }
    if scenario["p95_ms"] is not None:
        checks[f"p95 <= {scenario['p95_ms']:g} ms"] = total.get("p95_ms", 1e9) <= scenario["p95_ms"]
    if scenario["max_ms"] is not None:
        checks[f"every page within {scenario['max_ms'] / 1000:g} s"] = total.get("max_ms", 1e9) <= scenario["max_ms"]
    return {"requests": total.get("requests"), "failures": total.get("failures"),
            "p50_ms": total.get("p50_ms"), "p95_ms": total.get("p95_ms"), "max_ms": total.get("max_ms"),
            "error_sections": error_sections, "refused_429": refused,
            "peak_per_second": {e["endpoint"]: e["peakPerSecond"] for e in endpoints},
            "checks": checks, "met": all(checks.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), required=True)
    parser.add_argument("--seconds", type=int, help="shorter for a smoke run")
    parser.add_argument("--users", type=int)
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    scenario = dict(SCENARIOS[args.scenario])
    scenario["users"] = args.users or scenario["users"]
    scenario["seconds"] = args.seconds or scenario["seconds"]
    result = {"machine": machine_description(), "scenario": args.scenario,
              **run(LATENCY_MS, scenario["users"], scenario["seconds"], args.database, wait=scenario["wait"])}
    result["summary"] = summary = summarise(result, scenario)
    print(f"machine: {result['machine']}")
    print(f"{args.scenario}: {scenario['users']} staff, {scenario['seconds']} s, {scenario['wait'][0]:g}-"
          f"{scenario['wait'][1]:g} s between actions, L = {LATENCY_MS:g} ms, Management limit 3/s")
    print(f"requests {summary['requests']}, failed {summary['failures']}, error sections "
          f"{summary['error_sections']}, 429s received {summary['refused_429']}")
    print(f"p50 {summary['p50_ms']:g} ms, p95 {summary['p95_ms']:g} ms, max {summary['max_ms']:g} ms")
    for name, row in sorted(result["by_request"].items()):
        print(f"  {name:48} n={row['requests']:>5} err={row['failures']:>3} p50={row['p50_ms']:>5g} "
              f"p95={row['p95_ms']:>5g} max={row['max_ms']:>6g}")
    print("peak requests per endpoint within one second (sandbox):")
    for endpoint, peak in sorted(summary["peak_per_second"].items()):
        print(f"  {endpoint:72} {peak}")
    budget = (result.get("console_budget") or {}).get("endpoints") or {}
    if budget:
        print("console budget (from /healthz): requests, waits, wait seconds, 429s received")
        for endpoint, row in sorted(budget.items()):
            print(f"  {endpoint:72} {row['requests']:>5} {row['waits']:>4} {row['wait_seconds']:>6} "
                  f"{row['refused_upstream']:>3}")
    for check, ok in summary["checks"].items():
        print(f"  {'met' if ok else 'MISSED'}: {check}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
