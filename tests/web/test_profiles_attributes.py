"""Attribute types and value parsing (app/profiles/attributes.py): pure, no app needed."""

from __future__ import annotations

import pytest

from app.profiles.attributes import AttributeValueError, kind_of, name_problem, parse


@pytest.mark.parametrize("value, kind", [
    (True, "boolean"), (3, "number"), (2.5, "number"), ("Berlin", "string"),
    ("2025-03-31T09:30:00Z", "time"), ("2025-03-31", "time"), (None, "string"),
    (["a"], None), ({"a": 1}, None),
])
def test_the_type_comes_from_the_stored_value(value, kind):
    assert kind_of(value) == kind


@pytest.mark.parametrize("raw, kind, expected", [
    ("42", "number", 42), ("-1.5", "number", -1.5), ("1,000", "number", 1000),
    ("TRUE", "boolean", True), ("false", "boolean", False),
    ("2025-03-31", "time", "2025-03-31T00:00:00Z"),
    ("2025-03-31T11:30:00+02:00", "time", "2025-03-31T09:30:00Z"),
    ("Café 5", "string", "Café 5"), ("", "string", ""),
])
def test_values_parse_to_their_type(raw, kind, expected):
    assert parse(raw, kind) == expected


@pytest.mark.parametrize("raw, kind, message", [
    ("gold", "number", "is a number"), ("nan", "number", "is a number"), ("1e400", "number", "is a number"),
    ("1_000", "number", "is a number"), ("1e16", "number", "too large"), ("", "number", "Enter a number"),
    ("yes", "boolean", "true or false"), ("31/03/2025", "time", "date and time"),
    ("2025-02-30", "time", "date and time"), ("<b>", "string", "Markup"), ("x" * 501, "string", "At most 500"),
    ("a\x00b", "string", "Control characters"),
])
def test_values_of_the_wrong_type_are_refused(raw, kind, message):
    with pytest.raises(AttributeValueError, match=message):
        parse(raw, kind)


def test_attribute_names():
    assert name_problem("ShoeSize") is None
    assert name_problem("2fast") and name_problem("has space") and name_problem("x" * 65)
