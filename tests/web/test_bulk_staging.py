"""Large uploads are staged by the queue's worker, not in the request (issue 18): the request
keeps the file in the app database in blocks and answers at once with "checking the list"; the
worker reads it into rows (validated as in the request: invalid and duplicate rows listed), a
file that cannot be used is refused on the job page, and a worker stopped midway leaves each line
staged once. Small lists are still staged in the request (tests/web/test_audiences.py).

The worker runs in the test's thread (queue.drain or one step): no test waits in real time."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import sqlalchemy as sa

from app.bulk import jobs, tasks
from app.bulk.models import REFUSED, RUNNING, STAGING, BulkJob, BulkRow, BulkUploadBlock
from app.extensions import db
from app.models import utcnow
from app.queue import queue
from tests.web.test_bulk_helpers import hx_post, marketer  # noqa: F401  (marketer: fixture)

VIP = 1


class WorkerKilled(Exception):
    """Stands for the worker process dying at this point."""


def upload(client, data: bytes, action: str = "remove"):
    return hx_post(client, f"/audiences/{VIP}/members/change",
                   {"members-action": action, "members-upload": (io.BytesIO(data), "list.csv")})


def counts(app, job_id: int) -> tuple[int, int]:
    """(rows staged, blocks of the file still kept)."""
    with app.app_context():
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(BulkRow).where(BulkRow.job_id == job_id))
        blocks = db.session.scalar(sa.select(sa.func.count()).select_from(BulkUploadBlock)
                                   .where(BulkUploadBlock.job_id == job_id))
        return rows, blocks


def run_one_step(app, job_id: int) -> BulkJob:
    with app.app_context():
        job = db.session.get(BulkJob, job_id)
        jobs.step(job)
        db.session.refresh(job)
        db.session.expunge(job)
        return job


def test_a_large_upload_is_staged_by_the_worker_not_in_the_request(app, marketer):
    ids = b"".join(b"up-%07d\n" % n for n in range(120_000))   # 1.3 MB: above BULK_INLINE_BYTES
    response = upload(marketer, ids + b"up-0000001\nnot valid!\n")
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:500]
    job_id = int(re.search(r'id="bulk-job-(\d+)"', body).group(1))
    # the page answers at once: the file is kept, not read yet, and the page polls
    assert 'data-job-status="staging"' in body and "Checking the list: 0 rows read" in body
    assert 'hx-trigger="every 1s"' in body and 'data-action="pause"' not in body
    assert counts(app, job_id) == (0, 2)     # 1 MiB blocks

    job = run_one_step(app, job_id)          # the worker's first step reads the whole file
    assert (job.status, job.rows_read, job.to_send) == (RUNNING, 120_002, 120_000)
    assert counts(app, job_id) == (120_002, 0)   # the blocks are gone once read
    body = marketer.get(f"/audiences/{VIP}/jobs/{job_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "duplicate of line 2" in body and 'data-job-status="running"' in body
    queue.flush(app)


def test_a_large_file_that_cannot_be_used_is_refused_on_the_job_page_and_its_owner_told(app, marketer, monkeypatch):
    monkeypatch.setitem(app.config, "BULK_INLINE_BYTES", 10)
    body = upload(marketer, "profile_id\ncust-0001\n".encode("utf-16")).get_data(as_text=True)
    job_id = int(re.search(r'id="bulk-job-(\d+)"', body).group(1))
    assert 'data-job-status="staging"' in body
    queue.drain(app)
    with app.app_context():
        job = db.session.get(BulkJob, job_id)
        assert job.status == REFUSED and "UTF-16" in job.pause_reason and job.finished_at
    assert counts(app, job_id) == (0, 0)
    body = marketer.get(f"/audiences/{VIP}/jobs/{job_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-job-status="refused"' in body and "The list could not be used" in body
    assert "hx-trigger" not in body          # finished: the page stops polling
    page = marketer.get("/").get_data(as_text=True)
    assert f"Bulk job {job_id} (Remove members: VIP): the list could not be used" in page


def test_a_file_over_the_size_limit_is_refused_next_to_the_field_before_it_is_kept(app, marketer, monkeypatch):
    monkeypatch.setitem(app.config, "BULK_INLINE_BYTES", 10)
    monkeypatch.setitem(app.config, "BULK_MAX_BYTES", 1000)
    response = upload(marketer, b"x-1\n" * 400)
    assert response.status_code == 422
    assert "larger than 0.976562 KB" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BulkJob)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BulkUploadBlock)) == 0


def test_a_worker_stopped_while_staging_leaves_each_line_staged_once(app, marketer, monkeypatch):
    monkeypatch.setitem(app.config, "BULK_INLINE_BYTES", 10)
    monkeypatch.setattr(jobs, "STAGING_COMMIT_ROWS", 1000)
    data = b"".join(b"st-%05d\n" % n for n in range(3500)) + b"st-00007\n"
    body = upload(marketer, data).get_data(as_text=True)
    job_id = int(re.search(r'id="bulk-job-(\d+)"', body).group(1))
    mark_duplicates = jobs._mark_duplicates

    def dies_at_the_end(job):
        raise WorkerKilled   # 3,000 rows are committed (with the progress), the rest is lost

    monkeypatch.setattr(jobs, "_mark_duplicates", dies_at_the_end)
    try:
        run_one_step(app, job_id)
    except WorkerKilled:
        pass
    assert counts(app, job_id) == (3000, 1)
    body = marketer.get(f"/audiences/{VIP}/jobs/{job_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Checking the list: 3000 rows read" in body    # the progress the page showed
    with app.app_context():
        job = db.session.get(BulkJob, job_id)
        assert job.status == STAGING
        job.touched_at = utcnow() - tasks.STALLED - timedelta(seconds=1)   # time passes
        db.session.commit()
    monkeypatch.setattr(jobs, "_mark_duplicates", mark_duplicates)
    queue.flush(app)
    with app.app_context():
        assert tasks.recover() == 1      # a fresh worker picks it up
    job = run_one_step(app, job_id)
    assert job.status == RUNNING and job.rows_read == 3501 and job.to_send == 3500
    with app.app_context():
        lines = db.session.execute(sa.select(BulkRow.line, sa.func.count()).where(BulkRow.job_id == job_id)
                                   .group_by(BulkRow.line)).all()
    assert len(lines) == 3501 and {n for _, n in lines} == {1}   # each line once
    assert counts(app, job_id) == (3501, 0)
    queue.flush(app)
