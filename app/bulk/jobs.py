"""The bulk-job engine: a list of profile IDs applied to Talon.One in chunks, with per-row
outcomes.

Used by audiences (add or remove members) and coupons (reserve, remove reservations), each with
its Operations (operations.py). A job stages its rows in the app database (streamed from the
upload in batches; duplicates found by the database): in the request for a small list (stage),
in the worker for a large upload, which the request only keeps in blocks (spool, then
stage_upload). Then the queue's worker sends them one chunk per step (tasks.py), whether or not anyone has the page open; the page only shows the
progress. Rows are claimed before they are sent and marked sending while their request is under
way (claims.py), so no row is sent twice: a worker stopped mid-chunk leaves claimed rows (never
sent: they go back to pending once stale) or sending ones (they may have been: unknown). A chunk that Talon.One refuses as a whole (404/400: all or nothing) is
split until the refused rows are found; an unanswered chunk is marked "unknown" (it may have
happened) and the job pauses for a person to decide. Every chunk is audited (with the worker
that sent it), and the finished job once more with its totals.

An operation with a ``check`` (adding audience members) first looks up every ID, chunk by chunk
in the same way, because Talon.One would create the profiles it does not know instead of
refusing them; if some are unknown, the job waits for a person to choose to skip them or to let
Talon.One create them (``choose``).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Callable, Iterable

import sqlalchemy as sa

from ..audit_log import record
from ..extensions import db
from ..models import utcnow
from ..queue import worker_name
from ..talon.budget import as_bulk
from ..upload_limits import limits
from ..talon.errors import TalonBadRequest, TalonError, TalonNotFound, TalonOutcomeUnknown
from . import claims
from .claims import CLAIMED, PENDING
from .models import (CANCELLED, CHECKING, CHOOSING, CONTROLLABLE, DONE, FAILED, INVALID, OK, PAUSED, REFUSED, RUNNING,
                     SENDING, SKIPPED, STAGING, STOPPED, UNCHECKED, UNKNOWN, UNSEEN, BulkJob, BulkRow,
                     BulkUploadBlock)
from .reader import BulkInputError, IdRow, read_upload


STAGING_BATCH = 1000
# The worker's staging of an upload commits (and shows its progress, and refreshes the job's
# touched_at so that recovery leaves it alone) every this many rows.
STAGING_COMMIT_ROWS = 20_000
UPLOAD_BLOCK = 1024 * 1024   # bytes per BulkUploadBlock
# A claimed or sending row whose step never reported back (the worker stopped mid-chunk). A step
# refreshes its rows' claim before each request, so only a stopped one gets this old.
STALE_CLAIM = timedelta(minutes=5)
# Requests one step may spend finding the refused rows of a chunk; beyond it the job pauses
# (a whole chunk refused row by row means something else is wrong, such as a deleted audience).
SPLIT_BUDGET = 40


def stage(kind: str, target_id: str, target_label: str, source: str, actor: str | None,
          rows: Iterable[IdRow]) -> BulkJob:
    """Create the job and its rows in one transaction. A BulkInputError from the reader rolls
    it all back, so an unusable file leaves nothing behind. Raises BulkInputError when no
    row was read at all."""
    job = BulkJob(kind=kind, target_id=str(target_id), target_label=target_label[:255],
                  source=source[:255], actor=actor)
    try:
        db.session.add(job)
        db.session.flush()
        _stage_rows(job, rows)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    _staged(job)
    return job


def _stage_rows(job: BulkJob, rows: Iterable[IdRow], every: Callable[[], None] | None = None) -> None:
    """Insert the rows in batches, mark the duplicates and set the job's next state (not
    committed; ``every`` is called after each STAGING_COMMIT_ROWS rows). Raises BulkInputError
    when no row was read at all."""
    checks = job.operation.check is not None
    batch: list[dict] = []
    for row in rows:
        job.rows_read += 1
        if row.usable:
            batch.append({"job_id": job.id, "line": row.line, "value": row.value,
                          "status": UNCHECKED if checks else PENDING})
        else:
            job.rows_refused += 1
            batch.append({"job_id": job.id, "line": row.line, "value": row.value,
                          "status": INVALID, "message": row.problem})
        if len(batch) >= STAGING_BATCH:
            db.session.execute(sa.insert(BulkRow), batch)
            batch = []
            if every is not None and job.rows_read % STAGING_COMMIT_ROWS == 0:
                every()
    if batch:
        db.session.execute(sa.insert(BulkRow), batch)
    job.rows_refused += _mark_duplicates(job)
    if job.rows_read == 0:
        raise BulkInputError("There are no profile IDs in it (it is empty or has only "
                             "blank lines and a header).")
    job.status = CHECKING if checks else RUNNING
    if job.to_send == 0:
        job.status = DONE
        job.finished_at = utcnow()


def _staged(job: BulkJob) -> None:
    if job.status == DONE:  # every row was refused by the reader: nothing to send, but on record
        record(job.operation.audit_action, job.operation.target_type, job.target_id,
               summary=summary(job), outcome="failure")


def spool(kind: str, target_id: str, target_label: str, source: str, actor: str | None,
          stream: IO[bytes]) -> BulkJob:
    """A job for a large upload, staged later by the worker (stage_upload): the file goes into
    the app database as it is, UPLOAD_BLOCK bytes at a time (never whole in memory), where a
    worker on any machine reads it. The job is STAGING; committed."""
    job = BulkJob(kind=kind, target_id=str(target_id), target_label=target_label[:255],
                  source=source[:255], actor=actor, status=STAGING, touched_at=utcnow())
    try:
        db.session.add(job)
        db.session.flush()
        seq = 0
        while block := stream.read(UPLOAD_BLOCK):
            db.session.execute(sa.insert(BulkUploadBlock), [{"job_id": job.id, "seq": seq, "data": block}])
            seq += 1
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return job


class _Blocks(io.RawIOBase):
    """The spooled upload of a job read back block by block (a file for read_upload)."""

    def __init__(self, job_id: int) -> None:
        self.job_id, self.seq, self.left = job_id, 0, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self.left:
            self.left = db.session.scalar(sa.select(BulkUploadBlock.data).where(
                BulkUploadBlock.job_id == self.job_id, BulkUploadBlock.seq == self.seq)) or b""
            self.seq += 1
        n = min(len(buffer), len(self.left))
        buffer[:n], self.left = self.left[:n], self.left[n:]
        return n


class _Superseded(Exception):
    """Another chain took the job over while this one staged it (app.bulk.tasks)."""


def stage_upload(job: BulkJob) -> None:
    """The worker's part of a large upload: read the spooled file into rows, as stage() does in
    the request for small ones, committing every STAGING_COMMIT_ROWS rows (the page shows how
    many were read; the database is never locked for the whole file). A worker stopped midway
    leaves some rows: the next attempt deletes them and reads the file again, so each line is
    staged once. A file that cannot be used leaves the job REFUSED with the reason, no rows."""
    token = job.run_token
    db.session.execute(sa.delete(BulkRow).where(BulkRow.job_id == job.id))
    job.rows_read = job.rows_refused = 0

    def progress() -> None:
        # only the chain that holds the job goes on (a recovered job has a new token)
        if db.session.execute(sa.update(BulkJob).where(
                BulkJob.id == job.id, BulkJob.run_token == token, BulkJob.status == STAGING)
                .values(rows_read=job.rows_read, rows_refused=job.rows_refused, touched_at=utcnow())
                .execution_options(synchronize_session=False)).rowcount != 1:
            raise _Superseded
        db.session.commit()

    max_bytes, max_rows = limits()
    try:
        _stage_rows(job, read_upload(io.BufferedReader(_Blocks(job.id), UPLOAD_BLOCK), max_bytes=max_bytes,
                                     max_rows=max_rows, duplicates=False), every=progress)
    except _Superseded:
        db.session.rollback()
        return
    except BulkInputError as exc:
        db.session.rollback()
        db.session.execute(sa.delete(BulkRow).where(BulkRow.job_id == job.id))
        job = db.session.get(BulkJob, job.id)
        job.status, job.pause_reason = REFUSED, str(exc)[:500]
        job.rows_read = job.rows_refused = 0
        job.finished_at, job.notice_pending = utcnow(), True
    db.session.execute(sa.delete(BulkUploadBlock).where(BulkUploadBlock.job_id == job.id))
    job.touched_at = utcnow()
    db.session.commit()
    _staged(job)


def _mark_duplicates(job: BulkJob) -> int:
    """Every usable row whose ID an earlier row of the job has: refused as a duplicate of that
    line. Found by the database (index job_id, value), so the reader holds no set of the IDs
    of a million-row list."""
    earlier = sa.orm.aliased(BulkRow)
    first_line = (sa.select(sa.func.min(earlier.line)).where(
        earlier.job_id == BulkRow.job_id, earlier.value == BulkRow.value, earlier.id < BulkRow.id)
        .scalar_subquery())
    has_earlier = sa.exists().where(earlier.job_id == BulkRow.job_id, earlier.value == BulkRow.value,
                                    earlier.id < BulkRow.id)
    return db.session.execute(
        sa.update(BulkRow).where(BulkRow.job_id == job.id, BulkRow.status.in_((PENDING, UNCHECKED)),
                                 has_earlier)
        .values(status=INVALID, message=sa.literal("duplicate of line ") + sa.cast(first_line, sa.String))
        .execution_options(synchronize_session=False)).rowcount


def _expire_stale_claims(job: BulkJob) -> None:
    """Rows of a step that never finished (its worker stopped). Claimed ones were never sent:
    they go back to pending and are sent once. Sending ones may have reached Talon.One:
    unknown, never sent again unless a person says so."""
    parent = BulkRow.job_id == job.id
    claims.expire_stale(BulkRow, parent & (BulkRow.status == CLAIMED), older_than=STALE_CLAIM,
                        status=PENDING)
    expired = db.session.execute(
        sa.update(BulkRow).where(parent, BulkRow.status == SENDING,
                                 BulkRow.claimed_at < utcnow() - STALE_CLAIM)
        .values(status=UNKNOWN, claim=None,
                message="The worker stopped while sending this row: it may have happened. "
                        "Re-check before sending it again.")
        .execution_options(synchronize_session=False)).rowcount
    if expired:
        _add(job, unknown=expired)
    db.session.commit()


def _add(job: BulkJob, **counts: int) -> None:
    """Add to the job's counters in one UPDATE (two steps at once lose nothing)."""
    counts = {name: value for name, value in counts.items() if value}
    if counts:
        db.session.execute(sa.update(BulkJob).where(BulkJob.id == job.id).values(
            **{name: getattr(BulkJob, name) + value for name, value in counts.items()})
            .execution_options(synchronize_session=False))


def _refused_index(error) -> int | None:
    """The row a 400/404 names by JSON pointer (/data/3/profileIntegrationId), if any."""
    for field in getattr(error, "field_errors", ()):
        match = re.match(r"^/(?:data|integrationIDs)/(\d+)", field.pointer or "")
        if match:
            return int(match.group(1))
    return None


@dataclass
class StepReport:
    rows: int = 0
    ok: int = 0
    failed: int = 0
    unknown: int = 0
    requests: int = 0
    upstream_status: int | None = None
    pause: str | None = None


def _deliver(job: BulkJob, rows: list[BulkRow]) -> StepReport:
    """Send the claimed rows; find the refused ones of an all-or-nothing refusal by the pointer
    Talon.One gives, else by splitting the chunk in halves."""
    operation = job.operation
    report = StepReport(rows=len(rows))
    queue: list[list[BulkRow]] = [rows]
    while queue:
        batch = queue.pop(0)
        if report.requests >= SPLIT_BUDGET:
            _release(batch + [r for b in queue for r in b])
            report.pause = ("Talon.One refused many rows one by one; the job is paused. Check "
                            f"that the {operation.target_type} still exists, then resume.")
            break
        report.requests += 1
        claims.settle(batch, SENDING, claimed_at=utcnow())
        db.session.commit()   # from here on, a stopped worker leaves these rows unknown
        try:
            operation.send(job.target_id, [r.value for r in batch])
        except (TalonNotFound, TalonBadRequest) as exc:
            report.upstream_status = exc.status
            index = _refused_index(exc)
            if len(batch) == 1 or (index is not None and index < len(batch)):
                refused = batch[0] if len(batch) == 1 else batch[index]
                _settle([refused], FAILED, _error_text(exc))
                report.failed += 1
                rest = [r for r in batch if r is not refused]
                if rest:
                    queue.insert(0, rest)
            else:
                half = len(batch) // 2
                queue[0:0] = [batch[:half], batch[half:]]
            continue
        except TalonOutcomeUnknown as exc:
            report.upstream_status = exc.status
            _settle(batch, UNKNOWN, "No answer from Talon.One: this may have happened. "
                                    "Re-check before sending it again.")
            report.unknown += len(batch)
            _release([r for b in queue for r in b])
            report.pause = f"{exc.message} The job is paused."
            break
        except TalonError as exc:  # 429, 5xx, 401, 409, circuit open: nothing was applied
            report.upstream_status = exc.status
            _release(batch + [r for b in queue for r in b])
            wait = f" Wait {exc.retry_after:.0f} s, then resume." if exc.retry_after else ""
            report.pause = f"{exc.headline}: {exc.message}.{wait} Nothing of this chunk was applied."
            break
        report.upstream_status = 200
        _settle(batch, OK, None)
        report.ok += len(batch)
    return report


def _error_text(error) -> str:
    # The details alone: the row is named by its line already, and a JSON pointer such as
    # /data/10/profileIntegrationId means nothing to staff.
    details = "; ".join(f.details for f in getattr(error, "field_errors", ()) if f.details)
    text = error.message if not details or details in error.message else f"{error.message} ({details})"
    status = f" (HTTP {error.status})" if error.status else ""
    return (text + status)[:500]


def _settle(rows: list[BulkRow], status: str, message: str | None) -> None:
    claims.settle(rows, status, message=message)


def _release(rows: list[BulkRow]) -> None:
    claims.settle(rows, PENDING)


def _count(job: BulkJob, status: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(BulkRow).where(
        BulkRow.job_id == job.id, BulkRow.status == status))


def _check_step(job: BulkJob) -> None:
    """Look up the next unchecked IDs; when all are checked, choose or run. A failed look-up
    pauses the job (nothing was sent); resuming checks again. A read: two tabs checking the
    same rows at once only read twice."""
    rows = list(db.session.scalars(sa.select(BulkRow).where(
        BulkRow.job_id == job.id, BulkRow.status == UNCHECKED)
        .order_by(BulkRow.id).limit(job.operation.check_size)))
    if rows:
        try:
            unknown = job.operation.check([r.value for r in rows])
        except TalonError as exc:
            job.status, job.pause_reason = PAUSED, (f"Checking the profile IDs failed: {exc.message}. "
                                                    "Nothing was sent; resume to check again.")[:500]
            job.notice_pending = True
            job.last_upstream_status = exc.status
            db.session.commit()
            return
        for row in rows:
            if row.value in unknown:
                row.status, row.message = UNSEEN, "Talon.One has no customer profile with this ID"
            else:
                row.status = PENDING
        job.requests += len(rows)
    if not _any(job, UNCHECKED):
        job.status = CHOOSING if _any(job, UNSEEN) else RUNNING
        job.notice_pending = job.status == CHOOSING   # the owner must choose
    job.touched_at = utcnow()
    db.session.commit()


def choose(job: BulkJob, *, create: bool) -> None:
    """The person's answer for the unseen IDs: send them too (Talon.One creates the profiles), or
    skip them. Audited with the count."""
    if job.status != CHOOSING:
        return
    job.notice_pending = False
    unseen = db.session.execute(
        sa.update(BulkRow).where(BulkRow.job_id == job.id, BulkRow.status == UNSEEN)
        .values(status=PENDING if create else SKIPPED,
                message=None if create else "Skipped: Talon.One has no customer profile with this ID")
        .execution_options(synchronize_session=False)).rowcount
    if not create:
        job.rows_refused += unseen
    job.status = RUNNING
    db.session.commit()
    record(f"{job.operation.audit_action}.unknown_profiles", job.operation.target_type, job.target_id,
           summary={"job": job.id, "unknown_profiles": unseen, "choice": "create" if create else "skip"})
    if not _has_pending(job):
        _finish(job)


@as_bulk  # paces itself within the Management API budget, after pages
def step(job: BulkJob) -> StepReport | None:
    """Send the next chunk of a running job and audit it; None when nothing was left to send
    (the job is then finished, and its summary audited once). A checking job checks instead."""
    if job.status == STAGING:
        stage_upload(job)
        return None
    if job.status == CHECKING:
        _check_step(job)
        return None
    if job.status != RUNNING:
        return None
    _expire_stale_claims(job)
    rows = claims.claim_next(BulkRow, BulkRow.job_id == job.id, limit=job.operation.chunk_size,
                             order_by=(BulkRow.id,))
    if not rows:
        if not _in_flight(job):
            _finish(job)
        return None   # else: another step's rows are under way (or a stopped one's, until stale)
    report = _deliver(job, rows)
    _add(job, succeeded=report.ok, failed=report.failed, unknown=report.unknown,
         requests=report.requests)
    changes = {"last_upstream_status": report.upstream_status, "touched_at": utcnow()}
    if report.pause:
        changes.update(status=PAUSED, pause_reason=report.pause[:500], notice_pending=True)
    # a pause or cancel a person made meanwhile stands: only a running job is paused here
    db.session.execute(sa.update(BulkJob).where(BulkJob.id == job.id, BulkJob.status == RUNNING)
                       .values(**changes).execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(job)
    failed = bool(report.pause) or (report.failed > 0 and report.ok == 0)
    outcome = "unknown" if report.unknown else ("failure" if failed else "success")
    record(f"{job.operation.audit_action}.chunk", job.operation.target_type, job.target_id,
           summary={"job": job.id, "rows": report.rows, job.operation.done_word: report.ok,
                    "failed": report.failed, "unknown": report.unknown,
                    "requests": report.requests, "paused": report.pause,
                    # which process sent it (host:pid, a worker's heartbeat name): with several
                    # workers, the audit shows how a job's chunks were shared
                    "worker": worker_name()},
           outcome=outcome, upstream_status=report.upstream_status)
    if job.status == RUNNING and not _has_pending(job):
        _finish(job)
    return report


def _any(job: BulkJob, *statuses: str) -> bool:
    """Whether some row of the job has one of ``statuses``: the first one found, not a count
    (every step asks, and counting the 900,000 rows still pending of a million-row job made each
    step slower as the job grew)."""
    return db.session.scalar(sa.select(BulkRow.id).where(
        BulkRow.job_id == job.id, BulkRow.status.in_(statuses)).limit(1)) is not None


def _has_pending(job: BulkJob) -> bool:
    return _any(job, PENDING, CLAIMED, SENDING)


def _in_flight(job: BulkJob) -> bool:
    return _any(job, CLAIMED, SENDING)


def _finish(job: BulkJob) -> None:
    """Mark the job done and audit its totals, once even if two tabs finish it together."""
    finished = claims.finish_once(BulkJob, job.id, BulkJob.status == RUNNING, status=DONE,
                                  finished_at=utcnow(), notice_pending=True)
    db.session.refresh(job)
    if not finished:
        return
    outcome = "unknown" if job.unknown else ("failure" if job.failed and not job.succeeded
                                             else "success")
    record(job.operation.audit_action, job.operation.target_type, job.target_id,
           summary=summary(job), outcome=outcome, upstream_status=job.last_upstream_status)


def summary(job: BulkJob) -> dict:
    return {"job": job.id, "source": job.source, "rows": job.rows_read,
            "refused_before_sending": job.rows_refused, job.operation.done_word: job.succeeded,
            "failed": job.failed, "unknown": job.unknown, "requests": job.requests}


def resume(job: BulkJob, *, resend_unknown: bool = False) -> None:
    """Continue a paused job; with resend_unknown the rows whose outcome is unknown go again
    (safe for these operations: adding a member or a reservation twice changes nothing)."""
    if resend_unknown:
        job.unknown -= db.session.execute(
            sa.update(BulkRow).where(BulkRow.job_id == job.id, BulkRow.status == UNKNOWN)
            .values(status=PENDING, message=None)
            .execution_options(synchronize_session=False)).rowcount
    job.status, job.pause_reason = (CHECKING if _any(job, UNCHECKED) else RUNNING), None
    job.notice_pending = False
    db.session.commit()


def pause(job: BulkJob, actor: str | None) -> bool:
    """Stop a running (or checking) job after the chunk under way; resume() continues it.
    False when it was not running any more."""
    paused = db.session.execute(
        sa.update(BulkJob).where(BulkJob.id == job.id, BulkJob.status.in_(CONTROLLABLE))
        .values(status=PAUSED, pause_reason=f"Paused by {actor or '?'}. Nothing more is sent until "
                                             "it is resumed."[:500])
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    db.session.refresh(job)
    if paused:
        record(f"{job.operation.audit_action}.pause", job.operation.target_type, job.target_id,
               summary={"job": job.id, "by": actor})
    return paused


def cancel(job: BulkJob, actor: str | None) -> bool:
    """End an unfinished job: the rows not yet sent are never sent (listed as cancelled); a
    chunk under way finishes and counts. Audited with the totals. False when it had finished."""
    stopped = claims.finish_once(BulkJob, job.id, BulkJob.status.in_(CONTROLLABLE + (PAUSED, CHOOSING)),
                                 status=STOPPED, finished_at=utcnow(), pause_reason=None)
    if not stopped:
        db.session.refresh(job)
        return False
    left = db.session.execute(
        sa.update(BulkRow).where(BulkRow.job_id == job.id,
                                 BulkRow.status.in_((PENDING, UNCHECKED, UNSEEN)))
        .values(status=CANCELLED, message=f"Not sent: the job was cancelled by {actor or '?'}"[:500])
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    db.session.refresh(job)
    record(f"{job.operation.audit_action}.cancel", job.operation.target_type, job.target_id,
           summary={**summary(job), "by": actor, "not_sent": left})
    return True


def cancelled_count(job: BulkJob) -> int:
    return _count(job, CANCELLED)


def unseen_page(job: BulkJob, page: int = 1, per_page: int = 50):
    """The IDs the check did not find, for the person who chooses."""
    query = sa.select(BulkRow).where(BulkRow.job_id == job.id, BulkRow.status == UNSEEN)
    return db.paginate(query.order_by(BulkRow.line, BulkRow.id), page=page, per_page=per_page,
                       error_out=False)


def checked_count(job: BulkJob) -> int:
    return job.to_send - _count(job, UNCHECKED)


def row_page(job: BulkJob, *, problems_only: bool, page: int, per_page: int = 50):
    """A page of the job's rows, problems (refused, failed, unknown) first by line."""
    query = sa.select(BulkRow).where(BulkRow.job_id == job.id)
    if problems_only:
        query = query.where(BulkRow.status.in_((INVALID, FAILED, UNKNOWN, UNSEEN, SKIPPED)))
        # (cancelled rows are counted on the job, listed with all rows)
    return db.paginate(query.order_by(BulkRow.line, BulkRow.id), page=page, per_page=per_page,
                       error_out=False)
