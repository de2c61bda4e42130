"""Production mode refuses to start on unsafe settings, each with a message that says why."""

from __future__ import annotations

import click
import pytest

from app import create_app
from app.config import ENVIRONMENT_KEYS, UnsafeConfiguration

STRONG_SECRET = "kq3V9x-7bLw2R_tZp8mN4cY6hJ0sD5fGaE1uQ"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """The developer's shell must not decide these tests."""
    for key in ENVIRONMENT_KEYS + ("DATABASE_URL",):
        monkeypatch.delenv(key, raising=False)


def production_config(tmp_path, **overrides) -> dict:
    return {
        "TALON_DESK_MODE": "production",
        "SECRET_KEY": STRONG_SECRET,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
        "TALON_BASE_URL": "https://acme.europe-west1.talon.one",
        "TALON_INTEGRATION_KEY": "live-integration-key-0123456789",
        "TALON_MANAGEMENT_KEY": "live-management-key-0123456789",
        "TALON_APPLICATION_ID": 7,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6399/0",
        **overrides,
    }


def make_production_app(tmp_path, **overrides):
    return create_app(production_config(tmp_path, **overrides))


def refusal(tmp_path, **overrides) -> str:
    with pytest.raises(UnsafeConfiguration) as raised:
        make_production_app(tmp_path, **overrides)
    return str(raised.value)


@pytest.mark.parametrize("storage", [None, "memory://"])
def test_a_login_throttle_each_worker_counts_alone_is_refused(tmp_path, storage):
    assert "RATELIMIT_STORAGE_URI is memory://" in refusal(tmp_path, RATELIMIT_STORAGE_URI=storage)


def test_safe_settings_start(tmp_path):
    app = make_production_app(tmp_path)
    assert app.config["TALON_DESK_MODE"] == "production"
    assert not app.config["TESTING"]


@pytest.mark.parametrize("secret, reason", [
    (None, "SECRET_KEY is not set"),
    ("", "SECRET_KEY is not set"),
    ("short-but-random-9f3k", "too short"),
    ("changeme", "well-known default"),
    ("dev", "well-known default"),
    ("a" * 40, "too few distinct characters"),
])
def test_missing_or_weak_secret_key_is_refused(tmp_path, secret, reason):
    assert reason in refusal(tmp_path, SECRET_KEY=secret)


@pytest.mark.parametrize("base_url, reason", [
    ("", "TALON_BASE_URL is not set"),
    ("http://127.0.0.1:9100", "is the sandbox"),
    ("http://localhost:9100", "is the sandbox"),
    ("http://[::1]:9100", "is the sandbox"),
    ("http://0.0.0.0:9100", "is the sandbox"),
    ("http://acme.europe-west1.talon.one", "must use https"),
    ("ftp://acme.talon.one", "not an http(s) URL"),
])
def test_the_sandbox_or_an_unsafe_backend_is_refused(tmp_path, base_url, reason):
    assert reason in refusal(tmp_path, TALON_BASE_URL=base_url)


@pytest.mark.parametrize("key", ["TALON_INTEGRATION_KEY", "TALON_MANAGEMENT_KEY"])
def test_the_sandbox_keys_are_refused_wherever_the_sandbox_runs(tmp_path, key):
    value = "sandbox-integration-key" if key == "TALON_INTEGRATION_KEY" else "sandbox-management-key"
    assert "sandbox's default keys" in refusal(tmp_path, **{key: value})


def test_missing_api_keys_are_refused(tmp_path):
    assert "must both be set" in refusal(tmp_path, TALON_MANAGEMENT_KEY="")


def test_every_problem_is_listed_at_once(tmp_path):
    message = refusal(tmp_path, SECRET_KEY="dev", TALON_BASE_URL="http://127.0.0.1:9100")
    assert "SECRET_KEY" in message and "sandbox" in message
    assert "TALON_DESK_MODE=demo" in message  # and how to run a demo instead


def seed_users(tmp_path, *accounts):
    """Users in the database the production app will open (made by a testing app)."""
    from app.auth.accounts import create_user
    from app.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}"})
    with app.app_context():
        db.create_all()
        for username, password, role in accounts:
            create_user(username, password, role)


def test_demo_accounts_are_refused(tmp_path):
    seed_users(tmp_path, ("agent", "demo", "agent"), ("admin", "demo", "admin"))
    message = refusal(tmp_path)
    assert "demo accounts" in message and "agent" in message and "admin" in message


def test_accounts_named_like_demo_ones_with_real_passwords_are_fine(tmp_path):
    seed_users(tmp_path, ("admin", "a-long-and-real-passphrase", "admin"))
    make_production_app(tmp_path)


def test_management_commands_still_run_with_demo_accounts_so_they_can_be_fixed(tmp_path, caplog):
    seed_users(tmp_path, ("admin", "demo", "admin"))
    with click.Context(click.Command("users")):
        app = make_production_app(tmp_path)
    assert app is not None
    assert "UNSAFE" in caplog.text


def test_the_environment_is_read_and_production_is_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("TALON_BASE_URL", "http://127.0.0.1:9100")
    with pytest.raises(UnsafeConfiguration) as raised:
        create_app()
    assert "SECRET_KEY is not set" in str(raised.value)
    assert "is the sandbox" in str(raised.value)


def test_an_unknown_mode_is_refused(tmp_path):
    assert "not one of" in refusal(tmp_path, TALON_DESK_MODE="staging")


def test_weak_passwords_are_refused_for_new_accounts(tmp_path):
    from app.auth.accounts import AccountError, create_user
    from app.extensions import db

    app = make_production_app(tmp_path)
    with app.app_context():
        db.create_all()
        with pytest.raises(AccountError, match="at least 12"):
            create_user("agent", "demo", "agent")
        with pytest.raises(AccountError, match="contain the username"):
            create_user("supervisor01", "SUPERVISOR01-x", "manager")
        assert create_user("agent", "correct horse battery", "agent").role == "agent"
