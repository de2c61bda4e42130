"""Talon.One's durations (a loyalty program's defaultPending and defaultValidity) in words.

The spec (LoyaltyProgram.defaultPending/defaultValidity): 'immediate', 'on_action', 'unlimited',
or a number and a unit letter ('30s', '40m', '1h', '5D', '7W', '10M', and 'Y'), optionally with a
rounding suffix: '_D' (to the start of the day) or '_U' (to the end of the day, week or month).
"""

from __future__ import annotations

import re

WORDS = {"immediate": "none (active at once)", "on_action": "until an action activates them",
         "unlimited": "no end"}
UNITS = {"s": "second", "m": "minute", "h": "hour", "D": "day", "W": "week", "M": "month", "Y": "year"}
ROUNDING = {"_D": ", from the start of the day", "_U": ", to the end of the {unit}"}
DURATION = re.compile(r"^(\d+)([smhDWMY])(_D|_U)?$")


def duration_words(value: str | None) -> str:
    """``14D`` → ``14 days``; ``1M_U`` → ``1 month, to the end of the month``; anything else as
    it came (a newer Talon.One may know more)."""
    if not value:
        return "—"
    if value in WORDS:
        return WORDS[value]
    match = DURATION.match(value)
    if not match:
        return value
    number, unit, rounding = int(match[1]), UNITS[match[2]], match[3]
    words = f"{number} {unit}{'' if number == 1 else 's'}"
    return words + (ROUNDING[rounding].format(unit=unit) if rounding else "")
