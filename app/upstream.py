"""A change sent to Talon.One, the same way in every area of the console.

- audit: ``send_change`` runs one change and audits its outcome (success, failure, or unknown
  when the answer never came: the change may have happened), ``audit_failure`` is the one way a
  failed call is audited, ``audit_refusal`` a change the console refused itself;
- once per form: a form carries a key that is claimed in IdempotencyRecord (unique per scope and
  key, so a second console instance sharing the database sees the same claim) before anything
  is sent; see "one submission, sent once" below;
- navigation: ``navigate`` after a change (303, or HX-Redirect for htmx).

Used by every area that changes something (profiles, loyalty, audiences, coupons, campaigns,
sessions, admin).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

import sqlalchemy as sa
from flask import make_response, redirect
from sqlalchemy.exc import IntegrityError

from .audit.log import record
from .extensions import db, htmx
from .models import IdempotencyRecord, utcnow
from .talon.errors import TalonError, TalonOutcomeUnknown
from .talon_failures import change_message

ERROR_TEXT_LIMIT = 300  # characters of Talon.One's error kept in an audit summary


# -- audit ---------------------------------------------------------------------------------


def audit_outcome(error: TalonError) -> str:
    """"unknown" when the change may have happened, else "failure"."""
    return "unknown" if isinstance(error, TalonOutcomeUnknown) else "failure"


def audit_failure(action: str, target_type: str, target_id: Any, error: TalonError, *,
                  summary: dict | None = None, dry_run: bool = False, outcome: str | None = None):
    """The one way a failed call is audited: its outcome, Talon.One's status and error text."""
    detail = {**(summary or {}), "error": str(error)[:ERROR_TEXT_LIMIT],
              "error_type": type(error).__name__}
    return record(action, target_type, target_id, summary=detail,
                  outcome=outcome or audit_outcome(error), upstream_status=error.status,
                  dry_run=dry_run)


@dataclass(frozen=True)
class Sent:
    """How one change went: `value` on success, `error` otherwise; `outcome` as audited."""

    outcome: str
    value: Any = None
    error: TalonError | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "success"

    @property
    def may_have_happened(self) -> bool:
        return self.outcome == "unknown"

    @property
    def message(self) -> str:
        return change_message(self.error) if self.error is not None else ""


def send_change(action: str, target_type: str, target_id: Any, call: Callable[[], Any], *,
                summary: dict | None = None, success_status: int = 200,
                dry_run: bool = False,
                target_of_result: Callable[[Any], tuple[str, Any]] | None = None) -> Sent:
    """Run one Talon.One change (or a dry run of it) and audit it: success, failure (with the
    upstream status and message), or unknown when the answer never came (the change may have
    happened). `target_of_result` names the target by what was created (a new card), so its
    own history starts with its creation."""
    try:
        value = call()
    except TalonError as error:
        audit_failure(action, target_type, target_id, error, summary=summary, dry_run=dry_run)
        return Sent(audit_outcome(error), error=error)
    if target_of_result is not None:
        target_type, target_id = target_of_result(value)
    record(action, target_type, target_id, summary=summary, outcome="success",
           upstream_status=success_status, dry_run=dry_run)
    return Sent("success", value=value)


def audit_refusal(action: str, target_type: str, target_id: Any, reason: str,
                  summary: dict | None = None) -> None:
    """A change the console itself refused before calling Talon.One (limit reached, blocked
    card...): audited as refused, so the attempt is on record."""
    record(action, target_type, target_id, summary={**(summary or {}), "reason": reason},
           outcome="refused")


# -- navigation ----------------------------------------------------------------------------


def navigate(url: str):
    """After a change that moves the user on: 303 for a plain form, HX-Redirect for htmx (which
    would otherwise follow the redirect inside the XHR and swap a whole page into a section)."""
    if htmx:
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


# -- one submission, sent once ---------------------------------------------------------------
#
# Each changing form carries a key generated when it was rendered. The key is claimed in the
# IdempotencyRecord table (unique per scope and key) before anything is sent, so a double click,
# a refresh, a retry after a timeout or a second console instance sharing the database all see
# the same record, whose response holds a status:
#
#     pending  someone is sending it now (a second request waits for it, or is told so)
#     done     it happened: the stored result is shown, nothing is sent
#     unknown  the answer never arrived. Only a caller that can re-send safely takes the record
#              over (``take_over_unknown``: returns carry the key to Talon.One, reopen and cancel
#              re-read the session first); the others refuse the same form again, since a
#              re-sent create would create twice.
#
# A change that definitely failed releases its record, so the corrected form may be sent again.
# The same key with another request body is refused (request_hash).

PENDING, UNKNOWN, DONE = "pending", "unknown", "done"
# A pending record older than this belongs to a request that died (worker killed mid-call).
STALE_AFTER = timedelta(minutes=2)
POLL_SECONDS = 0.2

CLAIMED, IN_PROGRESS, COMPLETED, CONFLICT = "claimed", "in_progress", "completed", "conflict"
_BOOKKEEPING = ("status", "completed_at")


def new_submission_key() -> str:
    return uuid.uuid4().hex


def fingerprint(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Claim:
    outcome: str  # CLAIMED, IN_PROGRESS, COMPLETED or CONFLICT
    record: IdempotencyRecord | None = None
    #: the claim took over a record whose earlier try got no answer
    after_unknown: bool = False


def status_of(record: IdempotencyRecord | None) -> str | None:
    if record is None:
        return None
    if record.response is None:  # written before the status was stored: a claim, unanswered
        return PENDING
    return record.response.get("status", DONE)


def peek(scope: str, key: str) -> IdempotencyRecord | None:
    db.session.expire_all()  # another request (or instance) may have written it meanwhile
    return db.session.scalar(sa.select(IdempotencyRecord).filter_by(scope=scope, key=key))


def _add_pending(scope: str, key: str, request_hash: str) -> IdempotencyRecord | None:
    """Insert (and commit) a pending record; None when another request holds the key."""
    claimed = IdempotencyRecord(scope=scope, key=key, request_hash=request_hash,
                                response={"status": PENDING}, created_at=utcnow())
    db.session.add(claimed)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return claimed


def _take_over(old: IdempotencyRecord, request_hash: str) -> IdempotencyRecord | None:
    """Replace an unknown (or stale) record by a fresh pending one, in one transaction; only one
    request can delete the old row, so only one wins."""
    removed = db.session.execute(
        sa.delete(IdempotencyRecord).where(IdempotencyRecord.id == old.id)
        .where(IdempotencyRecord.created_at == old.created_at)
    ).rowcount
    if removed != 1:
        db.session.rollback()
        return None
    return _add_pending(old.scope, old.key, request_hash)


def claim(scope: str, key: str, request_hash: str, *, take_over_unknown: bool = False) -> Claim:
    """Claim ``key`` for this request before sending it (see above)."""
    found = peek(scope, key)
    if found is None:
        mine = _add_pending(scope, key, request_hash)
        if mine is not None:
            return Claim(CLAIMED, mine)
        found = peek(scope, key)  # lost the race to a concurrent request
        if found is None:
            return Claim(IN_PROGRESS)
    if found.request_hash != request_hash:
        return Claim(CONFLICT, found)
    status = status_of(found)
    if status == DONE:
        return Claim(COMPLETED, found)
    stale = status == PENDING and utcnow() - found.created_at > STALE_AFTER
    if take_over_unknown and (status == UNKNOWN or stale):
        mine = _take_over(found, request_hash)
        if mine is not None:
            return Claim(CLAIMED, mine, after_unknown=True)
        return Claim(IN_PROGRESS, peek(scope, key))
    return Claim(IN_PROGRESS, found)


def _set(claimed: IdempotencyRecord, response: dict[str, Any]) -> None:
    claimed.response = response
    db.session.add(claimed)
    db.session.commit()


def complete(claimed: IdempotencyRecord, result: dict[str, Any]) -> None:
    _set(claimed, {**result, "status": DONE, "completed_at": utcnow().isoformat() + "Z"})


def mark_unknown(claimed: IdempotencyRecord, details: dict[str, Any]) -> None:
    _set(claimed, {**details, "status": UNKNOWN})


def release(claimed: IdempotencyRecord) -> None:
    """Forget a claim whose change definitely did not happen."""
    db.session.execute(sa.delete(IdempotencyRecord).where(IdempotencyRecord.id == claimed.id))
    db.session.commit()


def wait_for(scope: str, key: str, seconds: float) -> IdempotencyRecord | None:
    """Poll until the record is no longer pending (or ``seconds`` pass); the latest record."""
    deadline = time.monotonic() + seconds
    found = peek(scope, key)
    while status_of(found) == PENDING and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        found = peek(scope, key)
    return found


# The form-level view of a claim, for changes that cannot be re-sent safely (creating an
# audience, a coupon, a card...): a second submit is answered, never sent again.


@dataclass(frozen=True)
class Submission:
    """The state of one form submission (keyed by the hidden token the form carries)."""

    state: str  # "new", "done" (stored answer), "pending" (sent, answer unknown) or "mismatch"
    answer: dict | None = None

    @property
    def message(self) -> str:
        if self.state == "pending":
            return ("This form was sent already and Talon.One has not confirmed it: it may have "
                    "happened. Re-check before trying again (reload the form to start anew).")
        if self.state == "mismatch":
            return "This form was sent already with other values. Reload it to start anew."
        return ""


def claim_submission(scope: str, key: str, payload: dict) -> Submission:
    """Claim `key` for this payload before calling Talon.One. A second submit of the same form
    gets the stored answer (or "pending" while the first one's outcome is unknown) instead of
    creating the thing twice."""
    claimed = claim(scope, key, fingerprint(payload), take_over_unknown=False)
    if claimed.outcome == CLAIMED:
        return Submission("new")
    if claimed.outcome == CONFLICT:
        return Submission("mismatch")
    if claimed.outcome == COMPLETED:
        stored = claimed.record.response or {}
        return Submission("done", {k: v for k, v in stored.items() if k not in _BOOKKEEPING})
    return Submission("pending")


def settle_submission(scope: str, key: str, sent: Sent, answer: dict | None = None) -> None:
    """Store the answer of a success; forget a definite failure (nothing was created, so the
    corrected form may be sent again); keep the claim of an unknown outcome."""
    claimed = peek(scope, key)
    if claimed is None:
        return
    if sent.ok:
        complete(claimed, answer or {})
    elif sent.may_have_happened:
        mark_unknown(claimed, {})
    else:
        release(claimed)


def release_submission(scope: str, key: str) -> None:
    """Give a claim back unused (the form was refused before anything was sent)."""
    claimed = peek(scope, key)
    if status_of(claimed) == PENDING:
        release(claimed)
