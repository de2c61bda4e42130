"""What a request costs the console (issue 8, load): one database query for the login check,
one read for the recently-viewed list, no re-signed session cookie on every answer, and a
PostgreSQL pool that keeps a connection per gunicorn thread. Each with the behaviour it must
keep."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.config import DATABASE_POOL_OVERFLOW, DATABASE_POOL_SIZE, finalise
from app.extensions import db


class Statements:
    """The SQL statements the console sends while in use."""

    def __init__(self, app) -> None:
        with app.app_context():
            self.engine = db.engine
        self.seen: list[str] = []

    def __enter__(self) -> "Statements":
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, *args) -> None:
        self.seen.append(" ".join(statement.split()))

    def touching(self, table: str) -> list[str]:
        return [s for s in self.seen if re.search(rf"\b{table}\b", s)]


# -- the login check ------------------------------------------------------------------------

def test_the_login_check_is_one_query_per_request(app, login_as):
    agent = login_as("agent")
    with Statements(app) as statements:
        response = agent.get("/")
    assert response.status_code == 200
    assert len(statements.touching("login_sessions")) == 1
    # the pending password change is read in that same query, not in one of its own
    [check] = statements.touching("password_change_required")
    assert "login_sessions" in check


def test_a_pending_password_change_still_stops_every_page(app, client, csrf_token):
    from app.auth import accounts

    with app.app_context():
        accounts.reset_password("agent", password="a-new-password-1", must_change=True, actor="test")
        db.session.commit()
    agent = client
    login = agent.post("/login", data={"username": "agent", "password": "a-new-password-1",
                                       "csrf_token": csrf_token(agent)})
    assert login.status_code == 303
    page = agent.get("/customers/cust-0001")
    assert page.status_code in (302, 303) and page.headers["Location"].endswith("/account/password")
    form = agent.get("/account/password")
    assert form.status_code == 200
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.get_data(as_text=True)).group(1)
    changed = agent.post("/account/password", data={"csrf_token": token, "password": "another-password-2",
                                                    "confirm": "another-password-2"})
    assert changed.status_code == 303, changed.get_data(as_text=True)[:2000]
    assert agent.get("/").status_code == 200  # no longer sent to /account/password


def test_must_change_password_answers_from_the_login_query_and_follows_changes(app):
    from app.auth import accounts

    with app.test_request_context("/"):
        user = accounts.get_user("agent")
        token = accounts.start_login(user)
        db.session.remove()
        loaded = accounts.user_for_login(token)
        assert loaded is not None and accounts.must_change_password(loaded) is False
        accounts._require_password_change(loaded, True)
        assert accounts.must_change_password(loaded) is True
        db.session.commit()
        db.session.remove()
        reloaded = accounts.user_for_login(token)
        assert accounts.must_change_password(reloaded) is True
        # a user object the login query did not load asks the database
        db.session.remove()
        assert accounts.must_change_password(accounts.get_user("agent")) is True


def test_a_disabled_users_login_ends_at_the_next_request(app, login_as):
    from app.auth import accounts

    agent = login_as("agent")
    assert agent.get("/").status_code == 200
    with app.app_context():
        accounts.disable_user("agent", actor="test")
        db.session.commit()
    assert agent.get("/").status_code in (302, 303)


# -- recently viewed --------------------------------------------------------------------------

class Viewer:
    def __init__(self, user_id: int) -> None:
        self.id = user_id


def listed(app, user_id: int) -> list[tuple[str, str]]:
    from app.recent import RecentView

    with app.app_context():
        return [(r.target_id, r.label) for r in db.session.scalars(
            sa.select(RecentView).filter_by(user_id=user_id)
            .order_by(RecentView.viewed_at.desc(), RecentView.id.desc()))]


def view(app, user, target, label=""):
    from app.recent import remember

    with app.app_context():
        remember(user.id, "customer", target, label)


@pytest.fixture
def viewer(app):
    from app.auth.accounts import get_user

    with app.app_context():
        return Viewer(get_user("agent").id)


def test_the_list_keeps_the_newest_twelve_in_order(app, viewer):
    from app.recent import KEPT_PER_USER

    targets = [f"cust-{n:04d}" for n in range(1, KEPT_PER_USER + 4)]
    for target in targets:
        view(app, viewer, target, f"Customer {target}")
    assert [t for t, _ in listed(app, viewer.id)] == list(reversed(targets))[:KEPT_PER_USER]


def test_viewing_an_older_entry_moves_it_to_the_top_and_keeps_its_label(app, viewer):
    for target in ("cust-0001", "cust-0002", "cust-0003"):
        view(app, viewer, target, f"Customer {target}")
    view(app, viewer, "cust-0001")  # no label this time: the old one stays
    assert listed(app, viewer.id) == [("cust-0001", "Customer cust-0001"), ("cust-0003", "Customer cust-0003"),
                                      ("cust-0002", "Customer cust-0002")]
    view(app, viewer, "cust-0002", "Renamed")
    assert listed(app, viewer.id)[0] == ("cust-0002", "Renamed")
    assert len(listed(app, viewer.id)) == 3


def test_a_view_costs_one_read_and_the_writes(app, viewer):
    from app.recent import KEPT_PER_USER

    for n in range(1, KEPT_PER_USER + 1):
        view(app, viewer, f"cust-{n:04d}")
    with Statements(app) as statements:
        view(app, viewer, "cust-0050")  # new: insert, and the oldest is dropped
    kinds = [s.split()[0] for s in statements.touching("recent_views")]
    assert kinds == ["SELECT", "INSERT", "DELETE"]
    assert len(listed(app, viewer.id)) == KEPT_PER_USER
    with Statements(app) as statements:
        view(app, viewer, "cust-0005")  # already listed: one update
    assert [s.split()[0] for s in statements.touching("recent_views")] == ["SELECT", "UPDATE"]
    with Statements(app) as statements:
        view(app, viewer, "cust-0005")  # the newest again, within a minute: read only
    assert [s.split()[0] for s in statements.touching("recent_views")] == ["SELECT"]


def test_entries_from_a_clock_ahead_stay_in_their_place(app, viewer):
    """Another server's clock may be ahead: the list is ordered by the stored times, as before."""
    from app.recent import RecentView
    from app.recent import KEPT_PER_USER

    for n in range(1, KEPT_PER_USER + 1):
        view(app, viewer, f"cust-{n:04d}")
    with app.app_context():
        ahead = db.session.scalars(sa.select(RecentView).filter_by(target_id="cust-0001")).one()
        ahead.viewed_at += timedelta(hours=1)
        db.session.commit()
    view(app, viewer, "cust-0050")
    order = [t for t, _ in listed(app, viewer.id)]
    assert order[:2] == ["cust-0001", "cust-0050"] and len(order) == KEPT_PER_USER
    assert "cust-0002" not in order  # the oldest by time went


# -- the session cookie -------------------------------------------------------------------------

def set_cookies(response) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith("talon_desk_session=")]


def test_the_session_cookie_is_set_at_login_and_not_on_every_page(app, client, csrf_token):
    token = csrf_token(client)
    login = client.post("/login", data={"username": "agent", "password": "demo", "csrf_token": token})
    assert login.status_code == 303
    [cookie] = set_cookies(login)
    assert "Expires=" in cookie and "HttpOnly" in cookie  # a permanent session, bounded by the login
    client.get("/")  # the first page stores its CSRF token in the session
    assert set_cookies(client.get("/")) == []
    assert client.get("/").status_code == 200  # and the login goes on


# -- the database pool ----------------------------------------------------------------------

def base_config(url: str, **extra) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "TALON_APPLICATION_ID": 1, "SESSION_MAX_AGE_HOURS": 12,
            "TRUSTED_PROXY_COUNT": 0, "TALON_DESK_MODE": "testing", **extra}


def test_postgresql_keeps_a_connection_per_thread():
    config = base_config("postgres://desk@db.internal/desk")
    finalise(config)
    assert config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_size": DATABASE_POOL_SIZE,
                                                   "max_overflow": DATABASE_POOL_OVERFLOW}
    assert DATABASE_POOL_SIZE >= 8  # gunicorn.conf.py's threads per worker
    assert DATABASE_POOL_SIZE + DATABASE_POOL_OVERFLOW == 15  # README, "Sizing"
    chosen = base_config("postgresql://desk@db/desk", SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 3})
    finalise(chosen)
    assert chosen["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 3


def test_sqlite_keeps_its_defaults():
    config = base_config("sqlite:///desk.sqlite")
    finalise(config)
    assert "SQLALCHEMY_ENGINE_OPTIONS" not in config


# -- SQLite commits (issue 19): write-ahead log, fsync at checkpoints -----------------------

def sqlite_settings(app) -> tuple[str, int]:
    with app.app_context():
        with db.engine.connect() as connection:
            mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    return mode, synchronous


def test_a_sqlite_database_is_written_ahead_and_synced_at_checkpoints(app):
    assert sqlite_settings(app) == ("wal", 1)  # 1: NORMAL


def test_sqlite_synchronous_full_keeps_every_commit_across_a_power_loss(app_config, tmp_path):
    from tests.conftest import make_console

    console = make_console({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'full.db'}",
                            "SQLITE_SYNCHRONOUS": "full"})
    assert sqlite_settings(console) == ("wal", 2)  # 2: FULL
    with console.app_context():
        db.engine.dispose()


def test_an_unknown_sqlite_synchronous_is_refused():
    from app.config import UnsafeConfiguration

    with pytest.raises(UnsafeConfiguration, match="SQLITE_SYNCHRONOUS"):
        finalise({"TALON_DESK_MODE": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                  "TALON_APPLICATION_ID": 1, "SESSION_MAX_AGE_HOURS": 1, "TRUSTED_PROXY_COUNT": 0,
                  "SQLITE_SYNCHRONOUS": "OFF"})
