"""Small display helpers for the agent console's templates."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..talon.models import parse_time


def desk_time(value: Any) -> str:
    """A datetime or RFC 3339 string as "2026-09-03 10:12 UTC"; empty for nothing."""
    when = value if isinstance(value, datetime) else parse_time(value)
    if when is None:
        return "" if value in (None, "") else str(value)
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M UTC")
