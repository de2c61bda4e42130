"""Defaults that protect every route, including the ones other areas add later:
login required unless the endpoint is on a short public list, and security headers on every
response."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from .auth.session import unauthorized

# Everything else needs a logged-in user. Static files have no secrets and the login page must
# load its CSS; /healthz is for load balancers and reports no data.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "main.healthz", "static"})

# Scripts and styles only from our own origin: no inline code, no eval. htmx runs under this
# because base.html turns off its inline indicator styles, eval and script tags (htmx-config).
# img-src allows data: for the SVG icons inside Pico CSS.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def is_static(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def is_public(endpoint: str | None) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or is_static(endpoint)


def require_login():
    """Default deny. Unknown URLs also send an anonymous visitor to the login page, so the
    route map cannot be probed without an account."""
    if is_public(request.endpoint) or current_user.is_authenticated:
        return None
    return unauthorized()


def add_security_headers(response: Response) -> Response:
    """Each header unless the view set its own. The names the response has are read once and
    the missing headers added together: a setdefault per header searched the list of headers
    two or three times each (issue 19: 75 -> 29 us a response)."""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    missing = [(name, value) for name, value in SECURITY_HEADERS.items() if name.lower() not in present]
    if not is_static(request.endpoint):
        # Pages show customer data: keep them out of shared and browser caches, and tell
        # caches that htmx requests get different (partial) answers.
        if "cache-control" not in present:
            missing.append(("Cache-Control", "no-store"))
        response.vary.update(("HX-Request", "Cookie"))  # one rewrite of Vary, not one per name
    if current_app.config.get("SEND_HSTS") and "strict-transport-security" not in present:
        missing.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    headers.extend(missing)
    return response


def init_security(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXY_COUNT"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.before_request(require_login)
    app.after_request(add_security_headers)
