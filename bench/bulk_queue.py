"""A generated membership CSV of N rows, uploaded to the console and sent by the queue's worker,
against the sandbox at L ms (issue 18): rows per second per phase and the peak memory of the web
and the worker process, for each size.

    .venv/bin/python bench/bulk_queue.py [--rows 10000,100000,1000000:180] [--latency-ms 20]
        [--phase-seconds 900] [--create-unknown] [--json bench/results/bulk_queue.json]

(`1000000:180`: that size's checking and sending phases are cut short after 180 s; the others
after --phase-seconds.)

For each size, a fresh stack (bench.stack.running_stack: the sandbox with L ms on every API
request, the console under gunicorn from the Procfile, a SQLite app database) and one worker
beside it (the Procfile's `worker:`, tests.scale.instances.WorkerInstance; the queue is the
SQLite file beside the app database, as on one machine). Then, as a person does over real HTTP:
log in as the marketer, upload the CSV (multipart; profile IDs Talon.One does not know yet) to
"add members" of the demo audience 1, watch the job's progress partial (every 2 s), answer
"let Talon.One create them" when the job asks, and watch until it is done. The numbers of rows
come from the console's database (bulk_jobs, bulk_rows), read beside the page.

Phases, timed separately:
  staging   the file streamed, read, validated and staged in the database, from the start of
            the upload request until the job leaves "staging" (`upload_request_s`: the request
            alone, what the person waits for the page; the whole staging when it happens in
            the request, as for lists up to BULK_INLINE_BYTES)
  checking  the worker looks every ID up (Integration API, 100 per step, 8 in parallel)
  sending   the worker adds them, 500 per request (POST /v2/customer_audiences)
A phase still running after --phase-seconds is cut short and reported as such: its rows done,
its rate, and the projected time for all rows. A cut-short check is ended by the bench: it
pauses the job over HTTP, marks the rows not yet checked as checked in the database (what the
"create" answer does with unknown IDs), and resumes it over HTTP, so that sending is measured
on the same full-size job. A cut-short send is cancelled over HTTP. With --create-unknown the
upload ticks "let Talon.One create the profiles it does not know, without checking first": there
is no checking phase, and the job goes from staging to sending.

Peak memory: VmHWM (peak resident set) from /proc of each gunicorn worker process (the largest
is reported: the one that took the upload) and of the queue worker, read at the end of the
size, fresh processes for each size. Target: flat as the file grows.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.stack import machine_description, running_stack  # noqa: E402
from tests.scale.instances import WorkerInstance  # noqa: E402

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
STATUS = re.compile(r'data-job-status="(\w+)"')
AUDIENCE = 1
POLL = 2.0


def write_csv(path: Path, rows: int) -> int:
    """profile IDs bench-q-0000001..., one a line, with a header; written as it goes."""
    with path.open("w", encoding="utf-8") as out:
        out.write("profile_id\n")
        for n in range(1, rows + 1):
            out.write(f"bench-q-{n:07d}\n")
    return path.stat().st_size


def peak_rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


class Job:
    """The job's numbers, read from the console's SQLite database (read-only)."""

    def __init__(self, database: Path, job_id: int) -> None:
        self.db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
        self.id = job_id

    def counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT status, count(*) FROM bulk_rows WHERE job_id = ? "
                                    "GROUP BY status", (self.id,)).fetchall())

    def succeeded(self) -> int:
        return self.db.execute("SELECT succeeded FROM bulk_jobs WHERE id = ?", (self.id,)).fetchone()[0]

    def unchecked(self) -> int:
        return self.db.execute("SELECT count(*) FROM bulk_rows WHERE job_id = ? AND status = 'unchecked'",
                               (self.id,)).fetchone()[0]


class Person:
    def __init__(self, url: str) -> None:
        self.url, self.http = url, requests.Session()
        token = CSRF.search(self.http.get(f"{url}/login", timeout=60).text).group(1)
        self.http.post(f"{url}/login", data={"username": "marketer", "password": "demo",
                                             "csrf_token": token}, timeout=60).raise_for_status()
        self.token = CSRF.search(self.http.get(f"{url}/audiences/{AUDIENCE}", timeout=60).text).group(1)
        self.htmx = {"X-CSRFToken": self.token, "HX-Request": "true"}

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        answer = self.http.post(self.url + path, data=data, headers=self.htmx, timeout=3600, **kwargs)
        answer.raise_for_status()
        return answer

    def status(self, show: str) -> str:
        answer = self.http.get(self.url + show, headers={"HX-Request": "true"}, timeout=300)
        answer.raise_for_status()
        return STATUS.search(answer.text).group(1)


def watch(person: Person, show: str, statuses: set[str], seconds: float) -> tuple[str, float]:
    """Poll the progress partial until the job is in ``statuses`` or ``seconds`` pass."""
    started = time.perf_counter()
    while True:
        status = person.status(show)
        if status in statuses or time.perf_counter() - started > seconds:
            return status, time.perf_counter()
        time.sleep(POLL)


def phase(name: str, rows: int, done: int, seconds: float, complete: bool) -> dict:
    rate = done / seconds if seconds > 0 else None
    return {"phase": name, "rows": rows, "rows_done": done, "seconds": round(seconds, 1),
            "rows_per_s": round(rate, 1) if rate else None, "complete": complete,
            "projected_s_for_all": round(rows / rate, 1) if rate else None}


def run_size(rows: int, latency_ms: float, phase_seconds: float, create_unknown: bool = False) -> dict:
    with running_stack(latency_ms) as (sandbox, console):
        work = console.log_path.parent
        database = work / "console.db"
        csv_path = work / "members.csv"
        csv_bytes = write_csv(csv_path, rows)
        env = {k: v for k, v in console.env.items() if k not in ("PORT", "HOST")}

        def beating(worker: WorkerInstance) -> bool:
            try:
                with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
                    return conn.execute("SELECT count(*) FROM queue_workers WHERE name = ?",
                                        (worker.name,)).fetchone()[0] == 1
            except sqlite3.Error:
                return False

        worker = WorkerInstance("worker", env, work).start(ready=beating)
        try:
            person = Person(console.url)
            started = time.perf_counter()
            with csv_path.open("rb") as upload:
                form = {"members-action": "add", **({"members-create_unknown": "y"} if create_unknown else {})}
                answer = person.post(f"/audiences/{AUDIENCE}/members/change", form,
                                     files={"members-upload": ("members.csv", upload, "text/csv")})
            answered_at = time.perf_counter()
            found = re.search(r'hx-get="(/audiences/\d+/jobs/(\d+))"', answer.text)
            if not found:
                raise RuntimeError(f"the upload was not accepted:\n{answer.text[:2000]}")
            show, job = found.group(1), Job(database, int(found.group(2)))
            status, staged_at = watch(person, show, {"checking", "choosing", "running", "done", "paused",
                                                     "refused"}, phase_seconds)   # a list the worker stages
            to_send = rows
            phases = [{**phase("staging", rows, sum(job.counts().values()), staged_at - started,
                               status != "staging"),
                       "upload_request_s": round(answered_at - started, 2)}]

            if not create_unknown:
                status, checked_at = watch(person, show, {"choosing", "running", "done", "paused"}, phase_seconds)
                checked = to_send - job.unchecked()
                phases.append(phase("checking", rows, checked, checked_at - staged_at, status != "checking"))
            if status == "checking":   # cut short: the rest counted as checked (module docstring)
                person.post(f"{show}/pause", {})
                watch(person, show, {"paused"}, 60)
                with sqlite3.connect(database, timeout=60) as conn:
                    conn.execute("UPDATE bulk_rows SET status = 'pending' WHERE job_id = ? AND "
                                 "status IN ('unchecked', 'unseen')", (job.id,))
                person.post(f"{show}/resume", {})
            elif status == "choosing":
                person.post(f"{show}/choose", {"choice": "create"})
            send_from = time.perf_counter()
            status, sent_at = watch(person, show, {"done", "paused"}, phase_seconds)
            sent = job.succeeded()
            phases.append(phase("sending", rows, sent, sent_at - send_from, status == "done"))
            if status not in ("done", "paused"):
                person.post(f"{show}/cancel", {"confirmed": "yes"})
            web = {pid: peak_rss_mib(pid) for pid in children(console.process.pid)}
            result = {
                "rows": rows, "csv_bytes": csv_bytes, "latency_ms": latency_ms, "create_unknown": create_unknown,
                "final_status": status, "row_statuses": job.counts(),
                "phases": phases,
                "web_peak_rss_mib": max((v for v in web.values() if v), default=None),
                "web_master_peak_rss_mib": peak_rss_mib(console.process.pid),
                "web_processes": len(web),
                "worker_peak_rss_mib": peak_rss_mib(worker.process.pid),
            }
            return result
        finally:
            worker.stop()


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000,1000000:180",
                        help="sizes, comma-separated, each with :SECONDS to cut its phases sooner")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--phase-seconds", type=float, default=900.0,
                        help="cut a phase short after this long (then projected)")
    parser.add_argument("--create-unknown", action="store_true",
                        help="tick 'create the profiles it does not know, without checking first'")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    # a stopped bench still stops the stack it started (running_stack's and run_size's finally)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    report = {"machine": machine_description(), "cpu_count": os.cpu_count(),
              "latency_ms": args.latency_ms, "phase_seconds": args.phase_seconds, "sizes": []}
    for size in args.rows.split(","):
        rows, _, seconds = size.partition(":")
        before = loadavg()
        result = run_size(int(rows), args.latency_ms, float(seconds or args.phase_seconds), args.create_unknown)
        result["phase_seconds"] = float(seconds or args.phase_seconds)
        result["loadavg_before"], result["loadavg_after"] = before, loadavg()
        report["sizes"].append(result)
        print(json.dumps(result), flush=True)
        if args.json:   # after each size: a long run keeps what it measured
            args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'rows':>9} {'staging r/s':>12} {'checking r/s':>13} {'sending r/s':>12} "
          f"{'web MiB':>8} {'worker MiB':>10}")
    for size in report["sizes"]:
        rates = {"checking": "skipped", **{p["phase"]: f"{p['rows_per_s']}{'' if p['complete'] else '*'}"
                                           for p in size["phases"]}}
        print(f"{size['rows']:>9} {rates['staging']:>12} {rates['checking']:>13} {rates['sending']:>12} "
              f"{size['web_peak_rss_mib']:>8} {size['worker_peak_rss_mib']:>10}")
    print("* cut short after --phase-seconds: the rate of the rows done (projected_s_for_all in the JSON)")


if __name__ == "__main__":
    main()
