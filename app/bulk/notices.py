"""The owner's notice: a job that finished, or that waits for its owner (paused by a fault, a
choice about unknown profiles), is named once on the owner's next full page (base.html calls
``bulk_notices()``, set as a Jinja global by pages.mount_job_pages). Seeing the finished job's
own page counts as told."""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from flask import url_for
from flask_login import current_user

from ..extensions import db
from .models import CHOOSING, DONE, PAUSED, REFUSED, STOPPED, BulkJob
from .operations import registered

MOST = 5  # notices on one page; the rest come on the next


def _text(job: BulkJob) -> tuple[str, str]:
    operation = job.operation
    head = f"Bulk job {job.id} ({operation.title}: {job.target_label})"
    if job.status == DONE:
        parts = [f"{job.succeeded} {operation.done_word}"]
        if job.failed:
            parts.append(f"{job.failed} refused by Talon.One")
        if job.unknown:
            parts.append(f"{job.unknown} may have happened")
        if job.rows_refused:
            parts.append(f"{job.rows_refused} not sent")
        return f"{head} finished: {', '.join(parts)}.", "success" if not (job.failed or job.unknown) else "warning"
    if job.status == STOPPED:
        return f"{head} was cancelled: {job.succeeded} {operation.done_word} before it stopped.", "warning"
    if job.status == REFUSED:
        return f"{head}: the list could not be used. {job.pause_reason or ''}", "error"
    if job.status == CHOOSING:
        return f"{head} waits for you: Talon.One does not know some of its profile IDs.", "warning"
    return f"{head} is paused: {job.pause_reason or ''}", "warning"


#: set on the user by the login query (app/auth/accounts): whether any notice waits for them
WAITING_ATTR = "_desk_bulk_notices_waiting"


def _waiting(actor) -> sa.ColumnElement[bool]:
    return sa.and_(BulkJob.notice_pending.is_(True), BulkJob.actor == actor,
                   BulkJob.status.in_((DONE, STOPPED, PAUSED, CHOOSING, REFUSED)))


def waiting_for(actor) -> sa.Exists:
    """Whether a notice waits for ``actor`` (a username column): the login query, which runs on
    every request anyway, reads it with the user, so a page with no notice asks nothing more
    (issue 19: the notice query was 0.2-0.8 ms of every full page, and almost never finds one)."""
    return sa.exists().where(_waiting(actor))


@lru_cache(maxsize=1)
def _pending_query() -> sa.Select:
    """pending's statement, built once (the user is a bound parameter). Building a new statement
    each time (and SQLAlchemy's cache key for it) cost more than running it (issue 19)."""
    return (sa.select(BulkJob).where(_waiting(sa.bindparam("actor"))).order_by(BulkJob.id).limit(MOST))


def pending() -> list[dict]:
    """The current user's notices (text, level, url), marked as told."""
    if not getattr(current_user, "is_authenticated", False):
        return []
    if getattr(current_user, WAITING_ATTR, None) is False:
        return []  # the login query found none waiting
    jobs = list(db.session.scalars(_pending_query(), {"actor": current_user.username}))
    notices = []
    for job in jobs:
        text, level = _text(job)
        pages = registered(job.kind).pages
        url = url_for(f"{pages.blueprint}.job_show", **{pages.target_arg: job.target_id, "job_id": job.id})
        notices.append({"text": text, "level": level, "url": url})
        job.notice_pending = False
    if jobs:
        db.session.commit()
    return notices
