"""Work done one step at a time by whichever request (or worker) comes next, never twice.

A table of work rows has a ``status`` (pending, claimed, then whatever the step makes of it), a
``claim`` token and ``claimed_at``. A step claims the next pending rows in one UPDATE under a
fresh token and reads back only the rows carrying it, so two tabs (or two console instances)
stepping the same run get different rows, or none. A row whose claimer died mid-step (the
process was stopped) is stale after a while; the caller decides what it became. A run is
finished by an UPDATE guarded by "not finished yet", so only one of two finishers goes on to
audit it.

Used by bulk jobs (app.bulk.jobs: rows of profile IDs) and by the test bench's suite runs
(app.campaigns.runs: one saved case per step).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, Sequence

import sqlalchemy as sa

from ..extensions import db
from ..models import utcnow

PENDING, CLAIMED = "pending", "claimed"


def claim_next(rows: Any, parent: sa.ColumnElement, *, limit: int,
               order_by: Sequence[sa.ColumnElement]) -> list:
    """Claim up to ``limit`` pending rows of the ``rows`` model that match ``parent`` (such as
    ``BulkRow.job_id == 7``), in ``order_by`` order; committed, and returned in that order."""
    token = uuid.uuid4().hex
    next_ids = (sa.select(rows.id).where(parent, rows.status == PENDING)
                .order_by(*order_by).limit(limit))
    db.session.execute(
        sa.update(rows).where(rows.id.in_(next_ids.scalar_subquery()), rows.status == PENDING)
        .values(status=CLAIMED, claim=token, claimed_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()
    return list(db.session.scalars(
        sa.select(rows).where(parent, rows.claim == token).order_by(*order_by)))


def expire_stale(rows: Any, parent: sa.ColumnElement, *, older_than: timedelta,
                 **outcome: Any) -> int:
    """Give the rows claimed longer than ``older_than`` ago ``outcome`` (their status and
    message); the number of rows. Not committed: the caller counts them first."""
    return db.session.execute(
        sa.update(rows).where(parent, rows.status == CLAIMED,
                              rows.claimed_at < utcnow() - older_than)
        .values(claim=None, **outcome)
        .execution_options(synchronize_session=False)).rowcount


def settle(claimed: Sequence[Any], status: str, **fields: Any) -> None:
    """The outcome of claimed rows (committed with the caller's next commit)."""
    for row in claimed:
        row.status, row.claim = status, None
        for name, value in fields.items():
            setattr(row, name, value)


def finish_once(model: Any, row_id: int, unfinished: sa.ColumnElement, **finished: Any) -> bool:
    """Set ``finished`` on the run ``row_id`` while it is ``unfinished``; True for the one
    caller that did it (the one that goes on to audit the run)."""
    done = db.session.execute(
        sa.update(model).where(model.id == row_id, unfinished).values(**finished)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return done.rowcount == 1
