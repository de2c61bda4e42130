"""The account rules of issue 14: one's own password changes only with the current one (not
after an administrator set a temporary one), and every password set follows the NIST SP
800-63B policy of app.auth.passwords in every mode, except the demo accounts themselves. (The
login throttle per account and per address is in test_login_throttle.py.)"""

from __future__ import annotations

import re

import pytest

from tests.faults.faults import visible_text
from tests.web.helpers import audit_rows

NEW = "plum orchard ledger"


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


def errors_next_to(html: str, field: str) -> list[str]:
    return [visible_text(e) for e in
            re.findall(rf'<small id="{field}-errors" class="field-errors">(.*?)</small>', html, re.S)]


def change(client, **fields):
    return client.post("/account/password", data={"csrf_token": client.csrf, **fields})


def log_in(app, username, password):
    from tests.conftest import read_csrf_token

    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": read_csrf_token(client)})
    return response.status_code


# -- the current password --------------------------------------------------------------------

def test_the_form_asks_for_the_current_password(login_as):
    page = login_as("agent").get("/account/password").get_data(as_text=True)
    assert 'name="current_password"' in page and 'autocomplete="current-password"' in page


@pytest.mark.parametrize("current", ["", "wrong-password"])
def test_without_the_right_current_password_nothing_changes(login_as, app, current):
    agent = login_as("agent")
    response = change(agent, current_password=current, password=NEW, confirm=NEW)
    assert response.status_code == 422
    assert errors_next_to(response.get_data(as_text=True), "current_password") == ["Current password is wrong."]
    assert 'aria-describedby="current_password-errors"' in response.get_data(as_text=True)
    assert log_in(app, "agent", NEW) == 200 and log_in(app, "agent", "demo") == 303
    [refused] = audit_rows(app, action="user.change_own_password", outcome="refused")
    assert refused.target_id == "agent"


def test_with_the_current_password_the_change_is_made(login_as, app):
    agent = login_as("agent")
    response = change(agent, current_password="demo", password=NEW, confirm=NEW)
    assert response.status_code == 303
    assert log_in(app, "agent", NEW) == 303 and log_in(app, "agent", "demo") == 200


def test_after_a_temporary_password_from_an_admin_none_is_asked(login_as, app):
    admin = login_as("admin")
    admin.post("/admin/users/agent/password", data={"mode": "set", "password": "told by phone today",
                                                     "must_change": "y", "csrf_token": admin.csrf})
    from tests.conftest import read_csrf_token

    agent = app.test_client()
    agent.post("/login", data={"username": "agent", "password": "told by phone today",
                               "csrf_token": read_csrf_token(agent)})
    agent.csrf = read_csrf_token(agent, "/account/password")
    page = agent.get("/account/password").get_data(as_text=True)
    assert "reset by an administrator" in page and 'name="current_password"' not in page
    assert change(agent, password=NEW, confirm=NEW).status_code == 303
    assert log_in(app, "agent", NEW) == 303


# -- the password policy ---------------------------------------------------------------------

WEAK = [
    ("short-1", "at least 12"),
    ("aaaaaaaaaaaa", "too easy to guess"),
    ("password1234", "too common"),
    ("qwertyuiop12", "too common"),
    ("nina.smith2024", "contain the username"),
    ("htimS.aniN-2024", "made of the username"),  # reversed: zxcvbn sees it too
]


@pytest.mark.parametrize("mode", ["testing", "demo", "production"])
@pytest.mark.parametrize("password, message", WEAK)
def test_weak_passwords_are_refused_in_every_mode(app, mode, password, message):
    from app.auth.accounts import AccountError, create_user

    app.config["TALON_DESK_MODE"] = mode
    with app.app_context(), pytest.raises(AccountError, match=message):
        create_user("nina.smith", password, "agent")


@pytest.mark.parametrize("password", [NEW, "Tr0ub4dor&3-horse", "correct horse battery staple"])
def test_strong_passwords_pass(app, password):
    from app.auth.accounts import create_user

    with app.app_context():
        assert create_user("nina.smith", password, "agent").username == "nina.smith"


def test_only_the_demo_accounts_themselves_keep_demo(app):
    from app.auth.accounts import AccountError, create_user, set_password

    with app.app_context():
        with pytest.raises(AccountError):
            create_user("zoe", "demo", "agent")  # not a demo account
        with pytest.raises(AccountError):
            set_password("agent", "agent")  # a demo account, but not the demo password
        app.config["TALON_DESK_MODE"] = "production"
        with pytest.raises(AccountError):
            create_user("agent2", "demo", "agent")


def test_the_policy_applies_to_resets_the_cli_and_ones_own_change(login_as, app):
    from app.admin.cli import users_cli

    admin = login_as("admin")
    reset = admin.post("/admin/users/agent/password", data={"mode": "set", "password": "password1234",
                                                             "csrf_token": admin.csrf})
    assert reset.status_code == 422 and errors_next_to(reset.get_data(as_text=True), "password")
    cli = app.test_cli_runner().invoke(users_cli, ["set-password", "agent", "--password", "aaaaaaaaaaaa"])
    assert cli.exit_code != 0 and "too easy to guess" in cli.output
    own = change(login_as("marketer"), current_password="demo", password="marketer2024!", confirm="marketer2024!")
    assert own.status_code == 422
    assert errors_next_to(own.get_data(as_text=True), "password") == ["Password must not contain the username."]
    assert log_in(app, "agent", "demo") == 303  # nothing changed
