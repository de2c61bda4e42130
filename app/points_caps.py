"""Points added or deducted by hand (goodwill points): the reasons staff choose from, the caps
per role an admin sets, and the console's own ledger of such changes that the daily cap counts.

The cap is the console's guardrail, not Talon.One's (Talon.One takes any amount from a
Management key): per change (points in one addition or deduction) and per day (the sum of one
staff member's additions and deductions since the start of the day, in the console's time zone).
Deductions count as much as additions. A role without a row has DEFAULT_CAPS; None is no cap.

The day's sum comes from the PointsChange table, never from the form. A form is reserved there
(committed) before it is sent; the sum then counts the staff member's rows of the day up to and
including the new one (by ID), so of two changes racing from two windows the later row sees the
earlier and is refused if both together are above the cap. A change that definitely failed is
removed again; one whose answer never came (unknown) keeps counting, since it may have happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timezone

import sqlalchemy as sa
from flask_babel import get_timezone
from sqlalchemy.exc import IntegrityError

from .audit_log import record
from .extensions import db
from .formatting import points as points_words
from .models import PointsCap, PointsChange, utcnow
from .permissions import PERMISSIONS

PERMISSION = "loyalty_points"
ADD, DEDUCT = "add", "deduct"
#: (value, label): why points are added or deducted; the label is sent to Talon.One as the
#: transaction's name ("Name / reason for the point addition", AddLoyaltyPoints.name)
REASONS = (
    ("goodwill", "Goodwill"),
    ("service_failure", "Service failure"),
    ("correction", "Correction"),
    ("other", "Other"),
)
REASON_LABELS = dict(REASONS)
NOTE_MAX = 300
NAME_MAX = 200  # of the transaction name sent to Talon.One (reason and the note's start)


@dataclass(frozen=True)
class Cap:
    per_change: int | None  # None: no cap
    per_day: int | None


DEFAULT_CAPS = {"agent": Cap(100, 300), "manager": Cap(1000, 5000), "admin": Cap(None, None)}
NO_CAP = Cap(None, None)


def capped_roles() -> tuple[str, ...]:
    """The roles that may add or deduct points (the permission table's), in the table's order."""
    allowed = PERMISSIONS[PERMISSION].roles
    return tuple(role for role in ("agent", "manager", "admin") if role in allowed)


def caps() -> dict[str, Cap]:
    stored = {row.role: Cap(row.per_change, row.per_day)
              for row in db.session.scalars(sa.select(PointsCap))}
    return {role: stored.get(role, DEFAULT_CAPS.get(role, NO_CAP)) for role in capped_roles()}


def cap_for(role: str) -> Cap:
    return caps().get(role, Cap(0, 0))


def set_caps(new: dict[str, Cap], actor: str) -> None:
    """Store the caps an admin set (one audit entry with before and after)."""
    before = caps()
    for role, cap in new.items():
        row = db.session.get(PointsCap, role) or PointsCap(role=role)
        row.per_change, row.per_day = cap.per_change, cap.per_day
        row.updated_by, row.updated_at = actor, utcnow()
        db.session.add(row)
    db.session.commit()
    record("points_caps.update", "points_caps", None, summary={
        role: {"per_change": [before[role].per_change, cap.per_change],
               "per_day": [before[role].per_day, cap.per_day]}
        for role, cap in new.items()})


# -- the day's sum ----------------------------------------------------------------------------


def day_start(now: datetime | None = None) -> datetime:
    """The start of today in the console's time zone, as a naive UTC datetime (the database's)."""
    zone = get_timezone()
    moment = (now or utcnow()).replace(tzinfo=timezone.utc).astimezone(zone)
    start = zone.localize(datetime.combine(moment.date(), time.min)) \
        if hasattr(zone, "localize") else datetime.combine(moment.date(), time.min, zone)
    return start.astimezone(timezone.utc).replace(tzinfo=None)


def used_today(actor: str, *, up_to: int | None = None) -> float:
    """Points this staff member added or deducted today (rows pending, done or unknown)."""
    query = sa.select(sa.func.coalesce(sa.func.sum(PointsChange.points), 0.0)).where(
        PointsChange.actor == actor, PointsChange.created_at >= day_start())
    if up_to is not None:
        query = query.where(PointsChange.id <= up_to)
    return float(db.session.scalar(query) or 0.0)


# -- refusals ---------------------------------------------------------------------------------

_ARTICLE = {"agent": "an agent", "manager": "a manager", "admin": "an admin"}


def _who_else(role: str, amount: float, per: str) -> str:
    """Who may do it instead: the roles above this one whose cap allows the amount."""
    others = [r for r in ("manager", "admin") if r != role and r in capped_roles()]
    able = [r for r in others
            if getattr(cap_for(r), per) is None or getattr(cap_for(r), per) >= amount]
    if not able:
        return "An admin can raise the cap (Admin → Points caps)."
    text = " or ".join(_ARTICLE[r] for r in able)
    return text[0].upper() + text[1:] + " can do it."


def per_change_refusal(role: str, amount: float) -> str | None:
    cap = cap_for(role).per_change
    if cap is None or amount <= cap:
        return None
    return (f"Above your cap: as {_ARTICLE.get(role, role)} you may add or deduct at most "
            f"{points_words(cap)} points in one change (this one is {points_words(amount)}). "
            f"Nothing was sent. {_who_else(role, amount, 'per_change')}")


def daily_refusal(role: str, used: float, amount: float) -> str | None:
    cap = cap_for(role).per_day
    if cap is None or used + amount <= cap:
        return None
    left = max(cap - used, 0)
    return (f"Above your daily cap: as {_ARTICLE.get(role, role)} you may add or deduct at most "
            f"{points_words(cap)} points a day; you have used {points_words(used)} today and this "
            f"change is {points_words(amount)} ({points_words(left)} left). Nothing was sent. "
            f"{_who_else(role, amount, 'per_day')}")


# -- the console's ledger -----------------------------------------------------------------------


def reserve(form_key: str, actor: str, role: str, direction: str, amount: float,
            account: str) -> PointsChange | None:
    """Write the form's row (pending) before it is sent; None when the form has a row already
    (a double click or a refresh: app.changes answers it)."""
    row = PointsChange(form_key=form_key, actor=actor, actor_role=role, direction=direction,
                       points=amount, account=account, status="pending", created_at=utcnow())
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return row


def release(row: PointsChange) -> None:
    """The change was not made (refused by the cap, or by Talon.One): it does not count."""
    db.session.execute(sa.delete(PointsChange).where(PointsChange.id == row.id))
    db.session.commit()


def settle(row: PointsChange, status: str) -> None:
    db.session.execute(sa.update(PointsChange).where(PointsChange.id == row.id).values(status=status))
    db.session.commit()


def transaction_name(reason: str, note: str) -> str:
    """What Talon.One keeps as the transaction's name: the reason, and the note's beginning."""
    label = REASON_LABELS.get(reason, reason)
    text = f"{label}: {note}" if note else label
    return text if len(text) <= NAME_MAX else text[:NAME_MAX - 1] + "…"
