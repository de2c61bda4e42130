"""Money and points arithmetic for the rule engine.

Amounts are computed in Decimal and rounded half-up, so that the same cart always gives the same
cents (floats would make 0.145 round either way) and rollbacks add up exactly to what was given.
"""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

MONEY_PLACES = 2
DEFAULT_POINTS_PLACES = 2
ZERO = Decimal("0")
HUNDRED = Decimal("100")


def dec(value) -> Decimal:
    """A Decimal from an int, float, str or Decimal; None and "" count as zero."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, Decimal):
        return value
    # str() first: Decimal(0.1) would carry the float's binary error into the cents.
    return Decimal(str(value))


def quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def quantize_down(value: Decimal, places: int) -> Decimal:
    """Rounded towards zero: loyalty programs never give a fraction they were not earned."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)


def money(value: Decimal) -> Decimal:
    return quantize(value, MONEY_PLACES)


def number(value: Decimal) -> float | int:
    """The JSON number for a Decimal: an int when whole, so 15 reads 15 and not 15.0."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def percent_of(base: Decimal, percent) -> Decimal:
    return money(base * dec(percent) / HUNDRED)


def prorated_difference(total: Decimal, before: Decimal, after: Decimal, whole: Decimal,
                        places: int) -> Decimal:
    """The part of `total` that belongs to the share moving from before/whole to after/whole.

    Each share is rounded on its own and the difference taken, so successive partial returns
    always sum to exactly `total` once everything is returned (no cent is lost or made up).
    """
    if whole <= 0:
        return ZERO
    return quantize(total * after / whole, places) - quantize(total * before / whole, places)
