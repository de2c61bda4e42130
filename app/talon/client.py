"""The transport: the only place that does HTTP to Talon.One.

One ``requests.Session`` per Talon service (one per process in production), with a connection
pool sized by TALON_POOL_SIZE so the worker's threads and the fan-out pool do not queue for
connections. Every call gets connect and read timeouts, a User-Agent naming Talon Desk, a request
ID that is sent as ``X-Request-ID`` and logged with method, path, status and duration, and the
right Authorization scheme for its API. Keys live only in the Authorization header and are never
logged or put into an error.

Retries cannot double anything:
- GETs (and a call that carries an Idempotency-Key, which Talon.One honours for returns) retry on
  connection errors, timeouts, 502/503/504 and 429, with exponential backoff, waiting out a
  Retry-After up to TALON_RETRY_AFTER_MAX.
- PUT/POST/DELETE without an Idempotency-Key are sent exactly once. If their answer never arrives
  (read timeout, dropped connection, a gateway's 504), the change may have happened, so they
  raise TalonOutcomeUnknown, never a plain failure.
"""

from __future__ import annotations

import email.utils
import logging
import time
import uuid
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Callable, Mapping

import requests
import urllib3

from .circuit import CircuitBreaker
from .errors import (
    FieldError,
    TalonCircuitOpen,
    TalonError,
    TalonMalformedResponse,
    TalonOutcomeUnknown,
    TalonRateLimited,
    TalonTimeout,
    TalonUnauthorized,
    TalonUnavailable,
    error_class_for_status,
)
from .http_session import json_body, new_http_session, prepare, send
from .settings import TalonSettings

log = logging.getLogger("app.talon")

INTEGRATION = "integration"
MANAGEMENT = "management"
_AUTH_SCHEMES = {INTEGRATION: "ApiKey-v1", MANAGEMENT: "ManagementKey-v1"}
_RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
_SAFE_METHODS = frozenset({"GET", "HEAD"})


def _version() -> str:
    try:
        return metadata.version("talon-desk")
    except metadata.PackageNotFoundError:  # running from a checkout without an install
        return "0.1.0"


USER_AGENT = f"TalonDesk/{_version()}"


@dataclass(frozen=True)
class ApiResponse:
    status: int
    data: Any
    request_id: str


@dataclass
class _Failure:
    """What went wrong on one attempt, before we decide whether to retry."""

    error: TalonError
    retry: bool
    #: seconds to wait before the next attempt (None: use the backoff)
    wait: float | None = None
    #: does this failure say something about upstream health (for the circuit breaker)?
    upstream_failure: bool = True


def _query_value(value: Any) -> Any:
    """Talon.One expects lowercase booleans and RFC 3339 times in query strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text.replace("+00:00", "Z")
    if isinstance(value, (list, tuple)):
        return [_query_value(v) for v in value]
    return value


def clean_params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not params:
        return None
    return {k: _query_value(v) for k, v in params.items() if v is not None}


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


def _field_errors(body: Any) -> list[FieldError]:
    out = []
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        for item in body["errors"]:
            if not isinstance(item, dict):
                continue
            source = item.get("source") if isinstance(item.get("source"), dict) else {}
            pointer = source.get("pointer") or source.get("parameter") or source.get("header") or ""
            out.append(
                FieldError(
                    title=str(item.get("title") or ""),
                    details=str(item.get("details") or ""),
                    pointer=str(pointer),
                )
            )
    return out


def _sent_nothing(exc: requests.ConnectionError) -> bool:
    """True when the connection was never established, so the request cannot have arrived."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # MaxRetryError wraps the real cause
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError))


class Transport:
    """Sends one logical call (with its retries) and returns the decoded JSON body."""

    def __init__(
        self,
        settings: TalonSettings,
        *,
        http: requests.Session | None = None,
        circuit: CircuitBreaker | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.http = http or new_http_session(
            settings.pool_size, {"User-Agent": USER_AGENT, "Accept": "application/json"}
        )
        self.circuit = circuit or CircuitBreaker(
            settings.circuit_threshold, settings.circuit_cooldown
        )
        self._sleep = sleep

    # -- public -----------------------------------------------------------------------------

    def call(
        self,
        api: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
        timeout: tuple[float, float] | None = None,
        use_circuit: bool = True,
        retries: int | None = None,
        safe: bool = False,
    ) -> ApiResponse:
        """Send one logical call. ``safe=True`` marks a PUT/POST that changes nothing (a dry
        run), so it may be retried and its timeout is a plain TalonTimeout."""
        method = method.upper()
        request_id = uuid.uuid4().hex[:16]
        key = (
            self.settings.integration_key if api == INTEGRATION else self.settings.management_key
        )
        if not key:
            raise TalonUnauthorized(
                f"No {api} API key is configured (TALON_{api.upper()}_KEY)",
                request_id=request_id, method=method, path=path,
            )
        headers = {
            "Authorization": f"{_AUTH_SCHEMES[api]} {key}",
            "X-Request-ID": request_id,
        }
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        may_change = method not in _SAFE_METHODS and not safe
        retryable = not may_change or bool(idempotency_key)
        extra = self.settings.retries if retries is None else retries
        attempts = 1 + (extra if retryable else 0)
        url = self.settings.base_url + path
        query = clean_params(params)
        timeouts = timeout or (self.settings.connect_timeout, self.settings.read_timeout)

        if use_circuit and not self.circuit.allow():
            snap = self.circuit.snapshot()
            log.warning(
                "talon request_id=%s %s %s skipped: circuit %s (retry in %.1fs)",
                request_id, method, path, snap.state, snap.retry_in,
            )
            raise TalonCircuitOpen(
                f"Talon.One calls are paused for {snap.retry_in:.0f} s after "
                f"{snap.consecutive_failures} consecutive failures",
                request_id=request_id, method=method, path=path, retry_after=snap.retry_in,
            )

        settled = False
        maybe_applied = False  # did an earlier attempt of this change go out unanswered?
        try:
            for attempt in range(1, attempts + 1):
                outcome = self._attempt(
                    method, url, path, query, json, headers, timeouts, request_id, attempt,
                    retryable, may_change,
                )
                if isinstance(outcome, ApiResponse):
                    if use_circuit:
                        self.circuit.record_success()
                    settled = True
                    return outcome
                failure = outcome
                if maybe_applied and not isinstance(failure.error, TalonOutcomeUnknown) and (
                    failure.error.status is None or failure.error.status >= 500
                ):
                    failure.error = TalonOutcomeUnknown(
                        "An earlier try of this change got no answer and this one failed; "
                        "it may have happened",
                        status=failure.error.status, request_id=request_id, method=method,
                        path=path,
                    )
                maybe_applied = maybe_applied or isinstance(failure.error, TalonOutcomeUnknown)
                last_attempt = attempt == attempts
                if not failure.retry or last_attempt:
                    if use_circuit:
                        if failure.upstream_failure:
                            self.circuit.record_failure()
                        else:
                            self.circuit.record_success()
                    settled = True
                    raise failure.error
                wait = failure.wait
                if wait is None:
                    wait = self.settings.backoff * (2 ** (attempt - 1))
                self._sleep(wait)
            raise AssertionError("unreachable")  # pragma: no cover
        finally:
            if use_circuit and not settled:
                # an unexpected local exception: tells nothing about upstream
                self.circuit.release_trial()

    # -- one attempt ------------------------------------------------------------------------

    def _attempt(
        self, method, url, path, query, body, headers, timeouts, request_id, attempt,
        retryable, may_change,
    ) -> ApiResponse | _Failure:
        ctx = dict(request_id=request_id, method=method, path=path)
        started = time.perf_counter()
        try:
            resp = send(self.http, prepare(self.http, method, url, query, body, headers), timeouts)
        except requests.ConnectionError as exc:
            ms = (time.perf_counter() - started) * 1000
            not_sent = _sent_nothing(exc)
            self._log(request_id, attempt, method, path, "no connection", ms, warn=True)
            if may_change and not not_sent:
                return _Failure(
                    TalonOutcomeUnknown(
                        "The connection to Talon.One broke after the change was sent; "
                        "it may have happened", **ctx,
                    ),
                    retry=retryable,
                )
            return _Failure(
                TalonUnavailable("Talon.One could not be reached", **ctx), retry=retryable
            )
        except requests.Timeout:  # read timeout (connect timeouts are ConnectionErrors above)
            ms = (time.perf_counter() - started) * 1000
            self._log(request_id, attempt, method, path, "timeout", ms, warn=True)
            if retryable:
                error: TalonError = TalonTimeout(
                    f"Talon.One did not answer within {timeouts[1]:g} s", **ctx
                )
                if may_change:
                    # an idempotent change whose last try timed out: it may still have happened
                    error = TalonOutcomeUnknown(
                        f"Talon.One did not answer within {timeouts[1]:g} s; the change "
                        "may have happened", **ctx,
                    )
                return _Failure(error, retry=True)
            return _Failure(
                TalonOutcomeUnknown(
                    f"Talon.One did not answer within {timeouts[1]:g} s; the change may have "
                    "happened", **ctx,
                ),
                retry=False,
            )
        except requests.RequestException as exc:
            # invalid URL, too many redirects, ...: a configuration problem, not an outage
            ms = (time.perf_counter() - started) * 1000
            self._log(request_id, attempt, method, path, type(exc).__name__, ms, warn=True)
            return _Failure(
                TalonUnavailable(f"Request to Talon.One failed: {type(exc).__name__}", **ctx),
                retry=False,
            )

        ms = (time.perf_counter() - started) * 1000
        status = resp.status_code
        self._log(request_id, attempt, method, path, status, ms, warn=status >= 400)
        if status < 400:
            return self._decode_success(resp, ctx)
        return self._failure_for(resp, ctx, retryable, may_change)

    def _decode_success(self, resp: requests.Response, ctx: dict) -> ApiResponse | _Failure:
        if resp.status_code == 204 or not resp.content:
            return ApiResponse(resp.status_code, None, ctx["request_id"])
        try:
            data = json_body(resp)
        except ValueError:
            return _Failure(
                TalonMalformedResponse(
                    "Talon.One answered with a body that is not valid JSON",
                    status=resp.status_code, **ctx,
                ),
                retry=False,
            )
        return ApiResponse(resp.status_code, data, ctx["request_id"])

    def _failure_for(
        self, resp: requests.Response, ctx: dict, retryable: bool, may_change: bool
    ) -> _Failure:
        status = resp.status_code
        try:
            body = json_body(resp) if resp.content else None
        except ValueError:
            body = None
        message = ""
        if isinstance(body, dict):
            message = str(body.get("message") or body.get("Message") or "")
        cls = error_class_for_status(status)
        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        error_kwargs = dict(
            status=status, field_errors=_field_errors(body), retry_after=retry_after, **ctx
        )
        if status == 504 and may_change:
            # a gateway gave up waiting for Talon.One, which may still have applied the change
            error: TalonError = TalonOutcomeUnknown(
                message or "Talon.One's gateway timed out; the change may have happened",
                **error_kwargs,
            )
        else:
            error = cls(message or f"{cls.headline} (HTTP {status})", **error_kwargs)

        upstream_failure = status >= 500
        if not retryable or status not in _RETRYABLE_STATUSES:
            return _Failure(error, retry=False, upstream_failure=upstream_failure)
        if retry_after is not None and retry_after > self.settings.retry_after_max:
            # waiting that long would hold a page hostage; let the caller say "try later"
            if status == 429:
                error = TalonRateLimited(
                    message or f"Talon.One asks us to wait {retry_after:.0f} s",
                    **error_kwargs,
                )
            return _Failure(error, retry=False, upstream_failure=upstream_failure)
        return _Failure(error, retry=True, wait=retry_after, upstream_failure=upstream_failure)

    @staticmethod
    def _log(request_id, attempt, method, path, status, ms, warn=False) -> None:
        log.log(
            logging.WARNING if warn else logging.INFO,
            "talon request_id=%s attempt=%d %s %s status=%s duration_ms=%.1f",
            request_id, attempt, method, path, status, ms,
        )
