"""Helpers for the foundation's tests (tests/web, tests/security).

Most foundation tests need no Talon.One: `offline_app_config` points the console at a closed
port, so a module can run without the sandbox by overriding the shared `app_config` fixture:

    @pytest.fixture
    def app_config(offline_app_config):
        return offline_app_config
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.conftest import console_config

# Hashing four accounts with scrypt costs ~0.3 s per test; the hash strength is not what these
# tests are about (production always uses scrypt).
FAST_HASH = "pbkdf2:sha256:1000"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class OfflineTalon:
    """Stands in for the sandbox in console_config: nothing listens on port 9."""

    url = "http://127.0.0.1:9"
    integration_key = "offline-integration-key"
    management_key = "offline-management-key"


@pytest.fixture
def offline_app_config(tmp_path):
    return console_config(OfflineTalon(), tmp_path / "console.db",
                          TALON_RETRIES=0, TALON_HEALTH_TIMEOUT=0.5, TALON_CONNECT_TIMEOUT=0.5,
                          PASSWORD_HASH_METHOD=FAST_HASH)


def page_csrf(response) -> str:
    match = CSRF_META.search(response.get_data(as_text=True))
    assert match, "page has no csrf-token meta tag"
    return match.group(1)


def audit_rows(app, **where):
    """Audit entries matching column=value filters, oldest first."""
    from app.extensions import db
    from app.models import AuditEntry

    with app.app_context():
        query = sa.select(AuditEntry).order_by(AuditEntry.id)
        for column, value in where.items():
            query = query.where(getattr(AuditEntry, column) == value)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def cookie_value(client, name: str = "talon_desk_session") -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None
