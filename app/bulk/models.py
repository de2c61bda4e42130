"""The app-database tables of bulk jobs: a job and its staged rows (jobs.py runs them)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import utcnow
from .operations import Operation, operation_of
from .reader import ROW_VALUE_LENGTH

# Row states
# (before these, a row is pending, then claimed: claims.py; then sending while its request is
# under way: a claimed row of a stopped worker was never sent, a sending one may have been)
SENDING = "sending"
OK, FAILED, UNKNOWN = "ok", "failed", "unknown"
CANCELLED = "cancelled"  # left unsent when the job was cancelled
INVALID = "invalid"  # refused by the reader (bad ID or duplicate); never sent
UNCHECKED = "unchecked"  # waiting for the check of an operation that checks before sending
UNSEEN = "unseen"        # the check found no such profile in Talon.One: waits for a person
SKIPPED = "skipped"      # an unseen profile the person chose not to send
# Job states: an operation with a check runs CHECKING, then CHOOSING if it found unseen IDs
RUNNING, PAUSED, DONE, CHECKING, CHOOSING = "running", "paused", "done", "checking", "choosing"
STOPPED = "cancelled"  # a job cancelled by a person: finished, the rest never sent
# A large upload is kept as it came (BulkUploadBlock) and read into rows by the worker: STAGING
# until then; REFUSED (finished, nothing sent) when the file as a whole cannot be used.
STAGING, REFUSED = "staging", "refused"
ACTIVE = (RUNNING, CHECKING, STAGING)  # the states the worker advances
CONTROLLABLE = (RUNNING, CHECKING)     # ...and those a person may pause


class BulkJob(db.Model):
    """One bulk change (add members, reserve a coupon...) and its running counts."""

    __tablename__ = "bulk_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[str] = mapped_column(sa.String(255), index=True)
    target_label: Mapped[str] = mapped_column(sa.String(255))
    source: Mapped[str] = mapped_column(sa.String(255))
    actor: Mapped[str | None] = mapped_column(sa.String(80))
    status: Mapped[str] = mapped_column(sa.String(20), default=RUNNING)
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_refused: Mapped[int] = mapped_column(default=0)
    succeeded: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    unknown: Mapped[int] = mapped_column(default=0)
    requests: Mapped[int] = mapped_column(default=0)
    pause_reason: Mapped[str | None] = mapped_column(sa.String(500))
    last_upstream_status: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # The worker's chain of steps (app/bulk/tasks.py): the token of the chain that may go on
    # (a resume starts a new one and the old one stops), and when a step last ran.
    run_token: Mapped[str | None] = mapped_column(sa.String(32))
    touched_at: Mapped[datetime | None]
    # The owner is told on their next page that the job finished or needs them (notices.py).
    notice_pending: Mapped[bool] = mapped_column(default=False, index=True)

    @property
    def to_send(self) -> int:
        return self.rows_read - self.rows_refused

    @property
    def processed(self) -> int:
        return self.succeeded + self.failed + self.unknown

    @property
    def percent(self) -> int:
        return 100 if not self.to_send else round(100 * self.processed / self.to_send)

    @property
    def operation(self) -> Operation:
        return operation_of(self.kind)


class BulkRow(db.Model):
    __tablename__ = "bulk_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("bulk_jobs.id", ondelete="CASCADE"))
    line: Mapped[int]
    value: Mapped[str] = mapped_column(sa.String(ROW_VALUE_LENGTH))
    status: Mapped[str] = mapped_column(sa.String(20))
    message: Mapped[str | None] = mapped_column(sa.String(500))
    claim: Mapped[str | None] = mapped_column(sa.String(32))
    claimed_at: Mapped[datetime | None]

    __table_args__ = (sa.Index("ix_bulk_rows_job_status", "job_id", "status", "id"),
                      # duplicates are found in the database (jobs.stage), not in memory
                      sa.Index("ix_bulk_rows_job_value", "job_id", "value"))


class BulkUploadBlock(db.Model):
    """An uploaded file kept in the app database in blocks (jobs.spool), until the worker has
    read it into rows (jobs.stage_upload): the worker may run on another machine, so the file
    cannot wait on the web machine's disk; and block by block, neither side holds it whole."""

    __tablename__ = "bulk_upload_blocks"

    job_id: Mapped[int] = mapped_column(sa.ForeignKey("bulk_jobs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
