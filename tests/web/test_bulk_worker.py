"""Bulk jobs in the queue's worker (issue 18): a job goes on with no page open, survives a
worker stopped mid-chunk with every row sent once, is paused, resumed and cancelled over HTTP,
tells its owner when it is done, and a large list is staged without holding it in memory.

The worker runs in the test's thread (queue.drain): no test waits in real time."""

from __future__ import annotations

import dataclasses
import re
import tracemalloc
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.bulk import jobs, tasks
from app.bulk.models import CANCELLED, DONE, INVALID, OK, PAUSED, RUNNING, STOPPED, UNKNOWN, BulkJob, BulkRow
from app.bulk.operations import EXTENSION, Registered
from app.bulk.reader import IdRow, read_upload
from app.extensions import db
from app.models import utcnow
from app.queue import queue
from tests.web.test_bulk_helpers import hx_post, marketer, member_ids  # noqa: F401  (marketer: fixture)

VIP = 1
IDS = [f"cust-{n:04d}" for n in (30, 31, 32, 33, 34, 36, 37, 38, 39, 40)]   # not VIP members


class WorkerKilled(Exception):
    """Stands for the worker process dying at this point (SIGKILL, a crash)."""


@pytest.fixture
def sends(app, monkeypatch):
    """Every chunk the console sends for audience.add, with chunks of 3 rows."""
    sent: list[list[str]] = []
    registry = app.extensions[EXTENSION]
    entry = registry["audience.add"]
    original = entry.operation.send

    def send(target, ids):
        sent.append(list(ids))
        return original(target, ids)

    monkeypatch.setitem(registry, "audience.add", Registered(
        dataclasses.replace(entry.operation, chunk_size=3, send=send), entry.pages))
    return sent


def start_list(client, ids=IDS) -> str:
    body = hx_post(client, f"/audiences/{VIP}/members/change",
                   {"members-action": "add", "members-pasted": "\n".join(ids)}).get_data(as_text=True)
    return re.search(r'id="bulk-job-(\d+)"', body).group(1)


def job_of(app, job_id) -> BulkJob:
    with app.app_context():
        job = db.session.get(BulkJob, int(job_id))
        db.session.expunge(job)
        return job


def test_a_job_goes_on_with_no_page_open(app, marketer, talon_sandbox, sends):
    job_id = start_list(marketer)
    assert job_of(app, job_id).status == "checking"
    assert member_ids(talon_sandbox, VIP) and not set(IDS) & set(member_ids(talon_sandbox, VIP))
    queue.drain(app)          # the worker; nobody asks for the page meanwhile
    job = job_of(app, job_id)
    assert job.status == DONE and job.succeeded == len(IDS)
    assert set(IDS) <= set(member_ids(talon_sandbox, VIP))
    assert sorted(sum(sends, [])) == IDS and len(sends) == 4


def test_the_page_only_polls_it_never_steps(app, marketer, sends):
    job_id = start_list(marketer)
    for _ in range(3):
        body = marketer.get(f"/audiences/{VIP}/jobs/{job_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'hx-get="/audiences/{VIP}/jobs/{job_id}"' in body and 'hx-trigger="every 1s"' in body
    assert "/step" not in body and sends == []
    assert job_of(app, job_id).status == "checking"


def test_a_worker_killed_after_claiming_a_chunk_leaves_it_to_the_next_which_sends_each_row_once(
        app, marketer, talon_sandbox, sends, monkeypatch):
    job_id = start_list(marketer)
    deliver = jobs._deliver
    calls = {"n": 0}

    def dies_on_the_second_chunk(job, rows):
        calls["n"] += 1
        if calls["n"] == 2:
            raise WorkerKilled   # the rows are claimed; the process is gone before sending
        return deliver(job, rows)

    monkeypatch.setattr(jobs, "_deliver", dies_on_the_second_chunk)
    queue.drain(app)   # the chain breaks with the worker
    with app.app_context():
        job = db.session.get(BulkJob, int(job_id))
        assert job.status == RUNNING and job.succeeded == 3
        left = db.session.scalars(sa.select(BulkRow).where(BulkRow.job_id == job.id,
                                                           BulkRow.status == "claimed")).all()
        assert [r.value for r in left] == IDS[3:6]
        # time passes: the claims and the job's last step grow old
        old = utcnow() - jobs.STALE_CLAIM - timedelta(seconds=1)
        for row in left:
            row.claimed_at = old
        job.touched_at = utcnow() - tasks.STALLED - timedelta(seconds=1)
        db.session.commit()
    monkeypatch.setattr(jobs, "_deliver", deliver)
    # a fresh worker: its start (or the minute's recovery) gives the job a new chain
    with app.app_context():
        assert tasks.recover() == 1
    queue.drain(app)
    job = job_of(app, job_id)
    assert job.status == DONE and job.succeeded == len(IDS) and job.unknown == 0
    flat = sum(sends, [])
    assert sorted(flat) == IDS and len(flat) == len(set(flat))   # every row sent, once
    assert set(IDS) <= set(member_ids(talon_sandbox, VIP))


def test_a_worker_killed_while_sending_leaves_those_rows_unknown_never_sent_again(
        app, marketer, sends, monkeypatch):
    job_id = start_list(marketer)
    settle = jobs._settle
    state = {"killed": False}

    def dies_after_the_request(rows, status, message):
        if status == OK and not state["killed"] and len(sends) == 2:
            state["killed"] = True
            raise WorkerKilled   # Talon.One applied the chunk; the worker never wrote it down
        return settle(rows, status, message)

    monkeypatch.setattr(jobs, "_settle", dies_after_the_request)
    queue.drain(app)
    with app.app_context():
        db.session.execute(sa.update(BulkRow).where(BulkRow.status.in_(("claimed", "sending")))
                           .values(claimed_at=utcnow() - jobs.STALE_CLAIM - timedelta(seconds=1)))
        db.session.execute(sa.update(BulkJob).values(touched_at=utcnow() - tasks.STALLED * 2))
        db.session.commit()
        tasks.recover()
    queue.drain(app)
    job = job_of(app, job_id)
    assert job.status == DONE and job.unknown == 3 and job.succeeded == len(IDS) - 3
    flat = sum(sends, [])
    assert len(flat) == len(set(flat)) == len(IDS)
    page = marketer.get(f"/audiences/{VIP}/jobs/{job_id}").get_data(as_text=True)
    assert "may have happened" in page


def test_pause_resume_and_cancel_over_http(app, marketer, login_as, talon_sandbox, sends):
    job_id = start_list(marketer)
    base = f"/audiences/{VIP}/jobs/{job_id}"
    assert marketer.post(f"{base}/pause").status_code == 400          # no CSRF token
    assert login_as("agent").post(f"{base}/pause", headers={"X-CSRFToken": "x"}).status_code in (400, 403)
    body = hx_post(marketer, f"{base}/pause", {}).get_data(as_text=True)
    assert 'data-job-status="paused"' in body and "Paused by marketer" in body
    queue.drain(app)
    assert sends == [] and job_of(app, job_id).status == PAUSED   # nothing goes on while paused
    body = hx_post(marketer, f"{base}/resume", {}).get_data(as_text=True)
    assert 'data-job-status="checking"' in body
    queue.drain(app)
    assert job_of(app, job_id).status == DONE and len(sum(sends, [])) == len(IDS)

    other = start_list(marketer, [f"cust-{n:04d}" for n in range(40, 46)])
    refused = hx_post(marketer, f"/audiences/{VIP}/jobs/{other}/cancel", {})
    assert refused.status_code == 400 and job_of(app, other).status == "checking"
    body = hx_post(marketer, f"/audiences/{VIP}/jobs/{other}/cancel", {"confirmed": "yes"}).get_data(as_text=True)
    assert 'data-job-status="cancelled"' in body and "6 not sent" in body
    queue.drain(app)
    assert len(sum(sends, [])) == len(IDS)          # the cancelled job sent nothing
    with app.app_context():
        statuses = set(db.session.scalars(sa.select(BulkRow.status).where(BulkRow.job_id == int(other))))
        assert statuses == {CANCELLED} and job_of(app, other).status == STOPPED
        from app.models import AuditEntry
        assert db.session.query(AuditEntry).filter_by(action="audience.members.add.cancel").count() == 1
        assert db.session.query(AuditEntry).filter_by(action="audience.members.add.pause").count() == 1


def test_the_owner_is_told_on_their_next_page_once(app, marketer, login_as, sends):
    job_id = start_list(marketer)
    queue.drain(app)
    admin = login_as("admin")
    assert "bulk-notice" not in admin.get("/").get_data(as_text=True)
    page = marketer.get("/").get_data(as_text=True)
    assert "bulk-notice" in page and f"Bulk job {job_id} (Add members: VIP) finished: 10 added" in page
    assert f'href="/audiences/{VIP}/jobs/{job_id}"' in page
    assert "bulk-notice" not in marketer.get("/").get_data(as_text=True)


@pytest.mark.slow   # tracemalloc makes staging ~10x slower
def test_a_large_csv_is_staged_with_memory_flat_as_it_grows(app, tmp_path):
    """The upload is read line by line and staged in batches; duplicates are found by the
    database. Peak Python memory for 120,000 rows is about that for 20,000."""
    def peak_for(rows: int) -> tuple[int, BulkJob]:
        path = tmp_path / f"list-{rows}.csv"
        with path.open("wb") as out:
            out.write(b"integrationId\n")
            for n in range(rows):
                out.write(b"big-%08d\n" % n)
            out.write(b"big-00000007\nnot valid!\n")   # a duplicate and an invalid ID
        with app.test_request_context(), path.open("rb") as stream:
            tracemalloc.start()
            job = jobs.stage("audience.remove", str(VIP), "VIP", "big.csv", "marketer",
                             read_upload(stream, max_bytes=60 * 1024 * 1024, max_rows=1_000_000,
                                         duplicates=False))
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            problems = {r.value: r.message for r in db.session.scalars(
                sa.select(BulkRow).where(BulkRow.job_id == job.id, BulkRow.status == INVALID))}
            assert problems["big-00000007"] == "duplicate of line 9"
            assert len(problems) == 2 and job.rows_read == rows + 2 and job.to_send == rows
        return peak

    small = peak_for(20_000)
    large = peak_for(120_000)
    assert large < small * 1.5 + 512 * 1024, (small, large)


def test_the_defaults_allow_a_million_rows_and_50_mb(app):
    from app.bulk.reader import limits

    with app.app_context():
        assert limits() == (50 * 1024 * 1024, 1_000_000)
    assert app.config["MAX_CONTENT_LENGTH"] > 50 * 1024 * 1024


def test_unknown_rows_are_never_listed_as_sent_twice_by_a_resend_choice(app):
    """(The stale rows of a stopped worker: claimed -> pending, sending -> unknown.)"""
    with app.test_request_context():
        job = jobs.stage("audience.remove", str(VIP), "VIP", "x", "marketer",
                         iter([IdRow(1, "a-1"), IdRow(2, "a-2")]))
        rows = db.session.scalars(sa.select(BulkRow).where(BulkRow.job_id == job.id).order_by(BulkRow.id)).all()
        old = utcnow() - jobs.STALE_CLAIM - timedelta(seconds=1)
        rows[0].status, rows[0].claimed_at = "claimed", old
        rows[1].status, rows[1].claimed_at = "sending", old
        db.session.commit()
        jobs._expire_stale_claims(job)
        db.session.refresh(rows[0])
        db.session.refresh(rows[1])
        db.session.refresh(job)
        assert (rows[0].status, rows[1].status, job.unknown) == ("pending", UNKNOWN, 1)
