"""How a failed Talon.One call reads for an agent, and how it is audited.

The rule that matters: a change whose answer never arrived (TalonOutcomeUnknown) is not called
a failure. It "may have happened", the audit log says outcome "unknown", and the page offers a
re-check. Everything else that failed did not change anything, and the message says why.
"""

from __future__ import annotations

from typing import Any

from ..audit.log import record
from ..talon.errors import (
    TalonBadRequest,
    TalonCircuitOpen,
    TalonConflict,
    TalonError,
    TalonNotFound,
    TalonOutcomeUnknown,
    TalonRateLimited,
    TalonTimeout,
    TalonUnavailable,
)


def talon_said(error: TalonError) -> str:
    """Talon.One's own words: the message and any field errors."""
    text = error.message.rstrip(".")
    if error.field_errors:
        text += " (" + "; ".join(str(e) for e in error.field_errors) + ")"
    return text


def failure_message(error: TalonError, what: str, *, retry_is_safe: bool = False,
                    preview: bool = False) -> str:
    """One clear paragraph for the agent. ``what`` names the action: "The return"."""
    status = f" (HTTP {error.status})" if error.status else ""
    if isinstance(error, TalonOutcomeUnknown):
        retry = ("Sending it again from this form is safe: Talon.One recognises it by its "
                 "idempotency key and will not apply it twice." if retry_is_safe else
                 "Trying again first re-reads the session, so it is never done twice.")
        return (f"Talon.One did not answer in time. {what} may have happened. Re-check the "
                f"session before doing anything else. {retry}")
    if isinstance(error, TalonTimeout):
        return (f"Talon.One did not answer in time. {'Nothing is saved by a preview' if preview else 'Nothing was changed'}; "
                "try again in a moment.")
    if isinstance(error, TalonConflict):
        return (f"Talon.One reported a conflict{status}: {talon_said(error)}. Another update of "
                f"this session may be under way. {what} was not applied; reload the session and "
                "try again.")
    if isinstance(error, TalonRateLimited):
        wait = f" in {int(error.retry_after)} seconds" if error.retry_after else " in a minute"
        return f"Talon.One is limiting how fast the console may call it{status}. {what} was not sent; try again{wait}."
    if isinstance(error, TalonCircuitOpen):
        return f"Calls to Talon.One are paused after repeated failures. {what} was not sent; {talon_said(error)}."
    if isinstance(error, TalonNotFound):
        return f"Talon.One no longer knows this session{status}. {what} was not applied."
    if isinstance(error, TalonBadRequest):
        return f"Talon.One refused{status}: {talon_said(error)}. {what} was not applied."
    if isinstance(error, TalonUnavailable):
        return (f"Talon.One answered with an error{status}: {talon_said(error)}. {what} was not "
                "applied; try again shortly.")
    return f"Talon.One failed{status}: {talon_said(error)}. {what} was not applied."


def http_status(error: TalonError) -> int:
    """The status of the page that reports the error."""
    if isinstance(error, TalonTimeout):
        return 504
    for cls, status in ((TalonConflict, 409), (TalonRateLimited, 429), (TalonNotFound, 404),
                        (TalonBadRequest, 422)):
        if isinstance(error, cls):
            return status
    return 502


def audit_outcome(error: TalonError) -> str:
    return "unknown" if isinstance(error, TalonOutcomeUnknown) else "failure"


def audit(action: str, session_id: str, summary: dict[str, Any], *, error: TalonError | None = None,
          dry_run: bool = False, upstream_status: int | None = 200, outcome: str | None = None):
    """One audit entry for an action on a session; a failure carries Talon.One's error text."""
    if error is not None:
        summary = {**summary, "error": str(error), "error_type": type(error).__name__}
        outcome = outcome or audit_outcome(error)
        upstream_status = error.status
    return record(action, "session", session_id, dry_run=dry_run, summary=summary,
                  outcome=outcome or "success", upstream_status=upstream_status)
