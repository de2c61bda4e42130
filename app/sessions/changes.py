"""Sending a return, reopen or cancel at most once (app.upstream's once-per-form claim), auditing
every outcome.

The view validates the form and reads the session; ``apply_once`` claims the form's key, sends
the change, stores the result under the key and writes the audit entry. It never sends twice
for one key: a second request for the same key waits for the first and shows its result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa

from .. import upstream
from ..extensions import db
from ..models import IdempotencyRecord
from ..talon import talon
from ..talon.errors import TalonError, TalonOutcomeUnknown
from ..talon.models import IntegrationState
from ..talon_failures import change_message, status_for
from .outcomes import audit

MAX_WAIT_SECONDS = 60.0

WHAT = {"return": "The return", "reopen": "The reopen", "cancel": "The cancellation"}
AUDIT_ACTIONS = {"return": "session.return", "reopen": "session.reopen", "cancel": "session.cancel"}
# Reopen and cancel carry no idempotency key to Talon.One: a retry re-reads the session first.
RETRY_REREADS = " Trying again first re-reads the session, so it is never done twice."


@dataclass
class ChangeOutcome:
    record: IdempotencyRecord | None = None  # set when the change is done: show its result
    error: TalonError | None = None
    message: str | None = None  # for the agent, when there is no result to show
    status: int = 200


def wait_seconds() -> float:
    """How long a duplicate request waits for the first: the first's longest possible call."""
    settings = talon.settings
    longest = (settings.connect_timeout + settings.read_timeout) * (settings.retries + 1)
    return min(MAX_WAIT_SECONDS, longest + 2.0)


def scope_for(kind: str, session_id: str) -> str:
    return f"session-{kind}:{session_id}"[:255]


def find_result(session_id: str, key: str, kinds: tuple[str, ...]) -> IdempotencyRecord | None:
    """The stored result of a return, reopen or cancel of this session, for the result page."""
    scopes = [scope_for(kind, session_id) for kind in kinds]
    db.session.expire_all()
    return db.session.scalar(sa.select(IdempotencyRecord).where(
        IdempotencyRecord.scope.in_(scopes), IdempotencyRecord.key == key))


def previous_try(kind: str, session_id: str, key: str | None) -> IdempotencyRecord | None:
    """The record of an earlier submission of this very form, if any."""
    if not key:
        return None
    return upstream.peek(scope_for(kind, session_id), key)


def sent_by_twin(kind: str, session_id: str, key: str | None, request: dict[str, Any]) -> bool:
    """Whether this very form is, by now, being sent or done by another request: a double click
    or the same form posted to another instance. A session read after that twin changed it
    refuses the form (quantities used up, state moved on), yet the change is the form's own; the
    claim the twin wrote before sending shows it, and apply_once then answers with its result."""
    record = previous_try(kind, session_id, key)
    status = upstream.status_of(record)
    return status == upstream.PENDING or (
        status == upstream.DONE and record.request_hash == upstream.fingerprint(request))


def apply_once(
    kind: str,
    session_id: str,
    key: str,
    request: dict[str, Any],
    send: Callable[[], IntegrationState],
    result_of: Callable[[IntegrationState], dict[str, Any]],
    audit_summary: dict[str, Any],
    *,
    happened_already: Callable[[], dict[str, Any] | None] | None = None,
) -> ChangeOutcome:
    """``request`` is what identifies the change (hashed: the same key with another request is
    refused); ``result_of`` turns Talon.One's answer into the stored result; after a try whose
    answer never arrived, ``happened_already`` may confirm from a fresh read that it did."""
    what = WHAT[kind]
    scope = scope_for(kind, session_id)
    # a re-send is safe here: returns carry the key to Talon.One, reopen and cancel re-read first
    claim = upstream.claim(scope, key, upstream.fingerprint(request), take_over_unknown=True)
    if claim.outcome == upstream.COMPLETED:
        return ChangeOutcome(record=claim.record)
    if claim.outcome == upstream.CONFLICT:
        audit(AUDIT_ACTIONS[kind], session_id, {**audit_summary, "form_key": key, "refused":
              "the form's key was already used for a different request"}, outcome="refused",
              upstream_status=None)
        return ChangeOutcome(status=409, message=(
            f"This form was already used for a different {kind}. {what} you see now was not "
            "sent. Reload the page to start again with a fresh form."))
    if claim.outcome == upstream.IN_PROGRESS:
        record = upstream.wait_for(scope, key, wait_seconds())
        state = upstream.status_of(record)
        if state == upstream.DONE:
            return ChangeOutcome(record=record)
        if state == upstream.UNKNOWN:
            return ChangeOutcome(status=504, message=(
                f"{what} was sent from another window or click, and Talon.One did not answer "
                "it in time: it may have happened. Re-check the session before trying again."))
        return ChangeOutcome(status=409, message=(
            f"{what} from this form is still being processed (another click or window sent "
            "it). Nothing was sent twice. Re-check the session in a moment."))

    record = claim.record
    summary = {**audit_summary, "form_key": key, "retry_after_unknown": claim.after_unknown}
    if claim.after_unknown and happened_already is not None:
        confirmed = happened_already()
        if confirmed is not None:
            upstream.complete(record, {**confirmed, "confirmed_by_reread": True})
            audit(AUDIT_ACTIONS[kind], session_id, {**summary, "confirmed_by_reread": True},
                  upstream_status=None)
            return ChangeOutcome(record=record)
    try:
        answer = send()
    except TalonError as error:
        if isinstance(error, TalonOutcomeUnknown):
            upstream.mark_unknown(record, {"kind": kind, "error": str(error)})
        else:
            upstream.release(record)
        audit(AUDIT_ACTIONS[kind], session_id, summary, error=error)
        # only returns carry the key to Talon.One, so only their re-send is safe as such
        message = change_message(error, what, retry_is_safe=kind == "return")
        if isinstance(error, TalonOutcomeUnknown) and kind != "return":
            message += RETRY_REREADS
        return ChangeOutcome(error=error, status=status_for(error), message=message)
    result = result_of(answer)
    upstream.complete(record, {**result, "kind": kind})
    audit(AUDIT_ACTIONS[kind], session_id, {**summary, **result.get("audit", {})})
    return ChangeOutcome(record=record)
