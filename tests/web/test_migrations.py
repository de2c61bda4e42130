"""The migrations build exactly the schema of app/models.py, and demo mode runs them itself."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import MIGRATIONS_DIR, create_app
from app.config import ENVIRONMENT_KEYS
from app.extensions import db


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for key in ENVIRONMENT_KEYS + ("DATABASE_URL",):
        monkeypatch.delenv(key, raising=False)


def bare_app(tmp_path, **overrides):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}",
                       **overrides})


def test_upgrade_gives_the_models_schema_and_downgrade_removes_it(tmp_path):
    from flask_migrate import downgrade, upgrade

    app = bare_app(tmp_path)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == [], "models changed without a migration: flask --app app db migrate"
        downgrade(directory=MIGRATIONS_DIR, revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) == {"alembic_version"}


def test_demo_mode_migrates_and_creates_the_demo_accounts_once(tmp_path):
    from app.auth.accounts import authenticate, list_users

    config = {"TALON_DESK_MODE": "demo", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.db'}",
              "TALON_BASE_URL": "http://127.0.0.1:9"}
    app = create_app(config)
    create_app(config)  # a restart creates nothing twice
    with app.app_context():
        users = {u.username: (u.role, u.store) for u in list_users()}
        assert users == {"agent": ("agent", None), "marketer": ("marketer", None),
                         "manager": ("manager", "store-berlin"), "admin": ("admin", None)}
        assert all(authenticate(name, "demo") for name in users)
    assert app.config["SECRET_KEY_GENERATED"] is True and len(app.config["SECRET_KEY"]) >= 32
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_postgres_urls_from_hosting_platforms_use_the_shipped_driver():
    from app.config import normalise_database_url

    assert normalise_database_url("postgres://u:p@db/x") == "postgresql+psycopg://u:p@db/x"
    assert normalise_database_url("postgresql://u:p@db/x") == "postgresql+psycopg://u:p@db/x"
    assert normalise_database_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_the_default_database_is_a_file_under_instance(tmp_path):
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/talon_desk.sqlite"
