"""The one error family of the service layer.

Every failure of a call to Talon.One surfaces as a TalonError subclass, so a view needs a single
``except TalonError`` to render an inline error partial for its section. Each error carries the
HTTP status (None when no response arrived), Talon.One's message, the request ID of the call, the
field errors of a 400 body and, for 429, the seconds Talon.One asked us to wait.

Messages never contain API keys: they are built from the response body or from our own text,
never from request headers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One entry of Talon.One's ``errors`` list: what is wrong and where (a JSON pointer or a
    parameter name taken from ``source``)."""

    title: str
    details: str = ""
    pointer: str = ""

    def __str__(self) -> str:
        where = f"{self.pointer}: " if self.pointer else ""
        text = self.details or self.title
        return f"{where}{text}"


class TalonError(Exception):
    """Base of every service-layer failure."""

    #: short wording for staff; views may use it as the heading of an error partial
    headline = "Talon.One request failed"

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        request_id: str | None = None,
        field_errors: tuple[FieldError, ...] | list[FieldError] = (),
        retry_after: float | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message or self.headline
        self.status = status
        self.request_id = request_id
        self.field_errors = tuple(field_errors)
        self.retry_after = retry_after
        self.method = method
        self.path = path
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.field_errors:
            parts.append("; ".join(str(e) for e in self.field_errors))
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        if self.request_id:
            parts.append(f"[request {self.request_id}]")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, message={self.message!r}, "
            f"request_id={self.request_id!r})"
        )


class TalonBadRequest(TalonError):
    """400: Talon.One rejected the input; ``field_errors`` says which fields and why."""

    headline = "Talon.One rejected the request"


class TalonUnauthorized(TalonError):
    """401 or 403: the configured key is missing, wrong, expired or lacks the permission."""

    headline = "Talon.One refused the API key"


class TalonNotFound(TalonError):
    """404: the session, profile, coupon, card ... does not exist."""

    headline = "Not found in Talon.One"


class TalonConflict(TalonError):
    """409: a parallel update of the same session or profile, or a limit was reached."""

    headline = "Talon.One reported a conflict"


class TalonRateLimited(TalonError):
    """429 that we did not (or could no longer) wait out; ``retry_after`` is in seconds."""

    headline = "Talon.One is rate limiting us"


class TalonUnavailable(TalonError):
    """5xx, an unreachable host, or an answer we could not read."""

    headline = "Talon.One is unavailable"


class TalonCircuitOpen(TalonUnavailable):
    """The circuit breaker is open: the call was not sent at all (fail fast during cool-down)."""

    headline = "Talon.One is unavailable (paused after repeated failures)"


class TalonMalformedResponse(TalonUnavailable):
    """Talon.One answered with a body that is not the JSON we expect."""

    headline = "Talon.One sent an unreadable answer"


class TalonTimeout(TalonError):
    """No answer within the timeout. For reads nothing changed; see TalonOutcomeUnknown."""

    headline = "Talon.One did not answer in time"


class TalonOutcomeUnknown(TalonTimeout):
    """A change (PUT/POST/DELETE) was sent but its answer never arrived: it may have happened.

    The UI must not say "failed"; it says the change may have happened and offers to re-check.
    """

    headline = "The change may have happened. Re-check before trying again."


def error_class_for_status(status: int) -> type[TalonError]:
    """The TalonError subclass for an HTTP error status."""
    if status == 400 or status == 422:
        return TalonBadRequest
    if status in (401, 403):
        return TalonUnauthorized
    if status == 404:
        return TalonNotFound
    if status == 409:
        return TalonConflict
    if status == 429:
        return TalonRateLimited
    if status >= 500:
        return TalonUnavailable
    return TalonError

