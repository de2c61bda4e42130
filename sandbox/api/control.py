"""The sandbox's own endpoints: health always; reset, faults and the request log with --control."""
from __future__ import annotations

import json
import time

from werkzeug.wrappers import Request

from sandbox.api.routing import CONTROL, OPEN, Routes
from sandbox.errors import InvalidRequest
from sandbox.validate import validate

routes = Routes()


def _plan(request: Request) -> dict:
    """A control body: a JSON object, or nothing (read as {})."""
    raw = request.get_data(cache=True)
    try:
        plan = json.loads(raw) if raw.strip() else {}
    except ValueError as exc:
        raise InvalidRequest(f"The body is not valid JSON: {exc}") from None
    if not isinstance(plan, dict):
        raise InvalidRequest("The body must be a JSON object")
    return plan


@routes.add("GET", "/sandbox/health", OPEN)
def health(ctx, request: Request):
    return 200, {"status": "ok"}


@routes.add("POST", "/sandbox/reset", CONTROL)
def reset(ctx, request: Request):
    started = time.perf_counter()
    ctx.reset()
    return 200, {"reset": True, "ms": round((time.perf_counter() - started) * 1000, 2)}


@routes.add("POST", "/sandbox/faults", CONTROL)
def set_faults(ctx, request: Request):
    plan = _plan(request)
    if not plan:
        ctx.faults.clear()
        return 200, ctx.faults.describe()
    return 200, ctx.faults.configure(plan)


@routes.add("POST", "/sandbox/faults/release", CONTROL)
def release_held_requests(ctx, request: Request):
    """Requests held by a timeout rule are answered now; returns once they are."""
    return 200, {"released": ctx.faults.release()}


@routes.add("GET", "/sandbox/faults", CONTROL)
def get_faults(ctx, request: Request):
    return 200, ctx.faults.describe()


@routes.add("GET", "/sandbox/requests", CONTROL)
def requests_since_reset(ctx, request: Request):
    return 200, {"requests": ctx.request_log.entries()}


@routes.add("POST", "/sandbox/rate-limit", CONTROL)
def set_rate_limit(ctx, request: Request):
    """The Management API limit (sandbox/ratelimit.py): ``{"managementPerSecond": 3}`` (0: off),
    ``{"clock": "manual"}`` then ``{"advanceSeconds": 1}`` to move time by hand, ``"real"`` back.
    A reset returns to the limit the sandbox was started with."""
    return 200, ctx.rate_limit.configure(_plan(request))


@routes.add("GET", "/sandbox/rate-limit", CONTROL)
def get_rate_limit(ctx, request: Request):
    """The limit, the clock, and per Management endpoint the requests, the refused ones and the
    most that arrived within one second since the last reset."""
    return 200, ctx.rate_limit.describe()


# Spec, Application: timezone and currency are strings of at least one character.
APPLICATION_SCHEMA = {
    "type": "object",
    "properties": {"timezone": {"type": "string", "minLength": 1},
                   "currency": {"type": "string", "minLength": 1}},
    "additionalProperties": False,
}


@routes.add("POST", "/sandbox/application", CONTROL)
def set_application(ctx, request: Request):
    """The Application's time zone and currency as getApplication answers them, e.g.
    ``{"timezone": "Asia/Tokyo", "currency": "JPY"}``, until the next reset."""
    plan = _plan(request)
    validate(plan, APPLICATION_SCHEMA)
    ctx.application.update(plan)
    return 200, dict(ctx.application)
