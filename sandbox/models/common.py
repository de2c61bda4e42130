"""Helpers every model shares: timestamps, JSON columns, and money rounding."""
from __future__ import annotations

from datetime import datetime

from sandbox.clock import to_rfc3339

MONEY_PLACES = 2


def ts(moment: datetime) -> str:
    return to_rfc3339(moment)


def money(value: float) -> float | int:
    """Two decimals, and a whole number as an int (15 reads 15, as the engine writes it)."""
    rounded = round(float(value) + 0.0, MONEY_PLACES)
    return int(rounded) if rounded.is_integer() else rounded


def drop_none(values: dict) -> dict:
    """Optional spec fields are omitted rather than sent as null (the spec marks few nullable)."""
    return {key: value for key, value in values.items() if value is not None}
