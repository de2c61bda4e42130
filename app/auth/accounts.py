"""Staff accounts and their logins: the one implementation behind the CLI, the login page, the
later /admin/users page and the tests. Every change to an account is audited here, so no caller
can forget it."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit_log import record
from ..bulk.notices import WAITING_ATTR, waiting_for
from ..config import DEMO_PASSWORD, DEMO_USERNAMES
from ..extensions import db
from ..models import ROLES, LoginSession, PasswordChangeRequired, User, utcnow
from .passwords import password_problem

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
DEMO_STORE = "store-berlin"


class AccountError(ValueError):
    """A request the account rules refuse (unknown user, bad role, weak password...)."""


def _clean_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise AccountError(
            "username must be 2-80 characters: lowercase letters, digits, dot, dash, underscore")
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    return role


def _is_demo_account(username: str, password: str) -> bool:
    """The demo accounts themselves (make run, the tests), which production refuses at start."""
    return (username in DEMO_USERNAMES and password == DEMO_PASSWORD
            and current_app.config["TALON_DESK_MODE"] != "production")


def _check_password(username: str, password: str) -> None:
    """The password policy (app.auth.passwords), in every mode, for every way a password is
    set: creation, an admin's reset, the CLI, one's own change."""
    if _is_demo_account(username, password):
        return
    problem = password_problem(username, password)
    if problem:
        raise AccountError(problem)


def _hash_method() -> str:
    """scrypt (werkzeug's default). Tests may ask for a cheaper method through
    PASSWORD_HASH_METHOD to save time; production ignores that setting."""
    method = current_app.config.get("PASSWORD_HASH_METHOD")
    if not method or current_app.config["TALON_DESK_MODE"] == "production":
        method = "scrypt"
    return method


def _hash(password: str) -> str:
    return generate_password_hash(password, method=_hash_method())


def _store_for(role: str, store: str | None) -> str | None:
    store = (store or "").strip() or None
    if store and role != "manager":
        raise AccountError("only managers can be tied to a store")
    return store


def _audit(action: str, user: User, actor: str | None, summary: dict | None = None) -> None:
    """Record an account change and commit it. `actor` names a non-web caller (the CLI);
    in a request the logged-in user is the actor."""
    record(action, "user", user.username, summary=summary, actor=actor,
           actor_role="system" if actor else None)


def get_user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == (username or "").strip().lower()))


def require_user(username: str) -> User:
    user = get_user(username)
    if user is None:
        raise AccountError(f"no user named {username!r}")
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.username)))


def create_user(username: str, password: str, role: str, store: str | None = None, *,
                actor: str | None = None) -> User:
    name = _clean_username(username)
    _check_role(role)
    store = _store_for(role, store)
    if get_user(name) is not None:
        raise AccountError(f"user {name!r} already exists")
    _check_password(name, password)
    user = User(username=name, password_hash=_hash(password), role=role, store=store, active=True)
    db.session.add(user)
    db.session.flush()
    _audit("user.create", user, actor, {"role": role, "store": user.store})
    return user


def revoke_logins(user: User) -> int:
    """End every login of the user at once (their next request is anonymous)."""
    result = db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))
    return result.rowcount or 0


def disable_user(username: str, *, actor: str | None = None) -> User:
    user = require_user(username)
    user.active = False
    ended = revoke_logins(user)
    _audit("user.disable", user, actor, {"logins_ended": ended})
    return user


def enable_user(username: str, *, actor: str | None = None) -> User:
    user = require_user(username)
    user.active = True
    _audit("user.enable", user, actor)
    return user


def set_role(username: str, role: str, store: str | None = None, *, actor: str | None = None) -> User:
    """Change the role (and the store, which only managers may have). Takes effect on the
    user's next request, since the user is loaded from the database every time."""
    user = require_user(username)
    before = {"role": user.role, "store": user.store}
    user.role = _check_role(role)
    user.store = _store_for(role, store)
    _audit("user.set_role", user, actor,
           {"before": before, "after": {"role": user.role, "store": user.store}})
    return user


def set_password(username: str, password: str, *, actor: str | None = None) -> User:
    """An administrator gives the account this password (the CLI's set-password): it ends the
    account's logins and clears any pending "choose a new password" requirement."""
    user = require_user(username)
    ended = _replace_password(user, password, must_change=False)
    _audit("user.set_password", user, actor, {"logins_ended": ended})
    return user


def _replace_password(user: User, password: str, *, must_change: bool) -> int:
    """The one way an account's password is replaced by someone else: checked, hashed, every
    login ended, and the next-login password change required or cleared. Returns the logins
    ended."""
    _check_password(user.username, password)
    user.password_hash = _hash(password)
    ended = revoke_logins(user)
    _require_password_change(user, must_change)
    return ended


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A hash made as the accounts' are (_hash_method): checking it costs what checking a
    real account's password costs (with scrypt whatever the setting, an unknown name cost a
    test ~0.1 s against pbkdf2's ~1 ms for a wrong password)."""
    return generate_password_hash("not-a-real-password", method=method)


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Unknown names cost as much time as
    wrong passwords, so response times do not reveal which usernames exist."""
    user = get_user(username)
    if user is None:
        check_password_hash(_dummy_hash(_hash_method()), password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


def start_login(user: User) -> str:
    """A fresh login token for the user (a new one at every login, so a token seen before the
    login is worthless after it). Also drops the user's expired logins."""
    cutoff = utcnow() - _max_age()
    db.session.execute(sa.delete(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.created_at < cutoff))
    login = LoginSession(user_id=user.id)
    db.session.add(login)
    user.last_login_at = utcnow()
    db.session.commit()
    user.login_token = login.token
    return login.token


def end_login(token: str | None) -> None:
    if token:
        db.session.execute(sa.delete(LoginSession).where(LoginSession.token == token))
        db.session.commit()


@lru_cache(maxsize=1)
def _login_query() -> sa.Select:
    """user_for_login's statement, built once (the token is a bound parameter)."""
    pending = PasswordChangeRequired
    return (
        sa.select(User, LoginSession.created_at, pending.user_id, waiting_for(User.username))
        .join(LoginSession, LoginSession.user_id == User.id)
        .outerjoin(pending, pending.user_id == User.id)
        .where(LoginSession.token == sa.bindparam("token"))
    )


def user_for_login(token: str) -> User | None:
    """Flask-Login's user loader: the active user of a live, unexpired login.

    Runs on every request, so it is one query: the same statement also reads whether the user
    must choose a new password (the admin area's before_request asks must_change_password on
    every page) and whether bulk-job notices wait for the user (base.html shows them), which
    saves a round trip to the database per request each."""
    row = db.session.execute(_login_query(), {"token": token}).first()
    if row is None:
        return None
    user, created_at, pending_user_id, notices_waiting = row
    if not user.active or created_at < utcnow() - _max_age():
        return None
    user.login_token = token
    _remember_password_change(user, pending_user_id is not None)
    setattr(user, WAITING_ATTR, bool(notices_waiting))  # for base.html's bulk notices
    return user


def _max_age() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_MAX_AGE_HOURS"])


def ensure_demo_accounts() -> list[str]:
    """Demo mode: the four accounts with password 'demo' (the manager tied to store-berlin),
    created if missing. Returns the names created."""
    created = []
    for role in DEMO_USERNAMES:
        if get_user(role) is None:
            create_user(role, DEMO_PASSWORD, role, store=DEMO_STORE if role == "manager" else None,
                        actor="demo-setup")
            created.append(role)
    db.session.commit()
    return created


def demo_accounts_present() -> list[str]:
    """Names of demo accounts that still have the password 'demo' (production refuses them).
    Returns [] when the users table does not exist yet (before the first migration)."""
    if not sa.inspect(db.engine).has_table(User.__tablename__):
        return []
    users = db.session.scalars(sa.select(User).where(User.username.in_(DEMO_USERNAMES)))
    return [u.username for u in users if check_password_hash(u.password_hash, DEMO_PASSWORD)]


# -- added for /admin/users (issue 7); the CLI uses the same functions ----------------------

ONE_TIME_PASSWORD_BYTES = 12  # 16 URL-safe characters, above the production minimum


def generate_one_time_password() -> str:
    import secrets

    return secrets.token_urlsafe(ONE_TIME_PASSWORD_BYTES)


# The answer of must_change_password, read with the user by the user loader for this request
# (a plain instance attribute, not a column: it lives as long as the loaded User object, which is
# one request's database session). _require_password_change keeps it up to date.
_PENDING_CHANGE_ATTR = "_password_change_pending"


def _remember_password_change(user: User, pending: bool) -> None:
    setattr(user, _PENDING_CHANGE_ATTR, pending)


def must_change_password(user: User) -> bool:
    """Whether the user has to choose a new password before using the console."""
    known = getattr(user, _PENDING_CHANGE_ATTR, None)
    if known is not None:
        return known
    model = PasswordChangeRequired
    return db.session.get(model, user.id) is not None


def _require_password_change(user: User, required: bool) -> None:
    model = PasswordChangeRequired
    row = db.session.get(model, user.id)
    if required and row is None:
        db.session.add(model(user_id=user.id))
    elif not required and row is not None:
        db.session.delete(row)
    _remember_password_change(user, required)


def create_user_with_password(username: str, role: str, store: str | None = None, *,
                              password: str | None = None, must_change: bool = True,
                              actor: str | None = None) -> tuple[User, str | None]:
    """create_user, with a generated one-time password when none is given (returned once, to
    be shown once and never stored), and optionally a new password required at first login."""
    generated = None
    if not password:
        password = generated = generate_one_time_password()
        must_change = True
    user = create_user(username, password, role, store, actor=actor)
    _require_password_change(user, must_change)
    db.session.commit()
    return user, generated


def reset_password(username: str, *, password: str | None = None, must_change: bool = True,
                   actor: str | None = None) -> tuple[User, str | None]:
    """Replace the password and end the account's logins. Without `password` a one-time
    password is generated and returned (the caller shows it once); `must_change` makes the user
    choose their own at the next login."""
    generated = None
    if not password:
        password = generated = generate_one_time_password()
        must_change = True
    user = require_user(username)
    ended = _replace_password(user, password, must_change=must_change)
    # (No key may contain "password": the audit log redacts those.)
    _audit("user.reset_password", user, actor,
           {"logins_ended": ended, "generated": generated is not None, "must_change": must_change})
    return user, generated


class WrongCurrentPassword(AccountError):
    """A change of one's own password that did not prove the current one."""


def change_own_password(user: User, password: str, *, current: str | None = None,
                        keep_login: str | None = None) -> None:
    """The user chose a new password (first login after a reset, or any time): it replaces the
    old one, the pending change is cleared, and every other login of the account ends.

    The current password is required (OWASP ASVS 2.1.6: an unlocked desk or a stolen cookie is
    not enough to take the account over), except right after an administrator set a temporary
    or one-time password: the user has just proved it by logging in with it."""
    if not must_change_password(user) and not check_password_hash(user.password_hash, current or ""):
        raise WrongCurrentPassword("current password is wrong")
    _check_password(user.username, password)
    if check_password_hash(user.password_hash, password):
        raise AccountError("choose a password different from the current one")
    user.password_hash = _hash(password)
    others = sa.delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_login:
        others = others.where(LoginSession.token != keep_login)
    ended = db.session.execute(others).rowcount or 0
    _require_password_change(user, False)
    _audit("user.change_own_password", user, None, {"other_logins_ended": ended})


def end_sessions(username: str, *, actor: str | None = None) -> int:
    """End every login of the account now (it stays enabled; its next request must log in)."""
    user = require_user(username)
    ended = revoke_logins(user)
    _audit("user.end_sessions", user, actor, {"logins_ended": ended})
    return ended


def open_login_counts() -> dict[int, int]:
    """{user id: logins not yet expired} for the accounts page."""
    cutoff = utcnow() - _max_age()
    rows = db.session.execute(
        sa.select(LoginSession.user_id, sa.func.count())
        .where(LoginSession.created_at >= cutoff)
        .group_by(LoginSession.user_id))
    return {user_id: count for user_id, count in rows}


def users_needing_password_change() -> set[int]:
    model = PasswordChangeRequired
    return set(db.session.scalars(sa.select(model.user_id)))
