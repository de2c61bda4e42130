"""Pages that wait on Talon.One are sent in two parts: the page frame (head, header, search box)
at once, and the content when Talon.One has answered.

Why: a page that waits about one upstream round trip used to arrive all at once, and only then
could the browser unload the previous page, set up the new document, parse the (cached) CSS and
scripts and lay out the frame: 40-70 ms on the benchmark machine, on top of the wait (bench/
RESULTS.md, "Page speed"). With the frame sent first, the browser does that work while the
console waits for Talon.One, and the page is complete soon after the data arrives.

The view checks everything it can answer without Talon.One first (login, permission, a malformed
ID: those still get their own status), starts its Talon.One calls (talon.start_fan_out), and then
calls stream_page. The price of streaming: the status line leaves with the frame, before the
answers are known, so a well-formed ID that Talon.One does not know is a 200 page that says so,
and a failure while the content is built becomes an error panel inside the page (logged with the
request ID) rather than a 500. htmx requests for a section are not streamed: they are small and
keep their own statuses.
"""

from __future__ import annotations

import logging
import secrets
from functools import partial
from typing import Any, Callable

from flask import Flask, Response, current_app, g, render_template, request, stream_with_context
from markupsafe import Markup

from .request_timing import STREAMED_PAGE

log = logging.getLogger(__name__)

AFTER_RESPONSE = "after_response"

#: what the content part shows when building it failed (the frame has been sent with a 200)
CONTENT_FAILED = ("This page could not be completed",
                  "Something went wrong while the page was being built. The error was logged; "
                  "reload the page to try again, or tell an administrator.")


def stream_page(frame_template: str, content: Callable[[], str], **context: Any) -> Response:
    """Send ``frame_template`` (which places ``{{ content_slot }}`` where the content goes) at
    once, then ``content()``'s HTML and the rest of the frame.

    The frame is rendered here, in the view, so everything it does to the session (flashed
    messages shown, the CSRF token made) happens before the session cookie is written."""
    slot = f"<!--content-{secrets.token_hex(16)}-->"
    frame = render_template(frame_template, content_slot=Markup(slot), **context)
    head, found, tail = frame.partition(slot)
    if not found:
        raise RuntimeError(f"{frame_template} has no {{{{ content_slot }}}}")

    g.setdefault(STREAMED_PAGE, True)
    jobs = g.setdefault(AFTER_RESPONSE, [])

    @stream_with_context
    def body():
        yield head
        yield _content_or_panel(content) + tail

    response = Response(body(), mimetype="text/html")
    response.call_on_close(partial(_run_after_response, current_app._get_current_object(), jobs))
    return response


def after_response(job: Callable[[], Any]) -> None:
    """Run ``job`` once the whole page has been sent: bookkeeping the page does not need, such
    as the recently viewed list. A database commit takes several milliseconds, and the browser
    cannot finish the page before the response's last byte, so such work waits until then. It
    runs in an app context of its own (the request's is gone) and must not use the request.
    Only for the content of a page sent with stream_page (nothing else would run the job)."""
    jobs = g.get(AFTER_RESPONSE)
    if jobs is None:
        raise RuntimeError("after_response is for the content of a stream_page page")
    jobs.append(job)


def _run_after_response(app: Flask, jobs: list[Callable[[], Any]]) -> None:
    if not jobs:
        return
    with app.app_context():
        for job in jobs:
            try:
                job()
            except Exception:  # logged: the page is sent; nothing to tell but the log
                log.exception("work after a streamed response failed")


def _content_or_panel(content: Callable[[], str]) -> str:
    try:
        return content()
    except Exception:  # logged: the status is sent; the agent gets a panel, the log the trace
        log.exception("streamed content of %s failed (request %s)", request.path, g.get("request_id"))
        title, message = CONTENT_FAILED
        return render_template("errors/_content_failed.html", title=title, message=message,
                               request_id=g.get("request_id"))

