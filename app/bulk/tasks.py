"""Bulk jobs in the queue's worker: each step is a task that queues the next, so a job goes on
with no page open, and several workers (several instances) share a job's chunks, one task at a
time, in turn with other jobs.

    start(job)      a new chain for a running or checking job (the start, resume and choice
                    pages call it); the token on the job names the chain that may go on, so a
                    resume never leaves two chains going
    advance(...)    the task: one step (jobs.step), then the next task while the job runs
    recover()       every minute and when a worker starts: a running job whose last step is
                    older than STALLED lost its chain (its worker stopped); it gets a new one,
                    and its stale claims are handled by jobs.step (never sent twice)
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import utcnow
from ..queue import crontab, queue
from .jobs import step
from .models import ACTIVE, BulkJob

STALLED = timedelta(minutes=2)
# While another step's rows are in flight (or a stopped worker's claims have not gone stale
# yet) there is nothing to claim: look again this much later.
WAIT_SECONDS = 5


def start(job: BulkJob) -> None:
    """Queue the job's steps in the worker under a new token (committed)."""
    token = uuid.uuid4().hex
    job.run_token, job.touched_at = token, utcnow()
    db.session.commit()
    advance.enqueue(job.id, token)


@queue.task(name="bulk.advance")
def advance(job_id: int, token: str) -> None:
    job = db.session.get(BulkJob, job_id)
    if job is None or job.run_token != token or job.status not in ACTIVE:
        return   # finished, paused, cancelled, or a newer chain has it
    before = (job.processed, job.status)
    job.touched_at = utcnow()
    db.session.commit()
    step(job)
    db.session.refresh(job)
    if job.status in ACTIVE and job.run_token == token:
        moved = (job.processed, job.status) != before or job.status == "checking"
        advance.enqueue(job_id, token, delay=None if moved else WAIT_SECONDS)


@queue.periodic(crontab(minute="*"), name="bulk.recover")
def recover_periodically() -> None:
    recover()


@queue.on_worker_start
def recover() -> int:
    """New chains for the running jobs that lost theirs; how many."""
    stalled = list(db.session.scalars(sa.select(BulkJob).where(
        BulkJob.status.in_(ACTIVE),
        sa.or_(BulkJob.touched_at.is_(None), BulkJob.touched_at < utcnow() - STALLED))))
    for job in stalled:
        start(job)
    return len(stalled)
