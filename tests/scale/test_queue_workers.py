"""A queue worker beside each of the two instances, both on one Redis (Huey's Redis storage: the
Redis the instances share): one bulk job, uploaded on instance A (a file large enough to be
staged by a worker from the shared database), is sent by both workers, and every row reaches the
sandbox exactly once.

Why both take part, deterministically: each worker runs one thread (`--threads 1`), and with Redis
Huey's workers wait in BRPOP, which Redis serves to the client that has waited longest. A job is a
chain of tasks (app.bulk.tasks: each step queues the next), so the worker that queues the next
step is busy finishing its own, and the other one, waiting, gets it: the steps alternate. Who sent
which chunk is in the shared audit log (each chunk's entry names its worker, host:pid, the same
name as its heartbeat); what reached the sandbox is in its request log (`items` per request)."""

from __future__ import annotations

import json
import re
import time
from collections import Counter

import pytest
import requests
import sqlalchemy as sa

from tests.faults.faults import sandbox_requests
from tests.scale.instances import WorkerInstance

AUDIENCE = 1
ROWS = 2000          # 20 look-up steps of 100, then 4 chunks of 500 to send
CHUNK = 500
DEADLINE = 240.0     # seconds: the bound on polling for the job's end (it takes a few here)


@pytest.fixture
def worker_pair(instances, scale_env, shared_database, tmp_path):
    """Worker A beside instance A, worker B beside instance B, one thread each, each started
    once its heartbeat is in the shared database."""
    def beating(worker: WorkerInstance) -> bool:
        with shared_database.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM queue_workers WHERE name = :name"),
                                      {"name": worker.name}).scalar() == 1

    workers = [WorkerInstance(f"worker-{side}", scale_env, tmp_path, args="--threads 1 --no-periodic")
               for side in ("a", "b")]
    try:
        for worker in workers:
            worker.start(ready=beating)
        yield workers
    finally:
        for worker in workers:
            worker.stop()


def job_status(browser, instance, show: str) -> str:
    body = browser.get(instance, show, headers={"HX-Request": "true"}).text
    match = re.search(r'data-job-status="(\w+)"', body)
    assert match, body[:500]
    return match.group(1)


def wait_for(browser, instance, show: str, statuses: set[str]) -> str:
    """Poll the job's progress partial, as its page does, until it is in one of ``statuses``."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        status = job_status(browser, instance, show)
        if status in statuses:
            return status
        time.sleep(0.5)
    raise AssertionError(f"the job is still {status!r} after {DEADLINE:.0f} s")


def audience_members(sandbox, audience_id: int) -> set[str]:
    members: set[str] = set()
    skip = 0
    while True:
        page = requests.get(f"{sandbox.url}/v1/audiences/{audience_id}/memberships",
                            params={"pageSize": 1000, "skip": skip}, timeout=30,
                            headers={"Authorization": f"ManagementKey-v1 {sandbox.management_key}"})
        page.raise_for_status()
        data = page.json()["data"]
        members |= {m["integrationId"] for m in data}
        if len(data) < 1000:
            return members
        skip += 1000


def test_two_workers_on_one_redis_share_a_jobs_chunks_and_send_each_row_once(
        instances, worker_pair, staff, talon_sandbox, shared_database):
    a, b = instances
    worker_a, worker_b = worker_pair
    ids = [f"scale-queue-{n:05d}" for n in range(ROWS)]
    assert not set(ids) & audience_members(talon_sandbox, AUDIENCE)

    # Both workers are seen by either instance.
    assert requests.get(f"{b.url}/healthz", timeout=30).json()["queue"]["workers_seen"] == 2

    # A marketer uploads the list on instance A, as a file, as the page's form sends it. A
    # column of notes makes it 1.3 MB, above BULK_INLINE_BYTES: instance A keeps it in the shared
    # database in blocks, and a worker reads it into rows from there (jobs.stage_upload).
    browser = staff().login(a, "marketer")
    note = "x" * 640
    csv = "profile_id,note\n" + "".join(f"{i},{note}\n" for i in ids)
    assert len(csv) > 1_000_000
    answer = browser.post(a, f"/audiences/{AUDIENCE}/members/change", {"members-action": "add"},
                          files={"members-upload": ("members.csv", csv.encode(), "text/csv")},
                          headers={"HX-Request": "true"})
    assert answer.status_code == 200, answer.text[:1000]
    show = re.search(r'hx-get="(/audiences/\d+/jobs/(\d+))"', answer.text)
    assert show, answer.text[:1000]
    show, job_id = show.group(1), int(show.group(2))
    assert 'data-job-status="staging"' in answer.text and "Checking the list" in answer.text

    # The workers look the IDs up; none is known to Talon.One, so the job asks. The marketer
    # answers on instance B (another machine behind the load balancer): let Talon.One create them.
    assert wait_for(browser, b, show, {"choosing", "done", "paused", "refused"}) == "choosing"
    chosen = browser.post(b, f"{show}/choose", {"choice": "create"}, headers={"HX-Request": "true"})
    assert chosen.status_code == 200, chosen.text[:500]
    assert wait_for(browser, b, show, {"done", "paused"}) == "done"

    with shared_database.connect() as connection:
        job = connection.execute(sa.text(
            "SELECT succeeded, failed, unknown, rows_refused FROM bulk_jobs WHERE id = :id"),
            {"id": job_id}).one()
        rows = dict(connection.execute(sa.text(
            "SELECT status, count(*) FROM bulk_rows WHERE job_id = :id GROUP BY status"),
            {"id": job_id}).all())
        entries = connection.execute(sa.text(
            "SELECT summary FROM audit_entries WHERE action = 'audience.members.add.chunk' "
            "ORDER BY id")).scalars().all()
    assert tuple(job) == (ROWS, 0, 0, 0)
    assert rows == {"ok": ROWS}

    # Who sent which chunk: both workers, and nobody else.
    chunks = [summary if isinstance(summary, dict) else json.loads(summary) for summary in entries]
    chunks = [c for c in chunks if c["job"] == job_id]
    senders = [c["worker"] for c in chunks]
    assert sorted(c["rows"] for c in chunks) == [CHUNK] * (ROWS // CHUNK), chunks
    assert set(senders) == {worker_a.name, worker_b.name}, (
        f"the chunks were not shared: {senders} (workers {worker_a.name}, {worker_b.name})")
    assert all(c["added"] == c["rows"] and c["requests"] == 1 for c in chunks), chunks

    # What reached the sandbox: each row once. ROWS rows arrived in all, and ROWS distinct IDs
    # are members now, so none came twice.
    sent = [e for e in sandbox_requests(talon_sandbox)
            if e["method"] == "POST" and e["path"] == "/v2/customer_audiences"]
    assert [e["status"] for e in sent] == [204] * len(sent)   # No Content: applied
    assert sum(e["items"] for e in sent) == ROWS, [e["items"] for e in sent]
    assert len(sent) == len(chunks)
    assert set(ids) <= audience_members(talon_sandbox, AUDIENCE)
    print(f"chunks per worker: {dict(Counter(senders))}")
