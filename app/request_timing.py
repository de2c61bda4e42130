"""Request timing and request IDs.

Every response carries ``Server-Timing: app;dur=<ms>, talon;dur=<ms>``: the console's whole time
on the request (from the first before_request to the last after_request), and the wall time
during which at least one Talon.One call of this request was in flight (app.talon.timing; the
overlapping calls of a fan-out count once). Browsers show both in their network panel. A
streamed page (app.streaming) sends its headers with the frame, before its content is built, so
it carries ``Server-Timing: frame;dur=<ms>`` (the time until the frame left) instead; the whole
request's duration is in the access log.

A request's ID: an incoming ``X-Request-ID`` (from a proxy or load balancer) is adopted when it is
short and plain (``[A-Za-z0-9._-]``, at most 64 characters); otherwise one is made up. It is kept
in ``flask.g.request_id``, written in the service layer's log lines (``desk_request=``) and sent
back in the response's ``X-Request-ID``.
"""

from __future__ import annotations

import os
import re
import time

from flask import Flask, Response, g, request

from .talon import timing as talon_timing

REQUEST_ID_HEADER = "X-Request-ID"
#: set in flask.g by app.streaming for a page whose content follows its headers
STREAMED_PAGE = "streamed_page"
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")


def valid_request_id(value: str | None) -> str | None:
    if value and REQUEST_ID_PATTERN.fullmatch(value):
        return value
    return None


def start_timing() -> None:
    g.request_started = time.perf_counter()
    g.request_id = valid_request_id(request.headers.get(REQUEST_ID_HEADER)) or os.urandom(8).hex()
    g.talon_timing_token = talon_timing.start(g.request_id)


def server_timing(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:
        return response
    total_ms = (time.perf_counter() - started) * 1000
    if g.get(STREAMED_PAGE):
        response.headers["Server-Timing"] = f"frame;dur={total_ms:.1f}"
    else:
        context = talon_timing.current()
        talon_ms = context.upstream_seconds * 1000 if context is not None else 0.0
        response.headers["Server-Timing"] = f"app;dur={total_ms:.1f}, talon;dur={talon_ms:.1f}"
    response.headers.setdefault(REQUEST_ID_HEADER, g.request_id)
    return response


def stop_timing(_exc: BaseException | None = None) -> None:
    token = g.pop("talon_timing_token", None)
    if token is not None:
        talon_timing.finish(token)


def init_timing(app: Flask) -> None:
    """Call first in create_app, so the timer starts before any other before_request (the login
    check may answer a request on its own) and its after_request runs last."""
    app.before_request(start_timing)
    app.after_request(server_timing)
    app.teardown_request(stop_timing)
