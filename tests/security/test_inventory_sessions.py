"""Logins end where the staff pages say they do, and nothing about a login is trusted from the
cookie alone. (The foundation's test_sessions.py covers logout, disabling by the accounts
module, rotation at login and expiry; these drive the admin pages and check every cookie.)"""

from __future__ import annotations

import pytest

from tests.faults.catalog import all_routes
from tests.faults.counts import count_checks
from tests.web.helpers import cookie_value

COOKIE = "talon_desk_session"


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


def replay(app, cookie: str):
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief


def test_disabling_on_the_admin_page_ends_every_login_of_that_user(app, login_as):
    laptop, phone = login_as("agent"), login_as("agent")
    admin = login_as("admin")
    response = admin.post("/admin/users/agent/disable", headers={"X-CSRFToken": admin.csrf},
                          data={"confirmed": "yes"})
    assert response.status_code in (200, 303)
    for client in (laptop, phone):
        assert client.get("/").status_code == 302
        htmx = client.get("/", headers={"HX-Request": "true"})
        assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login")
    count_checks("security", 4)


def test_ending_sessions_on_the_admin_page_logs_the_user_out_everywhere(app, login_as):
    agent = login_as("agent")
    stolen = cookie_value(agent)
    admin = login_as("admin")
    response = admin.post("/admin/users/agent/end-sessions", headers={"X-CSRFToken": admin.csrf})
    assert response.status_code in (200, 303)
    assert agent.get("/").status_code == 302
    assert replay(app, stolen).get("/").status_code == 302
    assert admin.get("/").status_code == 200  # only that user's logins end
    count_checks("security", 3)


def test_a_new_role_applies_at_the_next_request_without_a_new_login(app, login_as):
    manager = login_as("manager")
    assert manager.get("/audit").status_code == 200
    admin = login_as("admin")
    response = admin.post("/admin/users/manager/role", data={"role": "agent", "store": ""},
                          headers={"X-CSRFToken": admin.csrf})
    assert response.status_code in (200, 303)
    assert manager.get("/audit").status_code == 403  # the role is read from the database
    count_checks("security", 2)


def test_logout_leaves_no_working_cookie_behind(app, login_as):
    client = login_as("marketer")
    before = cookie_value(client)
    client.post("/logout", headers={"X-CSRFToken": client.csrf})
    for cookie in (before, cookie_value(client)):
        if cookie:
            assert replay(app, cookie).get("/audiences").status_code == 302
    count_checks("security", 2)


@pytest.mark.parametrize("role", ["agent", "marketer", "manager", "admin"])
def test_every_cookie_the_console_sets_is_httponly_and_samesite(app, login_as, role):
    client = login_as(role)
    seen = 0
    for route in all_routes():
        if route.method != "GET" or "<" in route.rule:
            continue
        response = client.get(route.rule)
        response.get_data()
        response.close()  # a streamed download holds its app context until closed
        for header in response.headers.getlist("Set-Cookie"):
            assert "HttpOnly" in header, f"{route.rule}: {header}"
            assert "SameSite=Lax" in header or "SameSite=Strict" in header, f"{route.rule}: {header}"
            seen += 1
        count_checks("security", 1)
    # the login itself set one; pages may refresh it
    assert cookie_value(client)
