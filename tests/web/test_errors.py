"""Error pages and their htmx fragments: friendly text, the right status, never a stack trace."""

from __future__ import annotations

import pytest
from flask import abort

from app.talon.errors import TalonNotFound, TalonUnavailable


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


def add_failing_routes(app):
    """Test-only routes that fail in each way a view can."""

    def crash():
        raise RuntimeError("secret internals: /srv/app/db.py line 42")

    def talon_down():
        raise TalonUnavailable("Talon.One answered 503", status=503, retry_after=7)

    def talon_missing():
        raise TalonNotFound("customer session not found", status=404)

    def forbidden_action():
        abort(403, description="Managers cannot do that here.")

    app.add_url_rule("/fail/crash", "fail_crash", crash)
    app.add_url_rule("/fail/talon", "fail_talon", talon_down)
    app.add_url_rule("/fail/talon-missing", "fail_talon_missing", talon_missing)
    app.add_url_rule("/fail/forbidden", "fail_forbidden", forbidden_action, methods=["POST"])


# The failing routes, added to the worker's app for this module before its first request.
pytestmark = pytest.mark.app_routes.with_args(add_failing_routes)


@pytest.fixture
def failing(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # what production does: handlers, not tracebacks
    return app


def text(response) -> str:
    return response.get_data(as_text=True)


def test_500_is_a_page_without_the_traceback(failing, login_as):
    response = login_as("agent").get("/fail/crash")
    assert response.status_code == 500
    assert "Something went wrong" in text(response)
    assert "secret internals" not in text(response) and "Traceback" not in text(response)
    assert "<nav" in text(response)  # the full page, with the header


def test_500_fragment_for_htmx_has_a_retry_that_replaces_itself(failing, login_as):
    response = login_as("agent").get("/fail/crash?x=1", headers={"HX-Request": "true"})
    html = text(response)
    assert response.status_code == 500 and "<html" not in html
    assert 'hx-get="/fail/crash?x=1"' in html and 'hx-target="this"' in html
    assert 'hx-swap="outerHTML"' in html and "Try again" in html


def test_talon_error_becomes_a_502_with_its_headline_and_retry_after(failing, login_as):
    response = login_as("agent").get("/fail/talon")
    assert response.status_code == 502
    assert "Talon.One is unavailable" in text(response)
    assert response.headers["Retry-After"] == "7"
    fragment = login_as("agent").get("/fail/talon", headers={"HX-Request": "true"})
    assert fragment.status_code == 502 and 'class="inline-error"' in text(fragment)
    assert "Try again in 7 seconds" in text(fragment)


def test_talon_not_found_is_a_404(failing, login_as):
    response = login_as("agent").get("/fail/talon-missing")
    assert response.status_code == 404
    assert "Not found in Talon.One" in text(response)


def test_404_page_and_fragment(login_as):
    client = login_as("agent")
    page = client.get("/customers-that-do-not-exist")
    assert page.status_code == 404 and "There is nothing at this address" in text(page)
    fragment = client.get("/customers-that-do-not-exist", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and "<html" not in text(fragment)


def test_a_failed_htmx_action_shows_in_the_alert_area_not_over_the_form(failing, login_as):
    client = login_as("agent")
    response = client.post("/fail/forbidden", headers={"HX-Request": "true", "X-CSRFToken": client.csrf})
    assert response.status_code == 403
    assert response.headers["HX-Retarget"] == "#htmx-alerts"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert "Managers cannot do that here." in text(response)
    assert "hx-get" not in text(response)  # an action is not retried blindly


def test_400_for_a_stale_form(client):
    response = client.post("/login", data={"username": "agent", "password": "demo", "csrf_token": "old"})
    assert response.status_code == 400
    assert "The form has expired" in text(response) and "Reload the page" in text(response)


def test_405_uses_the_same_page(login_as):
    response = login_as("agent").delete("/", headers={"X-CSRFToken": "x"})
    assert response.status_code in (400, 405)  # CSRF is checked first on unsafe methods
    assert "<nav" in text(response)


def test_error_page_that_cannot_render_falls_back_to_plain_html(failing, login_as, monkeypatch):
    import app.errors as errors

    def broken(*args, **kwargs):
        raise RuntimeError("template engine down")

    client = login_as("agent")
    monkeypatch.setattr(errors, "render_template", broken)
    response = client.get("/fail/crash")
    assert response.status_code == 500
    assert "Something went wrong" in text(response) and "template engine" not in text(response)
