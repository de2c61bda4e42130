"""What one attempt of a call came to: a decoded answer, or a failure with a retry decision.

Kept apart from the transport so the rules that make retries safe read in one place:
- a change (PUT/POST/DELETE that is not a dry run) whose answer never arrived may have happened:
  TalonOutcomeUnknown, and it is retried only when it carries an Idempotency-Key;
- a change whose connection was never established certainly did not happen: TalonUnavailable;
- 429 and 502/503/504 are retried for retryable calls, honouring Retry-After up to a cap; a
  longer Retry-After is reported at once (TalonRateLimited) rather than holding a page hostage;
- a body that is not JSON is TalonMalformedResponse (an Unavailable), never a crash.
"""

from __future__ import annotations

import email.utils
import json
import time
from dataclasses import dataclass
from typing import Any

import requests
import urllib3

from .errors import (
    FieldError,
    TalonError,
    TalonMalformedResponse,
    TalonOutcomeUnknown,
    TalonRateLimited,
    TalonTimeout,
    TalonUnavailable,
    error_class_for_status,
)

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class ApiResponse:
    status: int
    data: Any
    request_id: str


@dataclass(slots=True)
class Failure:
    error: TalonError
    retry: bool
    #: seconds to wait before the next attempt (None: the transport's backoff)
    wait: float | None = None
    #: does it say something about upstream health (for the circuit breaker)?
    upstream_failure: bool = True


@dataclass(frozen=True, slots=True)
class Attempt:
    """What the outcome rules need to know about the call."""

    request_id: str
    method: str
    path: str
    retryable: bool
    may_change: bool
    read_timeout: float
    retry_after_max: float

    def where(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "method": self.method, "path": self.path}


# -- no answer ---------------------------------------------------------------------------


def failure_from_exception(exc: requests.RequestException, attempt: Attempt) -> Failure:
    where = attempt.where()
    if isinstance(exc, requests.ConnectionError):  # connect timeouts included
        if attempt.may_change and not sent_nothing(exc):
            return Failure(
                TalonOutcomeUnknown(
                    "The connection to Talon.One broke after the change was sent; it may have "
                    "happened", **where),
                retry=attempt.retryable,
            )
        return Failure(TalonUnavailable("Talon.One could not be reached", **where),
                       retry=attempt.retryable)
    if isinstance(exc, requests.Timeout):  # a read timeout
        waited = f"Talon.One did not answer within {attempt.read_timeout:g} s"
        if attempt.may_change:
            return Failure(
                TalonOutcomeUnknown(f"{waited}; the change may have happened", **where),
                retry=attempt.retryable,
            )
        return Failure(TalonTimeout(waited, **where), retry=attempt.retryable)
    # invalid URL, bad proxy settings, ...: configuration, not an outage; do not retry
    return Failure(
        TalonUnavailable(f"Request to Talon.One failed: {type(exc).__name__}", **where),
        retry=False,
    )


def sent_nothing(exc: requests.ConnectionError) -> bool:
    """True when the connection was never established, so the request cannot have arrived."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # MaxRetryError wraps the real cause
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError))


# -- an answer ---------------------------------------------------------------------------


def outcome_from_response(resp: requests.Response, attempt: Attempt) -> ApiResponse | Failure:
    if resp.status_code < 400:
        return _success(resp, attempt)
    return _failure(resp, attempt)


def decode_json(content: bytes) -> Any:
    """Talon.One sends UTF-8; decoding first skips json's encoding sniffing."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return json.loads(content)  # UTF-16/32 per RFC 8259 detection
    return json.loads(text)


def _success(resp: requests.Response, attempt: Attempt) -> ApiResponse | Failure:
    content = resp.content
    if resp.status_code == 204 or not content:
        return ApiResponse(resp.status_code, None, attempt.request_id)
    try:
        data = decode_json(content)
    except ValueError:
        if attempt.may_change:
            # A 2xx to a change means Talon.One took it; only its answer is lost. Calling that
            # "unavailable" would tell staff nothing changed, so it is an unknown outcome.
            error: TalonError = TalonOutcomeUnknown(
                f"Talon.One accepted the change (HTTP {resp.status_code}) but its answer could "
                "not be read; re-check before trying again", status=resp.status_code,
                **attempt.where())
        else:
            error = TalonMalformedResponse("Talon.One answered with a body that is not valid JSON",
                                           status=resp.status_code, **attempt.where())
        return Failure(error, retry=False)
    return ApiResponse(resp.status_code, data, attempt.request_id)


def _failure(resp: requests.Response, attempt: Attempt) -> Failure:
    status = resp.status_code
    try:
        body = decode_json(resp.content) if resp.content else None
    except ValueError:
        body = None
    message = ""
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("Message") or "")
    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
    details = dict(status=status, field_errors=field_errors(body), retry_after=retry_after,
                   **attempt.where())
    cls = error_class_for_status(status)
    if status == 504 and attempt.may_change:
        # a gateway gave up waiting for Talon.One, which may still have applied the change
        error: TalonError = TalonOutcomeUnknown(
            message or "Talon.One's gateway timed out; the change may have happened", **details)
    else:
        error = cls(message or f"{cls.headline} (HTTP {status})", **details)

    upstream_failure = status >= 500
    if not attempt.retryable or status not in RETRYABLE_STATUSES:
        return Failure(error, retry=False, upstream_failure=upstream_failure)
    if retry_after is not None and retry_after > attempt.retry_after_max:
        if status == 429:
            error = TalonRateLimited(
                message or f"Talon.One asks us to wait {retry_after:.0f} s", **details)
        return Failure(error, retry=False, upstream_failure=upstream_failure)
    return Failure(error, retry=True, wait=retry_after, upstream_failure=upstream_failure)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def field_errors(body: Any) -> list[FieldError]:
    """Talon.One's ``errors`` list: title, details and where (``source.pointer`` or
    ``source.parameter``)."""
    out = []
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        for item in body["errors"]:
            if not isinstance(item, dict):
                continue
            source = item.get("source") if isinstance(item.get("source"), dict) else {}
            pointer = source.get("pointer") or source.get("parameter") or source.get("header") or ""
            out.append(FieldError(title=str(item.get("title") or ""),
                                  details=str(item.get("details") or ""), pointer=str(pointer)))
    return out
