"""Error pages: one full page and one htmx fragment (with a retry button for GETs) for every
error status. No stack trace ever reaches the browser."""

from __future__ import annotations

import logging

from flask import Flask, Response, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import htmx
from .talon.errors import TalonError
from .talon_failures import read_message, status_for
from .templating import wants_partial
from .upload_limits import limits as bulk_limits, size_text

log = logging.getLogger(__name__)

ERROR_TEXT: dict[int, tuple[str, str]] = {
    400: ("Bad request", "The request could not be used. Reload the page and try again."),
    403: ("Not allowed", "Your account may not do this."),
    404: ("Not found", "There is nothing at this address. Check the ID and try the search box."),
    405: ("Not allowed here", "This address does not accept that kind of request."),
    413: ("Too large", "The upload is larger than the console takes in one request."),
    429: ("Too many attempts", "Too many requests from your address. Wait a minute, then try again."),
    500: ("Something went wrong", "The error was logged. Try again, or tell an administrator."),
    502: ("Talon.One did not answer properly", "Talon.One could not be reached or sent an error. Try again shortly."),
}

# Where htmx puts the error of a failed action (POST...), instead of replacing the form the
# user filled in. Section loads (GET) are replaced in place by the fragment with its retry.
ALERT_TARGET = "#htmx-alerts"

FALLBACK_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Error</title>"
    "<h1>{status} {title}</h1><p>{message}</p><p><a href=\"/\">Talon Desk</a></p></html>"
)


def render_error(status: int, title: str | None = None, message: str | None = None,
                 retry_after: float | None = None) -> Response:
    default_title, default_message = ERROR_TEXT.get(status, ERROR_TEXT[500 if status >= 500 else 400])
    context = {
        "status": status,
        "title": title or default_title,
        "message": message or default_message,
        "retry_url": request.full_path.rstrip("?") if htmx and request.method == "GET" else None,
        "retry_after": retry_after,
    }
    template = "errors/_error.html" if wants_partial() else "errors/error.html"
    try:
        body = render_template(template, **context)
    except Exception:  # the page itself failed (database down...): a plain page, still no trace
        log.exception("error page %s could not be rendered", status)
        body = FALLBACK_PAGE.format(status=status, title=context["title"], message=context["message"])
    response = make_response(body, status)
    if htmx and request.method != "GET":
        response.headers["HX-Retarget"] = ALERT_TARGET
        response.headers["HX-Reswap"] = "innerHTML"
    if retry_after:
        response.headers["Retry-After"] = str(max(1, int(retry_after)))
    return response


def _custom_description(error: HTTPException) -> str | None:
    """abort(403, description="...") text, but not werkzeug's generic descriptions."""
    if error.description and error.description != type(error).description:
        return error.description
    return None


def handle_http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if isinstance(error.response, Response):
        return error.response  # made for this error by whoever raised it (a login throttle)
    message = _custom_description(error) if error.code != 429 else None
    if error.code == 413 and message is None:
        message = ("The upload is larger than the console takes in one request: a list or CSV file "
                   f"may have at most {size_text(bulk_limits()[0])}. Split it into smaller files.")
    return render_error(error.code, message=message, retry_after=getattr(error, "retry_after", None))


def handle_csrf_error(error: CSRFError):
    return render_error(400, "The form has expired",
                        f"{error.description} Reload the page and try again.")


def handle_internal_error(error: InternalServerError):
    # Flask has already logged the original exception with its traceback.
    return render_error(500)


def handle_talon_error(error: TalonError):
    """A Talon.One failure no view turned into a message of its own: its status and words are
    the same as everywhere else (app.talon_failures), never Talon.One's raw 5xx text."""
    log.warning("unhandled Talon.One error on %s %s: %r", request.method, request.path, error)
    response = render_error(status_for(error), error.headline, read_message(error))
    if error.retry_after:  # the message says when; the header tells clients that care
        response.headers["Retry-After"] = str(max(1, int(error.retry_after)))
    return response


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(InternalServerError, handle_internal_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(TalonError, handle_talon_error)
