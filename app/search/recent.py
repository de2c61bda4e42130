"""Remember what a user viewed, and list it back (newest first, a short list)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import utcnow
from .models import RecentView

log = logging.getLogger(__name__)
KEPT_PER_USER = 12
LABEL_LIMIT = 255
#: a repeated view of the user's newest entry is written again only after this long
REWRITE_AFTER = timedelta(seconds=60)


def remember(user: Any, kind: str, target_id: str, label: str = "") -> None:
    """Record a view. A database problem here must never break the page being viewed, so it is
    logged and swallowed.

    Views repeated within REWRITE_AFTER of the user's newest entry are not written again (one
    read, no write, no commit): the list's order is unchanged by such a view. A view of anything
    that is not already the user's newest entry is always written, so the order stays right."""
    user_id = getattr(user, "id", None)
    if user_id is None:
        return
    label = (label or "")[:LABEL_LIMIT]
    target_id = target_id[:255]
    try:
        newest = db.session.scalar(
            sa.select(RecentView).filter_by(user_id=user_id)
            .order_by(RecentView.viewed_at.desc(), RecentView.id.desc()).limit(1))
        now = utcnow()
        if (newest is not None and newest.kind == kind and newest.target_id == target_id
                and (newest.label == label or not label)
                and timedelta(0) <= now - newest.viewed_at < REWRITE_AFTER):
            return
        if newest is not None and newest.kind == kind and newest.target_id == target_id:
            existing = newest
        else:
            existing = db.session.scalar(sa.select(RecentView).filter_by(
                user_id=user_id, kind=kind, target_id=target_id))
        if existing is None:
            db.session.add(RecentView(user_id=user_id, kind=kind, target_id=target_id,
                                      label=label, viewed_at=now))
            db.session.flush()
            stale = db.session.scalars(
                sa.select(RecentView.id).filter_by(user_id=user_id)
                .order_by(RecentView.viewed_at.desc(), RecentView.id.desc()).offset(KEPT_PER_USER)
            ).all()
            if stale:
                db.session.execute(sa.delete(RecentView).where(RecentView.id.in_(stale)))
        else:
            existing.viewed_at = now
            existing.label = label or existing.label
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
