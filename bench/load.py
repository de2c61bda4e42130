"""Load: 25 simulated agents for 60 s against gunicorn as in the Procfile (issue 8 §2).

    .venv/bin/python bench/load.py [--latency-ms 20] [--users 25] [--seconds 60]
                                   [--database postgres|sqlite] [--json out.json]

Starts the sandbox with L ms per API call, PostgreSQL and Redis on loopback (scripts/scale, as
for several instances; --database sqlite uses the single-machine default instead), and the
console with gunicorn.conf.py's workers and threads. Then runs locust headless
(bench/locustfile.py: searches, customer pages, session pages, dry-run previews, returns) and
reports throughput, p50/p95/p99 and errors. Targets: 0 errors, p95 <= 4 x L.

locust runs on the same two cores as the console and the sandbox, so the figures are a floor.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import machine_description, running_stack  # noqa: E402

SCALE = ROOT / "scripts" / "scale"


@contextmanager
def shared_services():
    """PostgreSQL and Redis on loopback (scripts/scale/start.sh); their URLs."""
    subprocess.run([str(SCALE / "install.sh")], check=True)
    work = tempfile.mkdtemp(prefix="talon-desk-scale-")
    try:
        subprocess.run([str(SCALE / "start.sh"), work], check=True, stdout=subprocess.DEVNULL)
        values = {}
        for line in Path(work, "env").read_text().splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            values[name] = value
        yield values["DATABASE_URL"], values["RATELIMIT_STORAGE_URI"]
    finally:
        subprocess.run([str(SCALE / "stop.sh"), work], check=False)


def demo_population(sandbox) -> dict[str, str]:
    """Profiles to look up, sessions to open, and closed sessions to return from."""
    http = requests.Session()
    http.headers["Authorization"] = f"ManagementKey-v1 {sandbox.management_key}"
    sessions = http.get(f"{sandbox.url}/v1/applications/1/sessions", params={"pageSize": 1000},
                        timeout=60).json()["data"]
    closed = [s["integrationId"] for s in sessions if s.get("state") == "closed"]
    return {
        "LOAD_PROFILES": ",".join(f"cust-{n:04d}" for n in range(1, 61)),
        "LOAD_SESSIONS": ",".join(s["integrationId"] for s in sessions),
        "LOAD_RETURNABLE": ",".join(closed),
    }


def logins(console, count: int) -> str:
    """`count` separate logins of the agent account: [(session cookie, CSRF token)] as JSON."""
    import re

    made = []
    for _ in range(count):
        browser = requests.Session()
        page = browser.get(f"{console.url}/login", timeout=30)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        answer = browser.post(f"{console.url}/login", data={"username": "agent", "password": "demo",
                                                             "csrf_token": token}, allow_redirects=False, timeout=30)
        assert answer.status_code == 303, answer.status_code
        home = browser.get(f"{console.url}/", timeout=30)
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', home.text).group(1)
        made.append((browser.cookies["talon_desk_session"], csrf))
    return json.dumps(made)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pgid: int) -> float:
    """User + system CPU time of every live process in a process group (gunicorn's master and
    workers, the sandbox, locust), from /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of /proc/pid/stat: the process group
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def postgres_connections(database_url: str | None) -> int | None:
    """Connections made to the console's database so far (pg_stat_database.sessions, which
    counts every connection opened, PostgreSQL 14+); None for SQLite. A pool that keeps its
    connections makes a few per worker at the start and none during the run; connections made
    during the run cost a backend process each on the database's (here: the same) cores."""
    if not database_url or not database_url.startswith("postgresql"):
        return None
    import psycopg

    url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()").fetchone()
    # this connection counts itself
    return int(row[0]) - 1 if row else None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] if ordered else 0.0


def where_time_went(path: Path) -> dict:
    """p50/p95 per request name of: what locust saw; the console's whole time (Server-Timing
    app); Talon.One in flight (talon); the console's own time (app - talon: its CPU, and waits for
    a CPU, the GIL, a fan-out thread or a database connection); and the time outside the app
    (client - app: gunicorn's queue, the network, locust itself)."""
    if not path.exists():
        return {}
    rows = json.loads(path.read_text())
    rows["all"] = [row for name, values in list(rows.items()) for row in values]
    summary = {}
    for name, values in rows.items():
        parts = {
            "client": [c for c, _, _ in values],
            "app": [a for _, a, _ in values],
            "talon": [t for _, _, t in values],
            "own": [a - t for _, a, t in values],
            "outside": [c - a for c, a, _ in values],
        }
        summary[name] = {part: {"p50": round(percentile(v, 0.5), 1), "p95": round(percentile(v, 0.95), 1)}
                         for part, v in parts.items()}
        summary[name]["n"] = len(values)
    return summary


def read_stats(prefix: Path) -> dict:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_name = {}
    aggregated = None
    for row in rows:
        figures = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50_ms": float(row["50%"] or 0),
            "p95_ms": float(row["95%"] or 0),
            "p99_ms": float(row["99%"] or 0),
            "max_ms": float(row["Max Response Time"] or 0),
            "rps": round(float(row["Requests/s"] or 0), 1),
        }
        if row["Name"] == "Aggregated":
            aggregated = figures
        else:
            by_name[f"{row['Type']} {row['Name']}"] = figures
    failures = []
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        with failures_file.open(newline="") as handle:
            failures = [dict(row) for row in csv.DictReader(handle)]
    return {"total": aggregated, "by_request": by_name, "failures": failures}


def run(latency_ms: float, users: int, seconds: int, database: str,
        wait: tuple[float, float] = (0.2, 1.0)) -> dict:
    services = shared_services() if database == "postgres" else None
    database_url, limiter_url = (services.__enter__() if services else (None, "memory://"))
    try:
        with running_stack(latency_ms, database_url=database_url,
                           RATELIMIT_STORAGE_URI=limiter_url) as (sandbox, console), \
                tempfile.TemporaryDirectory(prefix="talon-desk-locust-") as tmp:
            prefix = Path(tmp) / "load"
            env = {**os.environ, **demo_population(sandbox), "LOAD_LOGINS": logins(console, users),
                   "LOAD_TIMINGS": str(Path(tmp) / "timings.json"),
                   "LOAD_SECTIONS": str(Path(tmp) / "sections.json"),
                   "LOAD_WAIT": f"{wait[0]},{wait[1]}"}
            sandbox.reset()  # the rate-limit counts start with the run
            groups = {"console (gunicorn)": os.getpgid(console.process.pid),
                      "sandbox": os.getpgid(sandbox.process.pid)}
            before = {name: cpu_seconds(pgid) for name, pgid in groups.items()}
            connections_before = postgres_connections(database_url)
            locust = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"),
                 "--headless", "--users", str(users), "--spawn-rate", str(users),
                 "--run-time", f"{seconds}s", "--host", console.url, "--csv", str(prefix),
                 "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)
            locust_cpu = 0.0
            while locust.poll() is None:  # sampled, as a finished process leaves no /proc entry
                locust_cpu = max(locust_cpu, cpu_seconds(locust.pid))
                time.sleep(1)
            cpu = {name: round(cpu_seconds(pgid) - before[name], 1) for name, pgid in groups.items()}
            cpu["load generator (locust)"] = round(locust_cpu, 1)
            connections_after = postgres_connections(database_url)
            stats = read_stats(prefix)
            stats["cpu_seconds"] = cpu
            stats["server_timing"] = where_time_went(Path(tmp) / "timings.json")
            sections = Path(tmp) / "sections.json"
            stats["error_sections"] = json.loads(sections.read_text()) if sections.exists() else {}
            stats["sandbox_rate_limit"] = sandbox.rate_limit_report()
            stats["console_budget"] = requests.get(f"{console.url}/healthz", timeout=30).json().get(
                "talon", {}).get("management_budget")
            if connections_before is not None and connections_after is not None:
                # minus the one postgres_connections made itself before the run
                stats["database_connections_opened"] = connections_after - connections_before - 1
            workers = console.env.get("WEB_CONCURRENCY") or "gunicorn.conf.py default"
    finally:
        if services:
            services.__exit__(None, None, None)
    return {"latency_ms": latency_ms, "users": users, "seconds": seconds, "database": database,
            "workers": workers, "wait_seconds": list(wait), **stats}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = {"machine": machine_description(), **run(args.latency_ms, args.users, args.seconds, args.database)}
    total = result["total"]
    target = 4 * args.latency_ms
    print(f"machine: {result['machine']}")
    print(f"{args.users} agents, {args.seconds} s, L = {args.latency_ms:g} ms, database {args.database}")
    print(f"throughput {total['rps']} requests/s, {total['requests']} requests, {total['failures']} errors")
    print(f"p50 {total['p50_ms']:g} ms, p95 {total['p95_ms']:g} ms (target <= {target:g}), p99 {total['p99_ms']:g} ms")
    for name, row in sorted(result["by_request"].items()):
        print(f"  {name:48} n={row['requests']:>5} err={row['failures']:>3} "
              f"p50={row['p50_ms']:>5g} p95={row['p95_ms']:>5g} p99={row['p99_ms']:>5g}")
    print(f"CPU seconds used during the run (2 cores x {args.seconds} s = {2 * args.seconds} available): "
          + ", ".join(f"{name} {value}" for name, value in result["cpu_seconds"].items()))
    if total["requests"]:
        console_cpu = result["cpu_seconds"]["console (gunicorn)"]
        print(f"console CPU per request: {1000 * console_cpu / total['requests']:.1f} ms")
    if "database_connections_opened" in result:
        print(f"PostgreSQL connections opened during the run: {result['database_connections_opened']}")
    timing = result.get("server_timing") or {}
    if timing:
        print("where the time went (ms, p50/p95; Server-Timing: app = console, talon = upstream in flight, "
              "own = app - talon, outside = locust's time - app):")
        for name in ["all"] + sorted(n for n in timing if n != "all"):
            row = timing[name]
            print(f"  {name:48} n={row['n']:>5} " + "  ".join(
                f"{part} {row[part]['p50']:g}/{row[part]['p95']:g}"
                for part in ("client", "app", "talon", "own", "outside")))
    for failure in result["failures"][:10]:
        print(f"  failure: {failure}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
