"""The transport: the only place that does HTTP to Talon.One.

One ``requests.Session`` per Talon service (one per process in production), with a connection
pool sized by TALON_POOL_SIZE so the worker's threads and the fan-out pool do not queue for
connections. Every call gets connect and read timeouts, a User-Agent naming Talon Desk, a request
ID that is sent as ``X-Request-ID`` and logged with method, path, status and duration, and the
right Authorization scheme for its API. Keys live only in the Authorization header and are never
logged or put into an error.

Retries cannot double anything (the rules are in attempts.py):
- GETs, dry runs and a call that carries an Idempotency-Key (which Talon.One honours for returns)
  retry on connection errors, timeouts, 502/503/504 and 429, with exponential backoff, waiting
  out a Retry-After up to TALON_RETRY_AFTER_MAX;
- other PUT/POST/DELETE calls are sent exactly once. If their answer never arrives (read timeout,
  dropped connection, a gateway's 504) the change may have happened: TalonOutcomeUnknown.

Every attempt of a Management API call first takes a slot of its endpoint's budget (budget.py),
so neither pages nor retries ask for more than Talon.One's limit; a 429 blocks the endpoint for
its Retry-After, and the retry waits for that in the budget. Identical calls that change
nothing and are in flight at the same time are sent once (singleflight.py); a change makes
later reads start afresh.
"""

from __future__ import annotations

import logging
import os
import time
from importlib import metadata
from typing import Any, Callable, Mapping

import requests

from . import timing
from .budget import ManagementBudget, current_priority
from .circuit import CircuitBreaker
from .endpoints import management_endpoint
from .errors import TalonCircuitOpen, TalonOutcomeUnknown, TalonUnauthorized
from .http_session import new_http_session, send
from .attempts import (
    ApiResponse,
    Attempt,
    Failure,
    failure_from_exception,
    outcome_from_response,
)
from .settings import TalonSettings
from .singleflight import SingleFlight

log = logging.getLogger("app.talon")

INTEGRATION = "integration"
MANAGEMENT = "management"
AUTH_SCHEMES = {INTEGRATION: "ApiKey-v1", MANAGEMENT: "ManagementKey-v1"}
SAFE_METHODS = frozenset({"GET", "HEAD"})


def _version() -> str:
    try:
        return metadata.version("talon-desk")
    except metadata.PackageNotFoundError:  # running from a checkout without an install
        return "0.1.0"


USER_AGENT = f"TalonDesk/{_version()}"


def _query_value(value: Any) -> Any:
    """Talon.One expects lowercase booleans and RFC 3339 times in query strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, (list, tuple)):
        return [_query_value(v) for v in value]
    return value


def clean_params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not params:
        return None
    return {k: _query_value(v) for k, v in params.items() if v is not None}


class Transport:
    """Sends one logical call (with its retries) and returns the decoded JSON body."""

    def __init__(
        self,
        settings: TalonSettings,
        *,
        http: requests.Session | None = None,
        circuit: CircuitBreaker | None = None,
        sleep: Callable[[float], None] = time.sleep,
        budget: ManagementBudget | None = None,
        flights: SingleFlight | None = None,
    ) -> None:
        self.settings = settings
        self.http = http or new_http_session(
            settings.pool_size, {"User-Agent": USER_AGENT, "Accept": "application/json"},
            proxy=settings.proxy, ca_bundle=settings.ca_bundle,
        )
        self.circuit = circuit or CircuitBreaker(
            settings.circuit_threshold, settings.circuit_cooldown
        )
        self._sleep = sleep
        #: Talon.One's per-endpoint Management limit, shared by every process (None: no budget)
        self.budget = budget
        self.flights = flights or SingleFlight()
        keys = {INTEGRATION: settings.integration_key, MANAGEMENT: settings.management_key}
        self._authorization = {
            api: f"{AUTH_SCHEMES[api]} {key}" for api, key in keys.items() if key
        }

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
        """Send one logical call to ``path`` of the ``api`` ("integration" | "management").

        ``safe=True`` marks a PUT/POST that changes nothing (a dry run): it may be retried and
        its timeout is a plain TalonTimeout. ``use_circuit=False`` and ``retries`` are for the
        health probe."""
        method = method.upper()
        may_change = method not in SAFE_METHODS and not safe
        if may_change:
            # later reads must not join one that started before this change
            self.flights.forget()
            return self._call(api, method, path, params, json, idempotency_key, timeout,
                              use_circuit, retries, safe)
        key = (api, method, path, repr(sorted((params or {}).items())), repr(json),
               current_priority(), use_circuit, retries, timeout)
        return self.flights.run(key, lambda: self._call(
            api, method, path, params, json, idempotency_key, timeout, use_circuit, retries, safe))

    def _call(self, api, method, path, params, json, idempotency_key, timeout, use_circuit,
              retries, safe) -> ApiResponse:
        request_id = os.urandom(8).hex()
        authorization = self._authorization.get(api)
        if authorization is None:
            raise TalonUnauthorized(
                f"No {api} API key is configured (TALON_{api.upper()}_KEY)",
                request_id=request_id, method=method, path=path,
            )
        headers = {"Authorization": authorization, "X-Request-ID": request_id}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        may_change = method not in SAFE_METHODS and not safe
        timeouts = timeout or (self.settings.connect_timeout, self.settings.read_timeout)
        attempt = Attempt(
            request_id, method, path, retryable=not may_change or bool(idempotency_key),
            may_change=may_change, read_timeout=timeouts[1],
            retry_after_max=self.settings.retry_after_max,
        )
        if use_circuit and not self.circuit.allow():
            self._fail_fast(attempt)
        extra = self.settings.retries if retries is None else retries
        url = self.settings.base_url + path
        query = clean_params(params)

        budgeted = api == MANAGEMENT and self.budget is not None and self.budget.enabled
        endpoint = management_endpoint(method, path) if budgeted else None

        def send_once(number: int) -> ApiResponse | Failure:
            if endpoint:
                self.budget.acquire(endpoint, f"request_id={request_id}")
            outcome = self._send(attempt, number, url, query, json, headers, timeouts)
            if endpoint and isinstance(outcome, Failure) and outcome.error.status == 429:
                self.budget.refused_upstream(endpoint, outcome.error.retry_after)
                if outcome.retry:
                    outcome.wait = 0.0  # the next attempt waits out Retry-After in the budget
            return outcome

        try:
            with timing.upstream_call():
                response = self._with_retries(attempt, send_once, extra)
        except _UpstreamFailed as failed:
            if use_circuit:
                self.circuit.record_failure()
            raise failed.error from None
        except _UpstreamAnswered as answered:
            if use_circuit:
                self.circuit.record_success()
            raise answered.error from None
        except BaseException:
            if use_circuit:
                self.circuit.release_trial()  # a local error tells nothing about upstream
            raise
        if use_circuit:
            self.circuit.record_success()
        return response

    # -- retries ----------------------------------------------------------------------------

    def _with_retries(
        self, attempt: Attempt, send_once: Callable[[int], ApiResponse | Failure], extra: int
    ) -> ApiResponse:
        attempts = 1 + (extra if attempt.retryable else 0)
        maybe_applied = False  # did an earlier try of this change go out unanswered?
        for number in range(1, attempts + 1):
            outcome = send_once(number)
            if isinstance(outcome, ApiResponse):
                return outcome
            if maybe_applied:
                _keep_outcome_unknown(outcome, attempt)
            maybe_applied = maybe_applied or isinstance(outcome.error, TalonOutcomeUnknown)
            if not outcome.retry or number == attempts:
                wrapper = _UpstreamFailed if outcome.upstream_failure else _UpstreamAnswered
                raise wrapper(outcome.error)
            wait = outcome.wait
            if wait is None:
                wait = self.settings.backoff * (2 ** (number - 1))
            if wait > 0:
                self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _fail_fast(self, attempt: Attempt) -> None:
        snap = self.circuit.snapshot()
        log.warning(
            "talon request_id=%s %s %s skipped: circuit %s (retry in %.1fs)",
            attempt.request_id, attempt.method, attempt.path, snap.state, snap.retry_in,
        )
        raise TalonCircuitOpen(
            f"Talon.One calls are paused for {snap.retry_in:.0f} s after "
            f"{snap.consecutive_failures} consecutive failures",
            retry_after=snap.retry_in, **attempt.where(),
        )

    # -- one attempt ------------------------------------------------------------------------

    def _send(
        self, attempt: Attempt, number: int, url: str, query, body, headers, timeouts
    ) -> ApiResponse | Failure:
        started = time.perf_counter()
        try:
            resp = send(self.http, attempt.method, url, query, body, headers, timeouts)
        except requests.RequestException as exc:
            self._log(attempt, number, _exception_label(exc), started, warn=True)
            return failure_from_exception(exc, attempt)
        self._log(attempt, number, resp.status_code, started, warn=resp.status_code >= 400)
        return outcome_from_response(resp, attempt)

    @staticmethod
    def _log(attempt: Attempt, number: int, status: Any, started: float, warn: bool) -> None:
        level = logging.WARNING if warn else logging.INFO
        if log.isEnabledFor(level):
            log.log(
                level, "talon request_id=%s desk_request=%s attempt=%d %s %s status=%s "
                "duration_ms=%.1f",
                attempt.request_id, timing.request_id(), number, attempt.method, attempt.path, status,
                (time.perf_counter() - started) * 1000,
            )


class _UpstreamFailed(Exception):
    """Carries a final error that counts against the circuit (no answer, 5xx)."""

    def __init__(self, error) -> None:
        self.error = error


class _UpstreamAnswered(Exception):
    """Carries a final error that proves upstream is up (4xx, 429)."""

    def __init__(self, error) -> None:
        self.error = error


def _keep_outcome_unknown(outcome: Failure, attempt: Attempt) -> None:
    """An earlier try of this change went out unanswered; a later failure without a definite
    answer (no response, 5xx) cannot prove it did not happen."""
    error = outcome.error
    if isinstance(error, TalonOutcomeUnknown) or (error.status is not None and error.status < 500):
        return
    outcome.error = TalonOutcomeUnknown(
        "An earlier try of this change got no answer and this one failed; it may have happened",
        status=error.status, **attempt.where(),
    )


def _exception_label(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, requests.ConnectionError):
        return "no connection"
    if isinstance(exc, requests.Timeout):
        return "timeout"
    return type(exc).__name__
