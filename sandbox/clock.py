"""Time in the sandbox: RFC 3339 formatting and parsing, and a clock the demo seeder can pin.

Talon.One answers every timestamp in UTC with a `Z`-less offset-aware RFC 3339 form; the spec
only requires `date-time`, so we always write `2025-01-31T12:00:00Z` (seconds precision keeps
ordering stable and strings short).
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sandbox.errors import InvalidRequest

UTC = timezone.utc


def to_rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: object, *, field: str, parameter: bool = False) -> datetime:
    """Parse an RFC 3339 timestamp; naive times are refused like Talon.One refuses them."""
    where = {"parameter": field} if parameter else {"pointer": field}
    if not isinstance(text, str):
        raise InvalidRequest(f"{field} must be an RFC 3339 timestamp string", **where)
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest(f"{field} is not an RFC 3339 timestamp: {text!r}", **where) from None
    if moment.tzinfo is None:
        raise InvalidRequest(f"{field} must carry a time zone offset: {text!r}", **where)
    return moment.astimezone(UTC)


class Clock:
    """Wall-clock time, or a pinned time while the demo seeder replays history."""

    def __init__(self) -> None:
        self._pinned = threading.local()

    def now(self) -> datetime:
        pinned = getattr(self._pinned, "moment", None)
        return pinned if pinned is not None else datetime.now(UTC).replace(microsecond=0)

    def pin(self, moment: datetime | None) -> None:
        self._pinned.moment = moment


def add_duration(start: datetime, duration: str | None) -> datetime | None:
    """Talon.One durations: `unlimited`, `immediate`, or a count with a unit (30D, 12h, 2M, 1Y)."""
    if not duration or duration in ("unlimited", "immediate"):
        return None if duration != "immediate" else start
    amount, unit = int(duration[:-1]), duration[-1]
    if unit in ("s",):
        return start + timedelta(seconds=amount)
    if unit in ("m",):
        return start + timedelta(minutes=amount)
    if unit in ("h", "H"):
        return start + timedelta(hours=amount)
    if unit in ("D", "d"):
        return start + timedelta(days=amount)
    if unit in ("W", "w"):
        return start + timedelta(weeks=amount)
    if unit == "M":
        return start + timedelta(days=30 * amount)
    if unit in ("Y", "y"):
        return start + timedelta(days=365 * amount)
    raise ValueError(f"unknown duration unit in {duration!r}")
