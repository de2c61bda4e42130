"""/admin/users and /account/password: the staff account page and the CLI share
app.auth.accounts; one-time passwords are shown once; forced changes; ending logins."""

from __future__ import annotations

import re

import pytest

from tests.faults.faults import visible_text
from tests.web.helpers import audit_rows


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config  # staff accounts need no Talon.One


def errors_of(html: str) -> list[str]:
    return [visible_text(e) for e in re.findall(r'class="field-errors">(.*?)</small>', html, re.S)]


def one_time_password(html: str) -> str:
    return re.search(r'id="one-time-password">([^<]+)<', html).group(1)


def create(client, **fields):
    data = {"username": "", "role": "agent", "store": "", "password": "", "must_change": "y",
            "csrf_token": client.csrf, **fields}
    return client.post("/admin/users", data=data)


def log_in(app, username, password):
    client = app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return client, response


def test_list_shows_accounts_with_last_login_and_open_logins(login_as):
    html = login_as("admin").get("/admin/users").get_data(as_text=True)
    text = visible_text(html)
    assert "Staff accounts" in text
    for name in ("agent", "marketer", "manager", "admin"):
        assert f'href="/admin/users/{name}"' in html
    assert "store-berlin" in text and "never" in text


def test_create_with_a_generated_one_time_password_forces_a_change(login_as, app):
    admin = login_as("admin")
    response = create(admin, username="Mia.Marketing", role="marketer")
    assert response.status_code == 201
    password = one_time_password(response.get_data(as_text=True))
    assert len(password) >= 16
    assert password not in admin.get("/admin/users").get_data(as_text=True), "shown once"
    entry = audit_rows(app, action="user.create")[-1]
    assert entry.target_id == "mia.marketing" and password not in str(entry.summary)

    mia, login = log_in(app, "mia.marketing", password)
    assert login.status_code == 303
    forced = mia.get("/", follow_redirects=False)
    assert forced.status_code == 303 and forced.headers["Location"].endswith("/account/password")
    form = mia.get("/account/password").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    mismatch = mia.post("/account/password", data={"password": "a-new-secret", "confirm": "other", "csrf_token": token})
    assert any("differ" in e for e in errors_of(mismatch.get_data(as_text=True)))
    same = mia.post("/account/password", data={"password": password, "confirm": password, "csrf_token": token})
    assert any("different from the current one" in e for e in errors_of(same.get_data(as_text=True)))
    done = mia.post("/account/password", data={"password": "a-new-secret", "confirm": "a-new-secret", "csrf_token": token})
    assert done.status_code == 303
    assert mia.get("/").status_code == 200, "the login survives the change"
    assert log_in(app, "mia.marketing", "a-new-secret")[1].status_code == 303


def test_create_with_a_chosen_password_may_skip_the_forced_change(login_as, app):
    admin = login_as("admin")
    response = create(admin, username="kim", role="manager", store="store-munich", password="lemon tree harbour",
                      must_change="")
    assert response.status_code == 303
    kim, _ = log_in(app, "kim", "lemon tree harbour")
    assert kim.get("/").status_code == 200
    assert "store-munich" in visible_text(admin.get("/admin/users/kim").get_data(as_text=True))


@pytest.mark.parametrize("fields, message", [
    ({"username": ""}, "Enter a username"),
    ({"username": "a b"}, "lowercase letters"),
    ({"username": "<script>x</script>"}, "Markup is not allowed"),
    ({"username": "x" * 81}, "at most 80"),
    ({"username": "agent"}, "already exists"),
    ({"username": "nina", "role": "overlord"}, "Not a valid choice"),
    ({"username": "nina", "role": "agent", "store": "store-berlin"}, "Only managers"),
    ({"username": "nina", "role": "manager", "store": "store berlin"}, "storeIntegrationId"),
    ({"username": "nina", "password": "p" * 201}, "200"),
])
def test_bad_account_input_gets_field_errors_and_creates_nothing(login_as, app, fields, message):
    before = len(audit_rows(app, action="user.create"))
    response = create(login_as("admin"), **fields)
    assert response.status_code == 422
    assert any(message.lower() in e.lower() for e in errors_of(response.get_data(as_text=True)))
    assert "<script>x</script>" not in response.get_data(as_text=True)
    assert len(audit_rows(app, action="user.create")) == before


def test_disable_ends_open_logins_and_enable_restores(login_as, app):
    admin = login_as("admin")
    marketer = login_as("marketer")
    assert marketer.get("/").status_code == 200
    asked = admin.post("/admin/users/marketer/disable", data={"csrf_token": admin.csrf})
    assert asked.status_code == 200 and "Disable marketer?" in asked.get_data(as_text=True)
    assert marketer.get("/").status_code == 200, "nothing changes before the confirmation"
    assert audit_rows(app, action="user.disable") == []
    response = admin.post("/admin/users/marketer/disable", data={"csrf_token": admin.csrf, "confirmed": "yes"})
    assert response.status_code == 303
    assert marketer.get("/").status_code == 302, "the open session ended"
    assert log_in(app, "marketer", "demo")[1].status_code == 200, "cannot log in while disabled"
    admin.post("/admin/users/marketer/enable", data={"csrf_token": admin.csrf})
    assert log_in(app, "marketer", "demo")[1].status_code == 303
    actions = [e.action for e in audit_rows(app, target_id="marketer")]
    assert actions.index("user.disable") < actions.index("user.enable")
    assert audit_rows(app, action="user.disable")[-1].summary == {"logins_ended": 1}


def test_end_sessions_keeps_the_account(login_as, app):
    admin = login_as("admin")
    agent = login_as("agent")
    admin.post("/admin/users/agent/end-sessions", data={"csrf_token": admin.csrf})
    assert agent.get("/").status_code == 302
    assert log_in(app, "agent", "demo")[1].status_code == 303
    assert audit_rows(app, action="user.end_sessions")[-1].summary == {"logins_ended": 1}


def test_change_role_and_store(login_as, app):
    admin = login_as("admin")
    response = admin.post("/admin/users/agent/role", data={"role": "manager", "store": "store-hamburg",
                                                           "csrf_token": admin.csrf})
    assert response.status_code == 303
    assert "manager at store-hamburg" in visible_text(admin.get("/admin/users/agent").get_data(as_text=True))
    bad = admin.post("/admin/users/agent/role", data={"role": "marketer", "store": "store-hamburg",
                                                      "csrf_token": admin.csrf})
    assert bad.status_code == 422
    assert any("Only managers" in e for e in errors_of(bad.get_data(as_text=True)))


def test_reset_password_with_a_one_time_password(login_as, app):
    admin = login_as("admin")
    agent = login_as("agent")
    response = admin.post("/admin/users/agent/password", data={"mode": "generate", "must_change": "y",
                                                               "csrf_token": admin.csrf})
    password = one_time_password(response.get_data(as_text=True))
    assert agent.get("/").status_code == 302, "a reset ends the open logins"
    assert log_in(app, "agent", "demo")[1].status_code == 200
    fresh, login = log_in(app, "agent", password)
    assert login.status_code == 303 and fresh.get("/").headers["Location"].endswith("/account/password")
    entry = audit_rows(app, action="user.reset_password")[-1]
    assert entry.summary["generated"] is True and password not in str(entry.summary)


def test_reset_to_a_chosen_temporary_password_needs_one(login_as, app):
    admin = login_as("admin")
    missing = admin.post("/admin/users/agent/password", data={"mode": "set", "password": "", "csrf_token": admin.csrf})
    assert missing.status_code == 422
    assert any("Enter the temporary password" in e for e in errors_of(missing.get_data(as_text=True)))
    admin.post("/admin/users/agent/password", data={"mode": "set", "password": "told-by-phone",
                                                    "csrf_token": admin.csrf})
    assert log_in(app, "agent", "told-by-phone")[1].status_code == 303


def test_admins_cannot_lock_themselves_out(login_as, app):
    admin = login_as("admin")
    for action in ("disable", "end-sessions"):
        response = admin.post(f"/admin/users/admin/{action}", data={"csrf_token": admin.csrf}, follow_redirects=True)
        assert "You cannot" in visible_text(response.get_data(as_text=True))
    assert admin.get("/admin/users").status_code == 200
    assert audit_rows(app, action="user.disable", outcome="refused")


def test_unknown_account_is_404(login_as):
    admin = login_as("admin")
    assert admin.get("/admin/users/nobody").status_code == 404
    assert admin.post("/admin/users/nobody/disable", data={"csrf_token": admin.csrf}).status_code == 404


@pytest.mark.parametrize("role", ["agent", "marketer", "manager"])
def test_only_admins_manage_staff(login_as, app, role):
    client = login_as(role)
    assert client.get("/admin/users").status_code == 403
    assert create(client, username="sneaky", role="admin").status_code == 403
    assert client.post("/admin/users/admin/disable", data={"csrf_token": client.csrf}).status_code == 403
    assert "Staff" not in visible_text(client.get("/").get_data(as_text=True).split("</nav>")[0])
    refusals = audit_rows(app, action="permission.refused")
    assert refusals and refusals[-1].summary["permission"] == "staff_accounts"


def test_cli_uses_the_same_functions(app):
    from app.auth import accounts

    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-password", "agent"])
    assert result.exit_code == 0, result.output
    password = re.search(r"shown once\): (\S+)", result.output).group(1)
    with app.app_context():
        user = accounts.get_user("agent")
        assert accounts.must_change_password(user)
        assert accounts.authenticate("agent", password) is not None
    result = runner.invoke(args=["users", "end-sessions", "agent"])
    assert result.exit_code == 0 and "ended 0 login(s)" in result.output
    actions = [(e.action, e.actor_role) for e in audit_rows(app, target_id="agent")]
    assert ("user.reset_password", "system") in actions and ("user.end_sessions", "system") in actions

