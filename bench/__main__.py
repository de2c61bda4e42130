"""Every benchmark of issues 8 and 12, one after another, in one sitting (`make bench`):

    .venv/bin/python -m bench [--out bench/results] [--only page_speed,load] [--with-others]

Runs page_speed (L = 100 ms, Chromium), server_time (L = 100 ms) and load (L = 20 ms, 25 agents,
60 s, PostgreSQL + Redis), then issue 12's two (bench/management_budget.py: 25 staff at a
support desk's pace for 5 minutes, 10 staff without pause for 60 s, the sandbox at Talon.One's
3 Management requests per second per endpoint), each as its own process with its documented command line, and writes
each one's JSON next to a run.json that records the machine, the start and end time and the load
average (/proc/loadavg) before and after every step: the machine is shared, and a figure means
little without how busy it was. `--with-others` adds the benchmarks of issues 3, 4 and 6
(sandbox throughput, service layer against the SDK, audience upload).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
if not Path(PYTHON).exists():
    PYTHON = sys.executable

# name -> the script's arguments; "{json}" is replaced by the step's output file
ISSUE_8 = {
    "page_speed": ["bench/page_speed.py", "--latency-ms", "100", "--runs", "7", "--json", "{json}"],
    "server_time": ["bench/server_time.py", "--latency-ms", "100", "--rounds", "30", "--json", "{json}"],
    "load": ["bench/load.py", "--latency-ms", "20", "--users", "25", "--seconds", "60",
             "--database", "postgres", "--json", "{json}"],
}
# Issue 12: within Talon.One's Management API limit (the sandbox enforces 3 per second).
ISSUE_12 = {
    "budget_desk": ["bench/management_budget.py", "--scenario", "desk", "--json", "{json}"],
    "budget_rush": ["bench/management_budget.py", "--scenario", "rush", "--json", "{json}"],
}
OTHERS = {
    "sandbox_throughput": ["bench/sandbox_throughput.py", "--seconds", "30", "--threads", "8",
                           "--output", "{json}"],
    "service_layer": ["bench/service_layer.py", "--rounds", "300", "--json", "{json}"],
    "audience_upload": ["bench/audience_upload.py", "--rows", "10000", "--json", "{json}"],
}


def load_average() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return []


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--only", help="comma-separated step names")
    parser.add_argument("--with-others", action="store_true")
    args = parser.parse_args(argv)

    steps = dict(ISSUE_8, **ISSUE_12, **(OTHERS if args.with_others else {}))
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - set(ISSUE_8) - set(ISSUE_12) - set(OTHERS)
        if unknown:
            parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
        steps = {name: command for name, command in {**ISSUE_8, **ISSUE_12, **OTHERS}.items()
                 if name in wanted}

    sys.path.insert(0, str(ROOT))
    from bench.stack import machine_description

    args.out.mkdir(parents=True, exist_ok=True)
    run = {"machine": machine_description(), "started": now(), "steps": {}}
    failed = []
    for name, template in steps.items():
        output = args.out / f"{name}.json"
        command = [PYTHON] + [part.replace("{json}", str(output)) for part in template]
        print(f"\n== {name}: {' '.join(command[1:])}", flush=True)
        shown = [part.replace(f"{ROOT}/", "") for part in command[1:]]
        step = {"command": " ".join([".venv/bin/python"] + shown), "started": now(),
                "load_average_before": load_average()}
        begun = time.monotonic()
        returncode = subprocess.call(command, cwd=ROOT)
        step.update(finished=now(), seconds=round(time.monotonic() - begun, 1),
                    load_average_after=load_average(), exit_status=returncode)
        run["steps"][name] = step
        if returncode:
            failed.append(name)
    run["finished"] = now()
    (args.out / "run.json").write_text(json.dumps(run, indent=2) + "\n")
    print(f"\nresults in {args.out}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
