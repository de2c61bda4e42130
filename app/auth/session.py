"""Flask-Login wiring: the user loader that makes logins revocable on the server, what an
anonymous request gets, and the safe `next` redirect."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, Response, redirect, request, url_for

from ..extensions import htmx, login_manager
from .accounts import user_for_login


NEXT_MAX = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no protocol-relative //), else home. No
    control characters either: a CR or LF would split the Location header (and werkzeug
    refuses to send one), and browsers drop tabs and newlines from URLs, so "/\t/evil.example"
    would leave the site."""
    if target and len(target) <= NEXT_MAX and not _CONTROL.search(target):
        parts = urlsplit(target)
        if (not parts.scheme and not parts.netloc and target.startswith("/")
                and not target.startswith("//") and "\\" not in target):
            return target
    return url_for("main.home")


def login_url_for_current_page() -> str:
    if htmx and htmx.current_url:
        # For a section request, come back to the page the user was on, not to the fragment.
        parts = urlsplit(htmx.current_url)
        here = parts.path + (f"?{parts.query}" if parts.query else "")
    else:
        here = request.full_path.rstrip("?")
    if here in ("/", "") or here.startswith("/login"):
        return url_for("auth.login")
    return url_for("auth.login", next=here)


def unauthorized() -> Response:
    target = login_url_for_current_page()
    if htmx:
        # htmx would follow a redirect inside XHR and swap the login page into a section;
        # HX-Redirect makes the browser navigate instead.
        response = Response(status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(user_for_login)
    login_manager.unauthorized_handler(unauthorized)
