"""The console's own tables: staff users and their logins, the audit log, idempotency records.

Times are stored as naive UTC datetimes (the same on SQLite and PostgreSQL); utcnow() makes them.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .extensions import db

ROLES = ("agent", "marketer", "manager", "admin")
OUTCOMES = ("success", "failure", "refused", "unknown")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """A staff account. `get_id` is the current login's token, not the user id, so Flask-Login's
    cookie names one LoginSession row that the server can revoke."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20))
    # storeIntegrationId a manager is tied to; None means every store.
    store: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    logins: Mapped[list["LoginSession"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (sa.CheckConstraint(f"role IN {ROLES!r}", name="role_known"),)

    # The LoginSession this request was authenticated with (set by the user loader or at login).
    login_token = None  # str, not a column

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users at login_user
        return self.active

    def get_id(self) -> str | None:
        return self.login_token

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class LoginSession(db.Model):
    """One login of one user. Logging out deletes the row, disabling the user deletes all of
    them; a cookie that names a missing row is not logged in (server-side invalidation)."""

    __tablename__ = "login_sessions"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True, default=new_token)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="logins")


class PasswordChangeRequired(db.Model):
    """An account that must choose a new password at its next login: the row exists while the
    change is pending (after an admin reset, or a new account with a one-time password);
    app.auth.accounts adds and removes rows, and every page leads the user to /account/password
    until it is gone."""

    __tablename__ = "password_change_required"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(db.Model):
    """Append-only: the ORM refuses updates and deletes (see the listeners below)."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    actor_role: Mapped[str | None] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    target_type: Mapped[str | None] = mapped_column(sa.String(40))
    target_id: Mapped[str | None] = mapped_column(sa.String(255))
    dry_run: Mapped[bool] = mapped_column(default=False)
    summary: Mapped[dict | None] = mapped_column(sa.JSON)
    outcome: Mapped[str] = mapped_column(sa.String(20))
    upstream_status: Mapped[int | None]
    client_ip: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (
        sa.Index("ix_audit_entries_target", "target_type", "target_id"),
        sa.CheckConstraint(f"outcome IN {OUTCOMES!r}", name="outcome_known"),
    )


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_audit_change(mapper, connection, target) -> None:
    raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_change(state) -> None:
    # Bulk UPDATE/DELETE statements bypass the mapper events above.
    if (state.is_update or state.is_delete) and AuditEntry.__mapper__ in state.all_mappers:
        raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")


class IdempotencyRecord(db.Model):
    """The stored answer to a request that carried an idempotency key (returns use it so that a
    double-submitted form is sent to Talon.One once). Unique per (scope, key); request_hash tells
    a replay (same body) from a conflicting reuse of the key (different body)."""

    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(255))
    scope: Mapped[str] = mapped_column(sa.String(255))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    response: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (sa.UniqueConstraint("scope", "key", name="uq_idempotency_records_scope_key"),)


class PointsCap(db.Model):
    """How many loyalty points one role may add or deduct by hand (app/points_caps.py): per
    change and per staff member per day. An admin sets them (/admin/points-caps); a role without
    a row has the defaults of points_caps.DEFAULT_CAPS; NULL means no cap."""

    __tablename__ = "points_caps"

    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    per_change: Mapped[int | None]
    per_day: Mapped[int | None]
    updated_by: Mapped[str | None] = mapped_column(sa.String(80))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(f"role IN {ROLES!r}", name="points_cap_role_known"),
        sa.CheckConstraint("per_change IS NULL OR per_change > 0", name="points_cap_per_change_positive"),
        sa.CheckConstraint("per_day IS NULL OR per_day > 0", name="points_cap_per_day_positive"),
    )


class PointsChange(db.Model):
    """The console's own ledger of points added or deducted by hand: one row per form, written
    before the change is sent (status pending), so the day's sum per staff member that the daily
    cap counts comes from here, never from the form. A change that definitely failed is deleted;
    one whose answer never came stays (status unknown): it may have happened, so it counts."""

    __tablename__ = "points_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    actor: Mapped[str] = mapped_column(sa.String(80))
    actor_role: Mapped[str] = mapped_column(sa.String(20))
    direction: Mapped[str] = mapped_column(sa.String(10))  # add or deduct
    points: Mapped[float] = mapped_column(sa.Float)
    account: Mapped[str] = mapped_column(sa.String(400))  # "card:1/4000-0001", "profile:2/cust-0001"
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")  # pending, done, unknown
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.Index("ix_points_changes_actor_created", "actor", "created_at"),
        sa.CheckConstraint("points > 0", name="points_change_positive"),
    )
