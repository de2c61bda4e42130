"""Changes that the loyalty, profile and admin pages send: each one audited with its outcome and
Talon.One's status, each failure turned into one sentence for staff, and creating calls guarded
so that a double-submitted form reaches Talon.One once.

Used by app.loyalty and app.profiles (one implementation, so every mutation is audited alike).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa
from flask import make_response, redirect
from sqlalchemy.exc import IntegrityError

from ..audit.log import record
from ..extensions import db, htmx
from ..models import IdempotencyRecord
from ..talon.errors import (
    TalonBadRequest,
    TalonCircuitOpen,
    TalonConflict,
    TalonError,
    TalonNotFound,
    TalonOutcomeUnknown,
    TalonRateLimited,
    TalonTimeout,
    TalonUnauthorized,
    TalonUnavailable,
)

ERROR_TEXT_LIMIT = 300  # characters of Talon.One's message kept in an audit summary


def failure_message(error: TalonError) -> str:
    """What staff read when a call failed: what happened, whether anything changed, what to do."""
    said = f" Talon.One said: {_talon_said(error)}" if _talon_said(error) else ""
    wait = f" Try again in {max(1, int(error.retry_after))} seconds." if error.retry_after else ""
    if isinstance(error, TalonOutcomeUnknown):
        return ("Talon.One did not confirm the change in time. It may have happened: "
                "re-check before trying again.")
    if isinstance(error, TalonTimeout):
        return "Talon.One did not answer in time. Nothing was changed; try again."
    if isinstance(error, TalonRateLimited):
        return f"Talon.One is limiting the request rate (HTTP 429). Nothing was changed.{wait or ' Try again in a minute.'}"
    if isinstance(error, TalonCircuitOpen):
        return f"Calls to Talon.One are paused after repeated failures, so nothing was sent.{wait}"
    if isinstance(error, TalonConflict):
        return (f"Talon.One refused because of a conflict (HTTP 409): someone else may be changing "
                f"the same record, or a limit was reached.{said} Reload and try again.")
    if isinstance(error, TalonBadRequest):
        return f"Talon.One refused the request.{said}"
    if isinstance(error, TalonNotFound):
        return f"Talon.One does not know it (HTTP 404).{said}"
    if isinstance(error, TalonUnauthorized):
        return ("Talon.One refused the console's API key (HTTP 401). Nothing was changed; "
                "tell an administrator.")
    if isinstance(error, TalonUnavailable):
        status = f" (HTTP {error.status})" if error.status else ""
        return f"Talon.One is unavailable{status}. Nothing was changed; try again shortly.{wait}"
    return f"The call to Talon.One failed.{said}"


def _talon_said(error: TalonError) -> str:
    details = "; ".join(e.details or e.title for e in error.field_errors if e.details or e.title)
    text = details or (error.message if error.message != error.headline else "")
    return text.rstrip(".") + "." if text else ""


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
        return failure_message(self.error) if self.error is not None else ""


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
        outcome = "unknown" if isinstance(error, TalonOutcomeUnknown) else "failure"
        detail = {**(summary or {}), "error": error.message[:ERROR_TEXT_LIMIT]}
        record(action, target_type, target_id, summary=detail, outcome=outcome,
               upstream_status=error.status, dry_run=dry_run)
        return Sent(outcome, error=error)
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


def new_submission_key() -> str:
    return uuid.uuid4().hex


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


def _fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def claim_submission(scope: str, key: str, payload: dict) -> Submission:
    """Claim `key` for this payload before calling Talon.One. A second submit of the same form
    gets the stored answer (or "pending" while the first one's outcome is unknown) instead of
    creating the thing twice."""
    digest = _fingerprint(payload)
    existing = _claimed(scope, key)
    if existing is None:
        db.session.add(IdempotencyRecord(scope=scope, key=key, request_hash=digest, response=None))
        try:
            db.session.commit()
            return Submission("new")
        except IntegrityError:  # a parallel submit of the same form won the race
            db.session.rollback()
            return Submission("pending")
    if existing.request_hash != digest:
        return Submission("mismatch")
    if existing.response is None:
        return Submission("pending")
    return Submission("done", existing.response)


def _claimed(scope: str, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(sa.select(IdempotencyRecord).where(
        IdempotencyRecord.scope == scope, IdempotencyRecord.key == key))


def settle_submission(scope: str, key: str, sent: Sent, answer: dict | None = None) -> None:
    """Store the answer of a success; forget a definite failure (nothing was created, so the
    corrected form may be sent again); keep the claim of an unknown outcome."""
    row = _claimed(scope, key)
    if row is None:
        return
    if sent.ok:
        row.response = answer or {}
    elif not sent.may_have_happened:
        db.session.delete(row)
    db.session.commit()


def release_submission(scope: str, key: str) -> None:
    """Give a claim back unused (the form was refused before anything was sent)."""
    row = _claimed(scope, key)
    if row is not None and row.response is None:
        db.session.delete(row)
        db.session.commit()
