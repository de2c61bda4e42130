"""The admin area's table: accounts that must choose a new password at their next login.

A row exists while the change is pending (after an admin reset or a new account with a
one-time password); app.auth.accounts adds and removes rows, and the admin blueprint sends the
user to /account/password until it is gone."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import utcnow


class PasswordChangeRequired(db.Model):
    __tablename__ = "password_change_required"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
