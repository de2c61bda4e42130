"""What each staff user looked at last, for the home page's "recently viewed" list.

Kept in the database rather than the cookie session: it follows the user across browsers and
logins, it never puts customer IDs into a cookie, and the cookie stays small.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import utcnow

VIEW_KINDS = ("customer", "session")


class RecentView(db.Model):
    __tablename__ = "recent_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    target_id: Mapped[str] = mapped_column(sa.String(255))
    label: Mapped[str] = mapped_column(sa.String(255), default="")
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "target_id", name="uq_recent_views_user_target"),
        sa.Index("ix_recent_views_user_viewed", "user_id", "viewed_at"),
        sa.CheckConstraint(f"kind IN {VIEW_KINDS!r}", name="kind_known"),
    )
