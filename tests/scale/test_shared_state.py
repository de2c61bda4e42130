"""Logins and the login throttle are shared by every instance: nothing about them lives in one
process (logins are LoginSession rows in PostgreSQL, throttle counts are in Redis)."""

from __future__ import annotations

import subprocess

import sqlalchemy as sa

from tests.scale.instances import ROOT


def test_a_login_made_on_one_instance_works_on_the_other(instances, staff):
    a, b = instances
    browser = staff().login(a, "agent")
    home = browser.get(b, "/")
    assert home.status_code == 200
    assert ">agent<" in home.text
    # and the CSRF token issued by A is accepted by B: logging out on B ends the login on A
    browser.read_csrf(a, "/")
    assert browser.post(b, "/logout").status_code == 303
    assert browser.get(a, "/").status_code == 302


def test_logins_live_in_the_shared_database(instances, staff, shared_database):
    a, b = instances
    staff().login(a, "marketer")
    staff().login(b, "marketer")
    with shared_database.connect() as connection:
        logins = connection.execute(sa.text(
            "SELECT count(*) FROM login_sessions JOIN users ON users.id = login_sessions.user_id "
            "WHERE users.username = 'marketer'")).scalar_one()
    assert logins >= 2


def test_the_login_throttle_counts_failures_on_both_instances(instances, staff, shared_redis):
    a, b = instances
    attacker = staff()
    # LOGIN_RATE_LIMIT is 5 per minute: five failures spread over the two instances...
    for instance in (a, b, a, b, a):
        response = attacker.try_login(instance, "admin", "wrong password")
        assert response.status_code == 200, (instance.name, response.status_code)
        assert "Wrong username or password" in response.text
    # ...and the sixth attempt is refused, whichever instance gets it, even with the right password
    assert attacker.try_login(b, "admin", "wrong password").status_code == 429
    blocked = attacker.try_login(a, "admin", "demo")
    assert blocked.status_code == 429
    assert blocked.headers.get("Retry-After")
    assert any(key.startswith(b"LIMIT") for key in shared_redis.scan_iter())


def run_users_cli(instance, *args: str) -> None:
    """`flask users ...` against the shared database, as an operator would run it."""
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "app", "users", *args],
                   cwd=ROOT, env=instance.env, check=True, capture_output=True, timeout=120)


def test_disabling_an_account_ends_its_logins_on_every_instance(instances, staff):
    a, b = instances
    browser = staff().login(a, "manager")
    assert browser.get(b, "/").status_code == 200
    run_users_cli(a, "disable", "manager")
    try:
        # no message between the instances: both read the login from the database
        assert browser.get(a, "/").status_code == 302
        assert browser.get(b, "/").status_code == 302
        assert staff().try_login(b, "manager", "demo").status_code == 200  # refused, form again
    finally:
        run_users_cli(a, "enable", "manager")
