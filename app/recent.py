"""What each staff user looked at last: remember a view, list them back (newest first, a short
list) for the home page.

Kept in the database rather than the cookie session: it follows the user across browsers and
logins, it never puts customer IDs into a cookie, and the cookie stays small. The customer and
session pages remember, the home page lists.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .models import utcnow

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


log = logging.getLogger(__name__)
KEPT_PER_USER = 12
LABEL_LIMIT = 255
#: a repeated view of the user's newest entry is written again only after this long
REWRITE_AFTER = timedelta(seconds=60)


_TABLE = RecentView.__table__
# remember()'s statements, built once: it runs on every customer and session page.
_USER_ENTRIES = (
    sa.select(_TABLE.c.id, _TABLE.c.kind, _TABLE.c.target_id, _TABLE.c.label, _TABLE.c.viewed_at)
    .where(_TABLE.c.user_id == sa.bindparam("user_id"))
    .order_by(_TABLE.c.viewed_at.desc(), _TABLE.c.id.desc())
)
_INSERT = sa.insert(_TABLE)
_UPDATE = sa.update(_TABLE).where(_TABLE.c.id == sa.bindparam("entry_id"))
_DELETE = sa.delete(_TABLE).where(_TABLE.c.id.in_(sa.bindparam("ids", expanding=True)))


def remember(user_id: int | None, kind: str, target_id: str, label: str = "") -> None:
    """Record a view. A database problem here must never break the page being viewed, so it is
    logged and swallowed.

    Views repeated within REWRITE_AFTER of the user's newest entry are not written again (one
    read, no write, no commit): the list's order is unchanged by such a view. A view of anything
    that is not already the user's newest entry is always written, so the order stays right.

    Every page view comes here, so it costs one read of the user's short list (at most
    KEPT_PER_USER rows, kept so by the trimming below), from which the newest entry, an existing
    entry for this target and the entries to trim are all known, then at most one insert or
    update, one delete and the commit; plain statements, no ORM unit of work."""
    if user_id is None:
        return
    label = (label or "")[:LABEL_LIMIT]
    target_id = target_id[:255]
    try:
        entries = db.session.execute(_USER_ENTRIES, {"user_id": user_id}).all()
        newest = entries[0] if entries else None
        now = utcnow()
        if (newest is not None and newest.kind == kind and newest.target_id == target_id
                and (newest.label == label or not label)
                and timedelta(0) <= now - newest.viewed_at < REWRITE_AFTER):
            return
        existing = next((e for e in entries if e.kind == kind and e.target_id == target_id), None)
        if existing is None:
            # The new entry goes before every entry viewed up to now (a later viewed_at can only
            # come from another server's clock), and everything past KEPT_PER_USER is dropped.
            ahead = sum(1 for e in entries if e.viewed_at > now)
            if ahead < KEPT_PER_USER:
                stale = entries[KEPT_PER_USER - 1:]
                db.session.execute(_INSERT, {"user_id": user_id, "kind": kind, "target_id": target_id,
                                             "label": label, "viewed_at": now})
            else:  # the new entry itself would be past the end of the list
                stale = entries[KEPT_PER_USER:]
            if stale:
                db.session.execute(_DELETE, {"ids": [e.id for e in stale]})
        else:
            db.session.execute(_UPDATE, {"entry_id": existing.id, "viewed_at": now,
                                         "label": label or existing.label})
        db.session.commit()
    except SQLAlchemyError:
        # e.g. two tabs recording the same view at once (unique constraint): harmless
        db.session.rollback()
        log.warning("could not record a recent view of %s %s", kind, target_id, exc_info=True)


def recently_viewed(user: Any, limit: int = 10) -> list[RecentView]:
    user_id = getattr(user, "id", None)
    if user_id is None:
        return []
    try:
        return list(db.session.scalars(
            sa.select(RecentView).filter_by(user_id=user_id)
            .order_by(RecentView.viewed_at.desc(), RecentView.id.desc()).limit(limit)))
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not read recent views", exc_info=True)
        return []


def forget_profile(integration_id: str) -> int:
    """After a customer's personal data is erased: every user's recent view of the customer
    (its label is the customer's name) and of their sessions (labelled with the customer's ID)
    goes, so no list on the console still names the person. The number of entries removed."""
    removed = db.session.execute(sa.delete(_TABLE).where(sa.or_(
        sa.and_(_TABLE.c.kind == "customer", _TABLE.c.target_id == integration_id),
        sa.and_(_TABLE.c.kind == "session", _TABLE.c.label == integration_id),
    ))).rowcount
    db.session.commit()
    return removed or 0
