"""Apply a change at most once per form, whatever the browser does.

Each return, reopen and cancel form carries a key generated when the form was rendered. The key
is claimed in the foundation's IdempotencyRecord table (unique per scope and key) before
anything is sent, so a double click, a refresh, a retry after a timeout or a second console
instance sharing the database all see the same record:

    pending  someone is sending it now: wait for them, then show their result
    done     it happened: show the stored result, send nothing
    unknown  the answer never arrived: the next try may take the record over and re-send
             (returns carry the key to Talon.One, which answers a repeated key with the
             stored result; reopen and cancel re-read the session first)

A change that definitely failed releases its record, so the agent can correct and resend.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import IdempotencyRecord, utcnow

PENDING, UNKNOWN, DONE = "pending", "unknown", "done"
# A pending record older than this belongs to a request that died (worker killed mid-call).
STALE_AFTER = timedelta(minutes=2)
POLL_SECONDS = 0.2

CLAIMED, IN_PROGRESS, COMPLETED, CONFLICT = "claimed", "in_progress", "completed", "conflict"


def fingerprint(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def scope_for(kind: str, session_id: str) -> str:
    return f"session-{kind}:{session_id}"[:255]


@dataclass
class Claim:
    outcome: str  # CLAIMED, IN_PROGRESS, COMPLETED or CONFLICT
    record: IdempotencyRecord | None = None
    #: the claim took over a record whose earlier try got no answer
    after_unknown: bool = False


def status_of(record: IdempotencyRecord | None) -> str | None:
    if record is None:
        return None
    return (record.response or {}).get("status")


def peek(scope: str, key: str) -> IdempotencyRecord | None:
    db.session.expire_all()  # another request (or instance) may have written it meanwhile
    return db.session.scalar(sa.select(IdempotencyRecord).filter_by(scope=scope, key=key))


def _add_pending(scope: str, key: str, request_hash: str) -> IdempotencyRecord | None:
    """Insert (and commit) a pending record; None when another request holds the key."""
    record = IdempotencyRecord(scope=scope, key=key, request_hash=request_hash,
                               response={"status": PENDING}, created_at=utcnow())
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return record


def _take_over(record: IdempotencyRecord, request_hash: str) -> IdempotencyRecord | None:
    """Replace an unknown (or stale) record by a fresh pending one, in one transaction; only one
    request can delete the old row, so only one wins."""
    removed = db.session.execute(
        sa.delete(IdempotencyRecord).where(IdempotencyRecord.id == record.id)
        .where(IdempotencyRecord.created_at == record.created_at)
    ).rowcount
    if removed != 1:
        db.session.rollback()
        return None
    return _add_pending(record.scope, record.key, request_hash)


def claim(scope: str, key: str, request_hash: str) -> Claim:
    record = peek(scope, key)
    if record is None:
        mine = _add_pending(scope, key, request_hash)
        if mine is not None:
            return Claim(CLAIMED, mine)
        record = peek(scope, key)  # lost the race to a concurrent request
        if record is None:
            return Claim(IN_PROGRESS)
    if record.request_hash != request_hash:
        return Claim(CONFLICT, record)
    status = status_of(record)
    if status == DONE:
        return Claim(COMPLETED, record)
    stale = status == PENDING and utcnow() - record.created_at > STALE_AFTER
    if status == UNKNOWN or stale:
        mine = _take_over(record, request_hash)
        if mine is not None:
            return Claim(CLAIMED, mine, after_unknown=True)
        return Claim(IN_PROGRESS, peek(scope, key))
    return Claim(IN_PROGRESS, record)


def _set(record: IdempotencyRecord, response: dict[str, Any]) -> None:
    record.response = response
    db.session.add(record)
    db.session.commit()


def complete(record: IdempotencyRecord, result: dict[str, Any]) -> None:
    _set(record, {**result, "status": DONE, "completed_at": utcnow().isoformat() + "Z"})


def mark_unknown(record: IdempotencyRecord, details: dict[str, Any]) -> None:
    _set(record, {**details, "status": UNKNOWN})


def release(record: IdempotencyRecord) -> None:
    """Forget a claim whose change definitely did not happen."""
    db.session.execute(sa.delete(IdempotencyRecord).where(IdempotencyRecord.id == record.id))
    db.session.commit()


def wait_for(scope: str, key: str, seconds: float) -> IdempotencyRecord | None:
    """Poll until the record is no longer pending (or ``seconds`` pass); the latest record."""
    deadline = time.monotonic() + seconds
    record = peek(scope, key)
    while status_of(record) == PENDING and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        record = peek(scope, key)
    return record


def find_result(session_id: str, key: str, kinds: tuple[str, ...]) -> IdempotencyRecord | None:
    scopes = [scope_for(kind, session_id) for kind in kinds]
    db.session.expire_all()
    return db.session.scalar(sa.select(IdempotencyRecord).where(
        IdempotencyRecord.scope.in_(scopes), IdempotencyRecord.key == key))
