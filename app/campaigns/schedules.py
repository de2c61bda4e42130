"""When a suite's schedule is due: pure functions of the schedule, the clock and what fired.

A schedule has slots: NIGHTLY one a day at its time (UTC), HOURLY and BEFORE_START one at the top
of every hour (BEFORE_START only while the campaign starts within ``soon_hours``). The periodic
check asks for the latest slot at or before now; the schedule is due when that slot is later
than both the last one fired and the moment the schedule was set. So a slot fires once (the
fired slot is kept), a worker that was down for three nights runs the suite once when it is back
(not three times), and setting a schedule at 12:00 for 02:00 first runs it the next night.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

OFF, NIGHTLY, HOURLY, BEFORE_START = "off", "nightly", "hourly", "before_start"
TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
SOON_HOURS_MAX = 24 * 14


def time_of_day_problem(text: str | None) -> str | None:
    if not text:
        return "Give the time of the nightly run, e.g. 02:00 (UTC)."
    if not TIME_OF_DAY.match(text):
        return "Write the time as HH:MM on a 24-hour clock, e.g. 02:00 (UTC)."
    return None


def latest_slot(kind: str, now: datetime, time_of_day: str | None = None) -> datetime | None:
    """The schedule's latest slot at or before ``now`` (naive UTC), None for OFF."""
    if kind == NIGHTLY:
        hour, minute = (int(part) for part in (time_of_day or "00:00").split(":"))
        slot = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return slot if slot <= now else slot - timedelta(days=1)
    if kind in (HOURLY, BEFORE_START):
        return now.replace(minute=0, second=0, microsecond=0)
    return None


def starts_soon(start_time: datetime | None, now: datetime, soon_hours: int | None) -> bool:
    """The campaign starts after now and within soon_hours."""
    return (start_time is not None and soon_hours is not None
            and now < start_time <= now + timedelta(hours=soon_hours))


def due_slot(kind: str, now: datetime, *, time_of_day: str | None = None,
             since: datetime | None = None, fired: datetime | None = None,
             start_time: datetime | None = None, soon_hours: int | None = None) -> datetime | None:
    """The slot to fire now, or None when the schedule is not due."""
    slot = latest_slot(kind, now, time_of_day)
    if slot is None:
        return None
    if kind == BEFORE_START and not starts_soon(start_time, now, soon_hours):
        return None
    if (since is not None and slot <= since) or (fired is not None and slot <= fired):
        return None
    return slot


def next_slot(kind: str, now: datetime, time_of_day: str | None = None) -> datetime | None:
    """The first slot after ``now`` (for the suite page: "next run")."""
    slot = latest_slot(kind, now, time_of_day)
    if slot is None:
        return None
    return slot + (timedelta(days=1) if kind == NIGHTLY else timedelta(hours=1))
