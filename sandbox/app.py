"""The sandbox's WSGI application: routing, Talon.One authentication, errors, faults, latency.

    create_sandbox_app(store=None, db=None, seed="demo", control=True, latency_ms=0, keys=None,
                       management_rate_limit=0)

Integration endpoints take `Authorization: ApiKey-v1 <key>`, Management endpoints
`ManagementKey-v1 <key>`; anything else is a 401 with Talon.One's error body. Every error,
expected or not, is a JSON error body; an unexpected one is logged and answered 500.
Management endpoints take at most `management_rate_limit` requests per second each (0: no
limit), as Talon.One's do (sandbox/ratelimit.py).
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass

from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed as RouteMethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.wrappers import Request, Response

from sandbox.api import control, integration, management
from sandbox.api.context import APPLICATION_SETTINGS, Context
from sandbox.api.routing import CONTROL, INTEGRATION, MANAGEMENT, OPEN, Routes
from sandbox.errors import MethodNotAllowed, NotFound, SandboxError, TooManyRequests, Unauthorized, error_body
from sandbox.faults import FaultPlan
from sandbox.ratelimit import ManagementRateLimit
from sandbox.requestlog import RequestLog, body_items
from sandbox.store import Store
from sandbox.validate import warm_up

log = logging.getLogger("sandbox")

DEFAULT_INTEGRATION_KEY = "sandbox-integration-key"
DEFAULT_MANAGEMENT_KEY = "sandbox-management-key"
AUTH_PREFIX = {INTEGRATION: "ApiKey-v1", MANAGEMENT: "ManagementKey-v1"}


@dataclass(frozen=True)
class Keys:
    integration: str
    management: str

    @classmethod
    def from_environment(cls) -> "Keys":
        return cls(os.environ.get("SANDBOX_INTEGRATION_KEY") or DEFAULT_INTEGRATION_KEY,
                   os.environ.get("SANDBOX_MANAGEMENT_KEY") or DEFAULT_MANAGEMENT_KEY)


def _all_routes() -> Routes:
    combined = Routes()
    for part in (integration.routes, management.routes, control.routes):
        combined.rules.extend(part.rules)
        combined.operations.update(part.operations)
    return combined


ROUTES = _all_routes()


class SandboxContext(Context):
    """The handlers' context, plus what the control endpoints act on."""

    def __init__(self, store: Store, faults: FaultPlan, request_log: RequestLog,
                 rate_limit: ManagementRateLimit) -> None:
        super().__init__(store)
        self.faults = faults
        self.request_log = request_log
        self.rate_limit = rate_limit

    def reset(self) -> None:
        self.faults.clear()  # first: a held request lands before the reset, never after it
        self.store.reset()
        self.application = dict(APPLICATION_SETTINGS)
        self.request_log.clear()
        self.rate_limit.reset()


def json_response(status: int, body, headers: dict | None = None) -> Response:
    if body is None:
        return Response(status=status, headers=headers)
    return Response(json.dumps(body, separators=(",", ":")), status=status, headers=headers,
                    content_type="application/json")


class SandboxApp:
    def __init__(self, store: Store, keys: Keys, *, control_enabled: bool, latency_ms: float = 0.0,
                 management_rate_limit: int = 0) -> None:
        self.store = store
        self.keys = keys
        self.faults = FaultPlan(latency_ms)
        self.request_log = RequestLog()
        self.rate_limit = ManagementRateLimit(management_rate_limit)
        self.context = SandboxContext(store, self.faults, self.request_log, self.rate_limit)
        self.urls = ROUTES.map(include_control=control_enabled)
        # The request schemas come from talon-openapi.json (sandbox/validate.py): read them now.
        warm_up(ROUTES.operations)

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        is_api = not request.path.startswith("/sandbox/")
        fault = retry_after = None
        if is_api:
            started = self.request_log.arrived()
            retry_after = self._over_rate_limit(request)  # counted on arrival, as a gateway does
            delay = self.faults.latency_seconds()
            if delay:
                time.sleep(delay)
            if retry_after is None:
                fault = self.faults.fault_for(request.method, request.path)
        if retry_after is not None:
            response = json_response(429, TooManyRequests(
                f"More than {self.rate_limit.per_second} requests per second to "
                f"{request.method} {request.path}'s endpoint; retry after {retry_after} s",
                message="Too many requests").body(), {"Retry-After": str(retry_after)})
        elif fault is not None and fault.status:
            response = self._fault_response(fault)
        else:
            if fault is not None and fault.sleep_seconds:
                self.faults.hold(fault.sleep_seconds)
            response = self._handle(request)
            if fault is not None and fault.malformed:
                response.set_data(b'{"effects": [{"campaignId": 1, "effe')
        if is_api:
            self.request_log.add(request.method, request.path, request.query_string.decode("latin-1"),
                                 response.status_code, request.headers.get("Idempotency-Key"),
                                 started=started, items=body_items(request))
        if fault is not None and fault.sleep_seconds:
            self.faults.answered()
        return response

    @staticmethod
    def _fault_response(fault) -> Response:
        headers = {"Retry-After": str(int(fault.retry_after))} if fault.retry_after is not None else None
        body = error_body(fault.status, "Injected fault", "Injected fault",
                          f"The sandbox was told to answer {fault.status} here (POST /sandbox/faults)")
        return json_response(fault.status, body, headers)

    def _over_rate_limit(self, request: Request) -> int | None:
        """The Retry-After for a Management request beyond its endpoint's limit, else None.
        Requests without the Management key are left to authentication (a 401)."""
        try:
            rule, _ = self.urls.bind_to_environ(request.environ).match(return_rule=True)
        except HTTPException:
            return None
        if ROUTES.operations[rule.endpoint].auth != MANAGEMENT:
            return None
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme != AUTH_PREFIX[MANAGEMENT] or key.strip() != self.keys.management:
            return None
        return self.rate_limit.admit(f"{request.method} {spec_template(rule.rule)}", key.strip())

    def _handle(self, request: Request) -> Response:
        adapter = self.urls.bind_to_environ(request.environ)
        try:
            try:
                endpoint, arguments = adapter.match()
            except RouteNotFound:
                raise NotFound(f"No operation at {request.method} {request.path}", resource=request.path) from None
            except RouteMethodNotAllowed as exc:
                raise MethodNotAllowed(f"{request.method} is not allowed on {request.path}; "
                                       f"allowed: {', '.join(sorted(exc.valid_methods or []))}") from None
            operation = ROUTES.operations[endpoint]
            self._authenticate(request, operation.auth)
            status, body = operation.handler(self.context, request, **arguments)
            return json_response(status, body)
        except SandboxError as exc:
            return json_response(exc.status, exc.body())
        except Exception:  # a bug: still Talon.One's error body, and a traceback in the log
            log.exception("unexpected error in %s %s", request.method, request.path)
            return json_response(500, error_body(500, "Internal error", "Internal error",
                                                 "The sandbox failed unexpectedly; see its log"))

    def _authenticate(self, request: Request, auth: str) -> None:
        if auth in (OPEN, CONTROL):
            return
        expected_key = self.keys.integration if auth == INTEGRATION else self.keys.management
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme != AUTH_PREFIX[auth] or key.strip() != expected_key:
            raise Unauthorized(
                f"{'Integration' if auth == INTEGRATION else 'Management'} endpoints need "
                f"'Authorization: {AUTH_PREFIX[auth]} <key>' with a valid key", resource="Authorization")


def create_sandbox_app(store: Store | None = None, *, db: str | None = None, seed: str = "demo",
                       control: bool = True, latency_ms: float = 0.0, keys: Keys | None = None,
                       management_rate_limit: int = 0) -> SandboxApp:
    """The WSGI app over `store`, or over a new store seeded with `seed` ("demo" or "empty")."""
    if store is None:
        from sandbox.seeding import open_seeded_store
        store = open_seeded_store(db, seed)
    return SandboxApp(store, keys or Keys.from_environment(), control_enabled=control, latency_ms=latency_ms,
                      management_rate_limit=management_rate_limit)


def spec_template(rule: str) -> str:
    """A route rule in the spec's notation: /v1/audiences/<audienceId> -> /v1/audiences/{audienceId}."""
    return rule.replace("<", "{").replace(">", "}")
