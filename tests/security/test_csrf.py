"""CSRF: a POST without the token gets 400 and changes nothing; htmx sends it as a header."""

from __future__ import annotations

import json
import re

import pytest
from flask_login import login_required

from tests.web.helpers import audit_rows, page_csrf


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


def add_changing_route(app):
    """A POST route that records an audit entry: proof of whether a request got through."""
    from app.audit_log import record

    @login_required
    def change():
        record("probe.change", "probe", "1")
        return "changed"

    app.add_url_rule("/probe/change", "probe_change", change, methods=["POST"])


# The probe route, added to the worker's app for this module before its first request.
pytestmark = pytest.mark.app_routes.with_args(add_changing_route)


@pytest.fixture
def changing_route(app):
    return "/probe/change"


def test_post_without_token_is_refused_and_changes_nothing(changing_route, login_as, app):
    client = login_as("agent")
    response = client.post(changing_route)
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert audit_rows(app, action="probe.change") == []


def test_post_with_a_wrong_token_is_refused(changing_route, login_as, app):
    client = login_as("agent")
    response = client.post(changing_route, headers={"X-CSRFToken": "forged"})
    assert response.status_code == 400
    assert audit_rows(app, action="probe.change") == []


def test_post_with_the_token_from_another_session_is_refused(changing_route, login_as, app):
    mallory = login_as("marketer")
    victim = login_as("agent")
    response = victim.post(changing_route, headers={"X-CSRFToken": mallory.csrf})
    assert response.status_code == 400
    assert audit_rows(app, action="probe.change") == []


def test_the_header_htmx_sends_is_accepted(changing_route, login_as, app):
    client = login_as("agent")
    response = client.post(changing_route, headers={"X-CSRFToken": client.csrf, "HX-Request": "true"})
    assert response.status_code == 200
    assert len(audit_rows(app, action="probe.change")) == 1


def test_logout_without_token_keeps_the_user_logged_in(login_as):
    client = login_as("agent")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_login_without_token_does_not_log_in(client, app):
    response = client.post("/login", data={"username": "agent", "password": "demo"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302
    assert audit_rows(app, action="auth.login") == []


def test_every_page_carries_the_token_for_htmx_in_meta_and_body_headers(login_as):
    client = login_as("manager")
    page = client.get("/audit")
    html, token = page.get_data(as_text=True), page_csrf(page)
    body = re.search(r"<body hx-headers='([^']+)'>", html)
    assert body, "hx-headers missing on <body>"
    assert json.loads(body.group(1)) == {"X-CSRFToken": token}
