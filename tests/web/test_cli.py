"""`flask users ...`: the same account functions the web uses, audited as the CLI."""

from __future__ import annotations

import pytest

from tests.web.helpers import audit_rows


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


@pytest.fixture
def users(app):
    runner = app.test_cli_runner()

    def run(*args, input=None):
        return runner.invoke(args=["users", *args], input=input)

    return run


def account(app, username):
    from app.auth.accounts import get_user

    with app.app_context():
        user = get_user(username)
        return None if user is None else (user.role, user.store, user.active)


def test_create_with_password_option(users, app):
    result = users("create", "Berta", "--role", "manager", "--store", "store-munich", "--password", "plum orchard ledger")
    assert result.exit_code == 0, result.output
    assert "created berta\tmanager store=store-munich\tactive" in result.output
    assert account(app, "berta") == ("manager", "store-munich", True)
    [entry] = audit_rows(app, action="user.create", target_id="berta")
    assert entry.actor.startswith("cli") and entry.actor_role == "system"


def test_create_prompts_for_the_password(users, app, client, csrf_token):
    result = users("create", "carl", "--role", "agent", input="s3cret-passage-9\ns3cret-passage-9\n")
    assert result.exit_code == 0, result.output
    token = csrf_token(client)
    response = client.post("/login", data={"username": "carl", "password": "s3cret-passage-9", "csrf_token": token})
    assert response.status_code == 303


@pytest.mark.parametrize("args, message", [
    (["create", "agent", "--role", "agent", "--password", "x"], "already exists"),
    (["create", "dora", "--role", "agent", "--store", "store-berlin", "--password", "x"], "only managers"),
    (["create", "no spaces", "--role", "agent", "--password", "x"], "username must be"),
    (["disable", "nobody"], "no user named"),
    (["set-role", "nobody", "admin"], "no user named"),
])
def test_refusals_exit_non_zero_with_the_reason(users, args, message):
    result = users(*args)
    assert result.exit_code != 0
    assert message in result.output


def test_an_unknown_role_is_refused(users):
    result = users("create", "erik", "--role", "superuser", "--password", "x")
    assert result.exit_code != 0 and "superuser" in result.output


def test_list(users):
    result = users("list")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "admin\tadmin\tactive", "agent\tagent\tactive",
        "manager\tmanager store=store-berlin\tactive", "marketer\tmarketer\tactive",
    ]


def test_disable_ends_the_logins_and_enable_restores_access(users, app, login_as):
    client = login_as("agent")
    assert users("disable", "agent").exit_code == 0
    assert client.get("/").status_code == 302
    assert account(app, "agent")[2] is False
    assert "agent\tagent\tdisabled" in users("list").output
    assert users("enable", "agent").exit_code == 0
    assert login_as("agent").get("/").status_code == 200
    actions = [e.action for e in audit_rows(app, target_id="agent") if e.action.startswith("user.")]
    assert actions == ["user.create", "user.disable", "user.enable"]


def test_set_role_takes_effect_on_the_next_request(users, app, login_as):
    client = login_as("agent")
    assert client.get("/audit").status_code == 403
    result = users("set-role", "agent", "manager", "--store", "store-hamburg")
    assert result.exit_code == 0, result.output
    assert client.get("/audit").status_code == 200
    assert account(app, "agent") == ("manager", "store-hamburg", True)
    [entry] = audit_rows(app, action="user.set_role")
    assert entry.summary == {"before": {"role": "agent", "store": None},
                             "after": {"role": "manager", "store": "store-hamburg"}}


def test_set_role_drops_the_store_of_a_manager_who_stops_being_one(users, app):
    assert users("set-role", "manager", "agent").exit_code == 0
    assert account(app, "manager") == ("agent", None, True)


def test_set_password(users, app, login_as):
    client = login_as("admin")
    assert users("set-password", "admin", "--password", "a fresh passphrase").exit_code == 0
    assert client.get("/").status_code == 302  # logins end with the old password
    with pytest.raises(AssertionError):
        login_as("admin")
    assert login_as("admin", password="a fresh passphrase").get("/").status_code == 200
