"""Security headers on every response, and HTML that works under the Content-Security-Policy."""

from __future__ import annotations

import json
import re

import pytest

from tests.security.test_login_required import concrete_path
from tests.web.helpers import page_csrf


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parts = [p.strip().split() for p in policy.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def assert_secure_headers(response, what: str) -> None:
    csp = csp_directives(response)
    for directive in ("script-src", "style-src"):
        sources = csp.get(directive) or csp["default-src"]
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, (what, directive)
    assert csp["script-src"] == ["'self'"], what
    assert csp["frame-ancestors"] == ["'none'"], what
    assert response.headers["X-Content-Type-Options"] == "nosniff", what
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), what
    assert response.headers["X-Frame-Options"] == "DENY", what


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.I)


def assert_csp_clean_html(html: str, what: str) -> None:
    assert not INLINE_SCRIPT.search(html), f"inline <script> in {what}"
    assert not INLINE_STYLE.search(html), f"inline style in {what}"
    assert not EVENT_HANDLER.search(html), f"inline event handler in {what}"


def read(response):
    """Consume and close the body: a streamed response (the CSV export) holds its app context
    until then, as it would in a real server."""
    response.get_data()
    response.close()
    return response


def sample_responses(app, client, login_as):
    """(label, response) for every kind of HTML answer the foundation gives."""
    yield "login page", client.get("/login")
    yield "redirect", client.get("/")
    yield "csrf 400", client.post("/login", data={"username": "x", "password": "y"})
    yield "healthz", client.get("/healthz")
    admin = login_as("admin")
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.endpoint.endswith("static"):
            path = concrete_path(rule)
            yield f"GET {path}", read(admin.get(path))
            yield f"htmx GET {path}", read(admin.get(path, headers={"HX-Request": "true"}))
    yield "404", admin.get("/no/such/page")
    yield "403", login_as("agent").get("/audit")
    yield "403 fragment", login_as("agent").get("/audit", headers={"HX-Request": "true"})


def test_every_response_carries_the_security_headers(app, client, login_as):
    seen = 0
    for label, response in sample_responses(app, client, login_as):
        assert_secure_headers(response, label)
        if response.mimetype == "text/html":
            assert_csp_clean_html(response.get_data(as_text=True), label)
        seen += 1
    assert seen >= 10


def test_static_files_carry_them_too(client):
    assert_secure_headers(client.get("/static/app.css"), "app.css")


def test_pages_with_staff_data_are_not_cached_and_vary_on_htmx(login_as):
    response = login_as("agent").get("/")
    assert response.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_is_configured_to_run_under_the_policy(client):
    html = client.get("/login").get_data(as_text=True)
    match = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert match, "htmx-config meta tag missing"
    config = json.loads(match.group(1))
    assert config["includeIndicatorStyles"] is False  # htmx would inject a <style> element
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["historyCacheSize"] == 0  # no customer data in localStorage
    # from our own origin, with its content version (app/assets.py)
    assert re.search(r'<script src="/static/vendor/htmx\.min\.js\?v=[0-9a-f]{10}"', html)


def test_session_cookie_is_httponly_and_samesite_lax(client):
    page = client.get("/login")
    client.post("/login", data={"username": "agent", "password": "demo", "csrf_token": page_csrf(page)})
    cookies = [c for c in client._cookies.values() if c.key == "talon_desk_session"]
    assert cookies, "no session cookie"
    assert cookies[0].http_only
    assert cookies[0].same_site == "Lax"
    assert not cookies[0].secure  # testing mode runs on plain http, like the demo


def test_production_sets_secure_cookies_and_hsts(monkeypatch, tmp_path):
    from tests.security.test_production_mode import make_production_app

    app = make_production_app(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    set_cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
