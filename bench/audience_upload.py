"""A 10,000-member CSV audience upload through the console, timed, with its peak memory.

    .venv/bin/python bench/audience_upload.py [--rows 10000] [--latency-ms 0] [--json out.json]

Starts `python -m sandbox` on a free port (bench.stack.Sandbox), creates the profiles there (not
timed), and serves the console over real HTTP from a thread of this process. Then, as the
browser would: log in as the marketer, create an audience, upload the CSV (multipart, streamed
from a file) and follow the job's progress partial until it is done; the queue's tasks (the
look-ups and the chunks) run in this process between two looks (queue.drain), in place of a
worker.

Reported: the upload request (read, check and stage the rows), the chunked sending, the total,
members in the audience afterwards (counted through the Management API), and memory: the
tracemalloc peak of the console's Python allocations over the whole upload and the process's
peak RSS (resource.getrusage). Target: under 60 s; memory bounded (the reader streams the file;
the rows wait in the database, not in memory).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.stack import Sandbox, machine_description  # noqa: E402

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
TARGET_SECONDS = 60.0


def create_profiles(sandbox: Sandbox, ids: list[str]) -> None:
    http = requests.Session()
    http.headers["Authorization"] = f"ApiKey-v1 {sandbox.integration_key}"
    for start in range(0, len(ids), 1000):
        body = {"customerProfiles": [{"integrationId": i, "attributes": {}} for i in ids[start:start + 1000]]}
        http.put(f"{sandbox.url}/v2/customer_profiles", params={"silent": "yes"}, json=body,
                 timeout=120).raise_for_status()


def member_count(sandbox: Sandbox, audience_id: int) -> int:
    http = requests.Session()
    http.headers["Authorization"] = f"ManagementKey-v1 {sandbox.management_key}"
    count, skip = 0, 0
    while True:
        page = http.get(f"{sandbox.url}/v1/audiences/{audience_id}/memberships",
                        params={"pageSize": 1000, "skip": skip}, timeout=60).json()
        count += len(page["data"])
        if not page.get("hasMore"):
            return count
        skip += 1000


def start_console(sandbox: Sandbox, work: Path):
    """The console app over HTTP on a free port, in a thread of this process."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from app import create_app
    from app.auth.accounts import create_user
    from app.extensions import db

    app = create_app({
        "TALON_DESK_MODE": "testing", "SECRET_KEY": uuid.uuid4().hex * 2,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'console.db'}",
        "TALON_BASE_URL": sandbox.url, "TALON_INTEGRATION_KEY": sandbox.integration_key,
        "TALON_MANAGEMENT_KEY": sandbox.management_key, "TALON_APPLICATION_ID": 1,
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    with app.app_context():
        db.create_all()
        create_user("marketer", "demo", "marketer")

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}", app


def log_in(url: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    token = CSRF.search(browser.get(f"{url}/login", timeout=30).text).group(1)
    browser.post(f"{url}/login", data={"username": "marketer", "password": "demo",
                                       "csrf_token": token}, timeout=30).raise_for_status()
    token = CSRF.search(browser.get(f"{url}/audiences", timeout=30).text).group(1)
    return browser, token


def run(rows: int, latency_ms: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="audience-upload-") as tmp:
        work = Path(tmp)
        sandbox = Sandbox(latency_ms, work).start()
        server = None
        try:
            ids = [f"bench-{n:06d}" for n in range(1, rows + 1)]
            create_profiles(sandbox, ids)
            csv_path = work / "members.csv"
            with csv_path.open("w", encoding="utf-8") as out:
                out.write("integrationId\n")
                for profile_id in ids:
                    out.write(profile_id + "\n")

            server, url, app = start_console(sandbox, work)
            from app.queue import queue
            browser, token = log_in(url)
            page = browser.get(f"{url}/audiences", timeout=30).text
            submission = re.search(r'name="submission" type="hidden" value="([0-9a-f]+)"', page).group(1)
            created = browser.post(f"{url}/audiences", timeout=30, allow_redirects=False, data={
                "name": f"Bench {uuid.uuid4().hex[:6]}", "csrf_token": token, "submission": submission})
            audience_id = int(created.headers["Location"].rsplit("/", 1)[1])
            htmx = {"X-CSRFToken": token, "HX-Request": "true"}

            tracemalloc.start()
            started = time.perf_counter()
            with csv_path.open("rb") as upload:
                answer = browser.post(
                    f"{url}/audiences/{audience_id}/members/change", headers=htmx, timeout=300,
                    data={"members-action": "add"},
                    files={"members-upload": ("members.csv", upload, "text/csv")})
            answer.raise_for_status()
            staged = time.perf_counter()
            body, steps = answer.text, 0
            show = re.search(r'hx-get="([^"]+/jobs/\d+)"', body)
            while re.search(r'data-job-status="(running|checking|staging)"', body):
                steps += queue.drain(app)   # the queue's worker, in this process (issue 18)
                body = browser.get(url + show.group(1), headers=htmx, timeout=300).text
            finished = time.perf_counter()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()

            added = re.search(r'data-count="ok">(\d+) added', body)
            return {
                "rows": rows,
                "csv_bytes": csv_path.stat().st_size,
                "latency_ms": latency_ms,
                "upload_request_s": round(staged - started, 2),
                "sending_s": round(finished - staged, 2),
                "total_s": round(finished - started, 2),
                "queue_tasks": steps,
                "job_status": re.search(r'data-job-status="(\w+)"', body).group(1),
                "added_reported": int(added.group(1)) if added else None,
                "members_upstream": member_count(sandbox, audience_id),
                "tracemalloc_peak_mib": round(peak / 1024 / 1024, 2),
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "target_s": TARGET_SECONDS,
                "machine": machine_description(),
            }
        finally:
            if server is not None:
                server.shutdown()
            sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    args = parser.parse_args()
    result = run(args.rows, args.latency_ms)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    ok = (result["total_s"] < TARGET_SECONDS and result["members_upstream"] == args.rows
          and result["added_reported"] == args.rows)
    print(f"{'PASS' if ok else 'FAIL'}: {result['rows']} members in {result['total_s']} s "
          f"(target < {TARGET_SECONDS:.0f} s), tracemalloc peak {result['tracemalloc_peak_mib']} MiB")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
