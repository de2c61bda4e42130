"""Logins live on the server: logout and disabling end them at once, and a login rotates the
session so nothing from before it can be replayed."""

from __future__ import annotations

import pytest

from tests.web.helpers import audit_rows, cookie_value, page_csrf

COOKIE = "talon_desk_session"


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


def replay(app, cookie: str):
    """A fresh client presenting an old session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief


def test_logout_invalidates_the_session_on_the_server(app, login_as):
    client = login_as("agent")
    stolen = cookie_value(client)
    assert replay(app, stolen).get("/").status_code == 200  # the cookie works before logout
    response = client.post("/logout", headers={"X-CSRFToken": client.csrf})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    # the cookie as it was before logout is signed and intact, and still refused
    replayed = replay(app, stolen).get("/")
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/login")
    assert audit_rows(app, action="auth.logout")[0].actor == "agent"


def test_logout_ends_only_that_login(app, login_as):
    laptop, phone = login_as("agent"), login_as("agent")
    laptop.post("/logout", headers={"X-CSRFToken": laptop.csrf})
    assert phone.get("/").status_code == 200


def test_a_disabled_account_loses_every_session_at_once(app, login_as):
    from app.auth.accounts import disable_user

    laptop, phone = login_as("agent"), login_as("agent")
    with app.app_context():
        disable_user("agent")
    for client in (laptop, phone):
        response = client.get("/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_disabled_account_cannot_log_in(app, client):
    from app.auth.accounts import disable_user

    with app.app_context():
        disable_user("agent")
    token = page_csrf(client.get("/login"))
    response = client.post("/login", data={"username": "agent", "password": "demo", "csrf_token": token})
    assert response.status_code == 200
    assert "Wrong username or password, or the account is disabled" in response.get_data(as_text=True)


def test_a_new_password_ends_existing_logins(app, login_as):
    from app.auth.accounts import set_password

    client = login_as("agent")
    with app.app_context():
        set_password("agent", "a new and long password")
    assert client.get("/").status_code == 302


def test_login_rotates_the_session_and_its_csrf_token(app, client):
    page = client.get("/login")
    before_cookie, before_token = cookie_value(client), page_csrf(page)
    client.post("/login", data={"username": "agent", "password": "demo", "csrf_token": before_token})
    assert cookie_value(client) != before_cookie
    after_token = page_csrf(client.get("/"))
    assert after_token != before_token
    # the pre-login token no longer passes CSRF
    assert client.post("/logout", headers={"X-CSRFToken": before_token}).status_code == 400


def test_a_pre_login_cookie_does_not_become_a_login(app, client):
    """Session fixation: a cookie planted before login stays anonymous after the victim logs in."""
    client.get("/login")
    planted = cookie_value(client)
    token = page_csrf(client.get("/login"))
    client.post("/login", data={"username": "agent", "password": "demo", "csrf_token": token})
    assert replay(app, planted).get("/").status_code == 302


def test_logins_expire_on_the_server(app_config):
    from tests.conftest import make_console

    app = make_console({**app_config, "SESSION_MAX_AGE_HOURS": 0})
    client = app.test_client()
    token = page_csrf(client.get("/login"))
    response = client.post("/login", data={"username": "agent", "password": "demo", "csrf_token": token})
    assert response.status_code == 303
    assert client.get("/").status_code == 302


def test_login_lands_on_the_search_page_and_honours_a_local_next(app, client):
    token = page_csrf(client.get("/login"))
    response = client.post("/login", data={"username": "agent", "password": "demo", "csrf_token": token})
    assert response.headers["Location"] == "/"
    assert 'action="/search"' in client.get("/").get_data(as_text=True)
    client.post("/logout", headers={"X-CSRFToken": page_csrf(client.get("/"))})
    token = page_csrf(client.get("/login"))
    response = client.post("/login?next=/audit", data={"username": "manager", "password": "demo", "csrf_token": token})
    assert response.headers["Location"] == "/audit"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil"])
def test_next_cannot_send_the_user_to_another_site(client, target):
    token = page_csrf(client.get("/login"))
    response = client.post("/login", query_string={"next": target},
                           data={"username": "agent", "password": "demo", "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
