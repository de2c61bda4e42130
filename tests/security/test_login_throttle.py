"""Login throttling: the sixth failed login from one client within a minute gets 429.

Only failures count. A success neither counts nor resets the count (documented in the README).
"""

from __future__ import annotations

import pytest

from tests.web.helpers import audit_rows, page_csrf


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


def attempt(client, password: str, address: str = "203.0.113.7", username: str = "agent"):
    token = page_csrf(client.get("/login", environ_base={"REMOTE_ADDR": address}))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_the_sixth_failure_within_a_minute_is_refused(app):
    client = app.test_client()
    for number in range(5):
        response = attempt(client, f"wrong-{number}")
        assert response.status_code == 200, f"attempt {number + 1}"
        assert "Wrong username or password" in response.get_data(as_text=True)
    response = attempt(client, "wrong-6")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many attempts" in response.get_data(as_text=True)
    # even the right password is not checked while the client is throttled
    assert attempt(client, "demo").status_code == 429
    assert len(audit_rows(app, action="auth.login", outcome="failure")) == 5


def test_other_clients_are_not_throttled(app):
    client = app.test_client()
    for number in range(6):
        attempt(client, f"wrong-{number}", address="203.0.113.7")
    assert attempt(app.test_client(), "demo", address="198.51.100.2").status_code == 303


def test_successful_logins_do_not_count(app):
    for _ in range(8):
        assert attempt(app.test_client(), "demo").status_code == 303


def test_unknown_usernames_count_like_wrong_passwords(app):
    client = app.test_client()
    for number in range(5):
        assert attempt(client, "x", username=f"nobody{number}").status_code == 200
    assert attempt(client, "x", username="nobody9").status_code == 429


def test_the_limit_is_configurable(app_config):
    from tests.conftest import make_console

    app = make_console({**app_config, "LOGIN_RATE_LIMIT": "2 per minute"})
    client = app.test_client()
    assert attempt(client, "wrong").status_code == 200
    assert attempt(client, "wrong").status_code == 200
    assert attempt(client, "wrong").status_code == 429
