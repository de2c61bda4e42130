"""Login throttling, per account and per address (README, LOGIN_RATE_LIMIT and
LOGIN_ADDRESS_RATE_LIMIT).

- the sixth failed login on one account within a minute gets 429, from whatever address, and
  then even that account's right password waits: guessing one account is stopped;
- the right password of another account from the same (shared office) address still works;
- many accounts tried from one address are stopped by the address limit;
- only failures count; a success neither counts nor resets the count.
"""

from __future__ import annotations

import pytest

from tests.web.helpers import audit_rows, page_csrf

OFFICE = "203.0.113.7"
ELSEWHERE = "198.51.100.2"


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


def attempt(client, password: str, address: str = OFFICE, username: str = "agent"):
    token = page_csrf(client.get("/login", environ_base={"REMOTE_ADDR": address}))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_the_sixth_failure_on_an_account_within_a_minute_is_refused(app):
    client = app.test_client()
    for number in range(5):
        response = attempt(client, f"wrong-{number}")
        assert response.status_code == 200, f"attempt {number + 1}"
        assert "Wrong username or password" in response.get_data(as_text=True)
    response = attempt(client, "wrong-6")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_data(as_text=True)
    assert "Too many attempts" in body and "for this account" in body
    # the account waits: its right password is not checked, from here or from elsewhere
    assert attempt(client, "demo").status_code == 429
    assert attempt(app.test_client(), "demo", address=ELSEWHERE).status_code == 429
    assert len(audit_rows(app, action="auth.login", outcome="failure")) == 5


def test_guessing_from_many_addresses_is_stopped_too(app):
    for number in range(5):
        assert attempt(app.test_client(), "wrong", address=f"192.0.2.{number + 1}").status_code == 200
    assert attempt(app.test_client(), "wrong", address="192.0.2.99").status_code == 429


def test_a_colleague_at_the_same_address_still_logs_in(app):
    client = app.test_client()
    for number in range(6):
        attempt(client, f"wrong-{number}", username="agent")
    assert attempt(client, "wrong", username="agent").status_code == 429
    assert attempt(app.test_client(), "demo", username="marketer").status_code == 303
    assert attempt(app.test_client(), "demo", username="manager").status_code == 303


def test_successful_logins_do_not_count(app):
    for _ in range(8):
        assert attempt(app.test_client(), "demo").status_code == 303


def test_unknown_usernames_count_like_wrong_passwords(app):
    client = app.test_client()
    for _ in range(5):
        assert attempt(client, "x", username="nobody").status_code == 200
    assert attempt(client, "x", username="nobody").status_code == 429


def test_many_accounts_from_one_address_meet_the_address_limit(app_config):
    from tests.conftest import make_console

    app = make_console({**app_config, "LOGIN_ADDRESS_RATE_LIMIT": "3 per minute"})
    client = app.test_client()
    for number in range(3):
        assert attempt(client, "x", username=f"nobody{number}").status_code == 200
    response = attempt(client, "demo", username="agent")
    assert response.status_code == 429
    assert "from your address" in response.get_data(as_text=True)
    assert attempt(app.test_client(), "demo", address=ELSEWHERE).status_code == 303


def test_the_limit_is_configurable(app_config):
    from tests.conftest import make_console

    app = make_console({**app_config, "LOGIN_RATE_LIMIT": "2 per minute"})
    client = app.test_client()
    assert attempt(client, "wrong").status_code == 200
    assert attempt(client, "wrong").status_code == 200
    assert attempt(client, "wrong").status_code == 429
