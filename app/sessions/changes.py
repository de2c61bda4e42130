"""Sending a return, reopen or cancel at most once (see once.py), auditing every outcome.

The view validates the form and reads the session; ``apply_once`` claims the form's key, sends
the change, stores the result under the key and writes the audit entry. It never sends twice
for one key: a second request for the same key waits for the first and shows its result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..models import IdempotencyRecord
from ..talon import talon
from ..talon.errors import TalonError, TalonOutcomeUnknown
from ..talon.models import IntegrationState
from . import once
from .outcomes import audit, failure_message, http_status

MAX_WAIT_SECONDS = 60.0

WHAT = {"return": "The return", "reopen": "The reopen", "cancel": "The cancellation"}
AUDIT_ACTIONS = {"return": "session.return", "reopen": "session.reopen", "cancel": "session.cancel"}


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


def previous_try(kind: str, session_id: str, key: str | None) -> IdempotencyRecord | None:
    """The record of an earlier submission of this very form, if any."""
    if not key:
        return None
    return once.peek(once.scope_for(kind, session_id), key)


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
    scope = once.scope_for(kind, session_id)
    claim = once.claim(scope, key, once.fingerprint(request))
    if claim.outcome == once.COMPLETED:
        return ChangeOutcome(record=claim.record)
    if claim.outcome == once.CONFLICT:
        audit(AUDIT_ACTIONS[kind], session_id, {**audit_summary, "form_key": key, "refused":
              "the form's key was already used for a different request"}, outcome="refused",
              upstream_status=None)
        return ChangeOutcome(status=409, message=(
            f"This form was already used for a different {kind}. {what} you see now was not "
            "sent. Reload the page to start again with a fresh form."))
    if claim.outcome == once.IN_PROGRESS:
        record = once.wait_for(scope, key, wait_seconds())
        state = once.status_of(record)
        if state == once.DONE:
            return ChangeOutcome(record=record)
        if state == once.UNKNOWN:
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
            once.complete(record, {**confirmed, "confirmed_by_reread": True})
            audit(AUDIT_ACTIONS[kind], session_id, {**summary, "confirmed_by_reread": True},
                  upstream_status=None)
            return ChangeOutcome(record=record)
    try:
        answer = send()
    except TalonError as error:
        if isinstance(error, TalonOutcomeUnknown):
            once.mark_unknown(record, {"kind": kind, "error": str(error)})
        else:
            once.release(record)
        audit(AUDIT_ACTIONS[kind], session_id, summary, error=error)
        # only returns carry the key to Talon.One, so only their re-send is safe as such
        return ChangeOutcome(error=error, status=http_status(error),
                             message=failure_message(error, what, retry_is_safe=kind == "return"))
    result = result_of(answer)
    once.complete(record, {**result, "kind": kind})
    audit(AUDIT_ACTIONS[kind], session_id, {**summary, **result.get("audit", {})})
    return ChangeOutcome(record=record)
