"""Helpers every model shares: timestamps, JSON columns, and money rounding."""
from __future__ import annotations

from datetime import datetime

from sandbox.clock import to_rfc3339

MONEY_PLACES = 2


def ts(moment: datetime) -> str:
    return to_rfc3339(moment)


# Whole amounts up to here are written as JSON integers; beyond it a float stays a float
# (SQLite stores integers in 64 bits).
LARGEST_EXACT_INTEGER = 2 ** 53


def money(value: float) -> float | int:
    """Two decimals, and a whole number as an int (15 reads 15, as the engine writes it)."""
    rounded = round(float(value) + 0.0, MONEY_PLACES)
    return int(rounded) if rounded.is_integer() and abs(rounded) <= LARGEST_EXACT_INTEGER else rounded


def drop_none(values: dict) -> dict:
    """Optional spec fields are omitted rather than sent as null (the spec marks few nullable)."""
    return {key: value for key, value in values.items() if value is not None}


def page(items: list, skip: int, page_size: int) -> dict:
    """{hasMore, data}: the paging of the spec's no-total list answers."""
    return {"hasMore": skip + page_size < len(items), "data": items[skip:skip + page_size]}
