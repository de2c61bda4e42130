"""A Talon.One failure as the console answers it: one HTTP status and one message for staff,
the same in every area (the error pages of app.errors, the sections of a page, a change's
result in app.changes).

    status_for(error)         the page's status: 504 when Talon.One did not answer in time, 409
                              for a conflict, 429 for rate limiting, 404 when it does not know
                              the thing, 422 when it refused the request as invalid, else 502
    read_message(error)       why something could not be read (the `talon_problem` filter)
    change_message(error, …)  what happened to a change (or a dry run) and what to do now
    talon_said(error)         Talon.One's own words
"""

from __future__ import annotations

from .talon.errors import (
    TalonBadRequest,
    TalonCircuitOpen,
    TalonConflict,
    TalonError,
    TalonMalformedResponse,
    TalonNotFound,
    TalonOutcomeUnknown,
    TalonRateLimited,
    TalonTimeout,
    TalonUnauthorized,
    TalonUnavailable,
)

# Most specific first: TalonOutcomeUnknown is a TalonTimeout, TalonCircuitOpen an Unavailable.
STATUSES: tuple[tuple[type[TalonError], int], ...] = (
    (TalonTimeout, 504),
    (TalonConflict, 409),
    (TalonRateLimited, 429),
    (TalonNotFound, 404),
    (TalonBadRequest, 422),
)
OTHERWISE = 502  # unavailable, a refused key, an unreadable answer: a bad gateway


def status_for(error: TalonError) -> int:
    """The status of the page that reports ``error``."""
    for kind, status in STATUSES:
        if isinstance(error, kind):
            return status
    return OTHERWISE


def talon_said(error: TalonError) -> str:
    """Talon.One's own words: its message (unless it is only our generic headline) and any
    field errors; without a final period, "" when Talon.One said nothing useful."""
    text = error.message.rstrip(".") if error.message != error.headline else ""
    # a field error that only repeats the message (Talon.One often sends both) is said once
    fields = "; ".join(str(e) for e in error.field_errors if (e.details or e.title) not in text)
    if fields:
        text = f"{text} ({fields})" if text else fields
    return text


def read_message(error: TalonError) -> str:
    """Why something could not be read or looked up, for staff: the kind of failure in words,
    with Talon.One's own text only where it explains a refusal (a 4xx), never a 5xx body."""
    status = f" (HTTP {error.status})" if error.status else ""
    text = f"{error.headline}{status}."
    said = talon_said(error) if error.status and 400 <= error.status < 500 else ""
    if said:
        text += f" Talon.One said: {said}."
    elif isinstance(error, TalonMalformedResponse) and error.message != error.headline:
        text += f" {error.message}."  # what the answer lacked
    if error.retry_after:
        text += f" Try again in {max(1, int(error.retry_after))} seconds."
    elif error.status is None or error.status >= 500:
        text += " Try again shortly."
    return text


def change_message(error: TalonError, what: str = "The change", *, retry_is_safe: bool = False,
                   preview: bool = False) -> str:
    """One clear paragraph for staff. ``what`` names the action ("The return"); ``retry_is_safe``
    when sending the same form again cannot apply it twice (Talon.One's idempotency key);
    ``preview`` for dry runs, which never save anything.

    A change whose answer never arrived (TalonOutcomeUnknown) is not called a failure: it "may
    have happened" and staff re-check before anything else. Everything else changed nothing.
    """
    status = f" (HTTP {error.status})" if error.status else ""
    said = talon_said(error)
    quoted = f" Talon.One said: {said}." if said else ""
    seconds = max(1, int(error.retry_after or 0))
    wait = (f"try again in {seconds} second{'s' if seconds != 1 else ''}" if error.retry_after
            else "try again in a minute")
    if isinstance(error, TalonOutcomeUnknown):
        retry = (" Sending it again from this form is safe: Talon.One recognises it by its "
                 "idempotency key and will not apply it twice." if retry_is_safe else "")
        return (f"Talon.One did not answer in time. {what} may have happened: re-check before "
                f"doing anything else.{retry}")
    if isinstance(error, TalonTimeout):
        nothing = "Nothing is saved by a preview" if preview else "Nothing was changed"
        return f"Talon.One did not answer in time. {nothing}; try again in a moment."
    if isinstance(error, TalonConflict):
        return (f"Talon.One reported a conflict{status}: someone else may be changing the same "
                f"record, or a limit was reached. {what} was not applied; reload and try "
                f"again.{quoted}")
    if isinstance(error, TalonRateLimited):
        return f"Talon.One is limiting the request rate{status}. {what} was not sent; {wait}."
    if isinstance(error, TalonCircuitOpen):
        return (f"Calls to Talon.One are paused after repeated failures. {what} was not sent; "
                f"{wait if error.retry_after else 'try again shortly'}.")
    if isinstance(error, TalonNotFound):
        return f"Talon.One does not know it{status}. {what} was not applied.{quoted}"
    if isinstance(error, TalonBadRequest):
        return f"Talon.One refused the request{status}. {what} was not applied.{quoted}"
    if isinstance(error, TalonUnauthorized):
        return (f"Talon.One refused the console's API key{status}. {what} was not applied; "
                "tell an administrator.")
    if isinstance(error, TalonUnavailable):
        return f"Talon.One is unavailable{status}. {what} was not applied; try again shortly.{quoted}"
    return f"The call to Talon.One failed{status}. {what} was not applied.{quoted}"
