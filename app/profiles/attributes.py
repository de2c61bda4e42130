"""Customer profile attributes as staff edit them: each has a type, and a new value must be of it.

The type is the one Talon.One declares for the attribute (GET /v1/attributes, entity
CustomerProfile). Attributes it does not declare keep the type of their current value (a number
stays a number, true/false a boolean, an RFC 3339 time a time), and new undeclared ones get the
type chosen in the form. Values are parsed here, before anything is sent.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Mapping

from flask import g

from ..talon import talon
from ..talon.errors import TalonError
from ..validators import text_problem

log = logging.getLogger(__name__)

KINDS = {
    "string": "text",
    "number": "number",
    "boolean": "true or false",
    "time": "date and time",
}
TEXT_MAX = 500
NUMBER_MAX = 1e15  # beyond this a float no longer holds whole numbers exactly
_TIME_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


class AttributeValueError(ValueError):
    """A value that does not fit its attribute; the message is shown next to the field."""


def kind_of(value: Any) -> str | None:
    """The type of a stored value, or None for lists and objects (not editable here)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "time" if _TIME_SHAPE.match(value) and _parse_time(value) is not None else "string"
    if value is None:
        return "string"
    return None


def _parse_time(text: str) -> datetime | None:
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), timezone.utc)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse(raw: str | None, kind: str) -> Any:
    """The typed value of `raw` (form text) for an attribute of `kind`."""
    text = (raw or "").strip()
    if kind == "string":
        problem = text_problem(raw or "", limit=TEXT_MAX)
        if problem:
            raise AttributeValueError(problem)
        return raw or ""
    if not text:
        raise AttributeValueError(f"Enter a {KINDS[kind]}.")
    if kind == "number":
        try:
            number = float(text.replace(",", "")) if re.fullmatch(r"[+-]?[\d,]*\.?\d+([eE][+-]?\d+)?", text) else None
        except ValueError:
            number = None
        if number is None or not math.isfinite(number):
            raise AttributeValueError(f"This attribute is a number; {_quote(text)} is not a number.")
        if abs(number) > NUMBER_MAX:
            raise AttributeValueError("The number is too large.")
        return int(number) if number.is_integer() else number
    if kind == "boolean":
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise AttributeValueError(f"This attribute is true or false; {_quote(text)} is neither.")
        return lowered == "true"
    if kind == "time":
        moment = _parse_time(text) if _TIME_SHAPE.match(text) else None
        if moment is None:
            raise AttributeValueError(
                f"This attribute is a date and time, such as 2025-03-31T09:30:00Z; {_quote(text)} is not.")
        return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    raise AttributeValueError(f"Unknown attribute type {kind!r}.")


def _quote(text: str) -> str:
    shown = text if len(text) <= 40 else text[:37] + "..."
    return f"\u201c{shown}\u201d"


def as_text(value: Any, kind: str) -> str:
    """A stored value as the form shows it."""
    if kind == "boolean":
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


@dataclass(frozen=True)
class Attribute:
    """One attribute of a profile, as the edit form lists it."""

    name: str
    value: Any
    kind: str | None  # None: a list or object, shown but not editable

    @property
    def editable(self) -> bool:
        return self.kind is not None


def editable_kind(declared_type: str) -> str | None:
    """The form's type for a type Talon.One declares; None for lists and locations."""
    return declared_type if declared_type in KINDS else None


def declared_types() -> dict[str, str]:
    """{name: declared type} of the CustomerProfile attributes, read once per request. When
    Talon.One cannot be asked, none: every type is then taken from the values, as before."""
    if "profile_attribute_types" not in g:
        try:
            g.profile_attribute_types = {
                a.name: a.type for a in talon.management.iterate(
                    talon.management.list_attributes, entity="CustomerProfile", limit=10_000)}
        except TalonError as error:
            log.warning("attribute definitions unavailable, types inferred from values: %s", error)
            g.profile_attribute_types = {}
    return g.profile_attribute_types


def attributes_of(profile_attributes: dict, declared: Mapping[str, str] | None = None) -> list[Attribute]:
    """The profile's attributes, typed by `declared` (default: Talon.One's definitions)."""
    declared = declared_types() if declared is None else declared
    return [Attribute(name, value, editable_kind(declared[name]) if name in declared else kind_of(value))
            for name, value in sorted((profile_attributes or {}).items(), key=lambda kv: kv[0].lower())]
