"""A small JSON-Schema subset for request bodies, so bad input is a 400 and never a 500.

Request schemas (sandbox/api/bodies.py) mirror the spec's: type, properties, required, items,
enum, minLength, maxLength, minimum, maximum, maxItems, nullable. The error names the JSON
pointer of the first offending value, as Talon.One's `source.pointer` does.
"""
from __future__ import annotations

import math
from typing import Any

from sandbox.errors import InvalidRequest

# SQLite's integers, and so every integer the sandbox stores, are 64-bit.
INT64 = (-(2 ** 63), 2 ** 63 - 1)
JSON_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
}


def _type_ok(value: Any, expected: str) -> bool:
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, JSON_TYPES[expected])


def validate(value: Any, schema: dict, pointer: str = "") -> None:
    """Raise InvalidRequest at the first place `value` breaks `schema`."""
    where = pointer or "/"
    if value is None:
        if schema.get("nullable"):
            return
        raise InvalidRequest(f"{where}: must not be null", pointer=where)
    expected = schema.get("type")
    if expected and not _type_ok(value, expected):
        raise InvalidRequest(f"{where}: must be {'an' if expected[0] in 'aeiou' else 'a'} {expected}",
                             pointer=where)
    if "enum" in schema and value not in schema["enum"]:
        raise InvalidRequest(f"{where}: must be one of {', '.join(map(str, schema['enum']))}", pointer=where)
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            raise InvalidRequest(f"{where}: must be at least {schema['minLength']} characters", pointer=where)
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise InvalidRequest(f"{where}: must be at most {schema['maxLength']} characters", pointer=where)
    if expected == "integer" and not INT64[0] <= value <= INT64[1]:
        raise InvalidRequest(f"{where}: must fit in 64 bits", pointer=where)
    if expected == "number" and isinstance(value, float) and not math.isfinite(value):
        raise InvalidRequest(f"{where}: must be a finite number", pointer=where)
    if expected in ("integer", "number"):
        if "minimum" in schema and value < schema["minimum"]:
            raise InvalidRequest(f"{where}: must be at least {schema['minimum']}", pointer=where)
        if "maximum" in schema and value > schema["maximum"]:
            raise InvalidRequest(f"{where}: must be at most {schema['maximum']}", pointer=where)
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise InvalidRequest(f"{where}: at most {schema['maxItems']} items are allowed", pointer=where)
        if "minItems" in schema and len(value) < schema["minItems"]:
            raise InvalidRequest(f"{where}: at least {schema['minItems']} items are required", pointer=where)
        items = schema.get("items")
        if items:
            for index, item in enumerate(value):
                validate(item, items, f"{pointer}/{index}")
    if isinstance(value, dict):
        for name in schema.get("required", ()):
            if name not in value:
                raise InvalidRequest(f"{pointer}/{name}: is required", pointer=f"{pointer}/{name}")
        properties = schema.get("properties", {})
        for name, sub in properties.items():
            if name in value:
                validate(value[name], sub, f"{pointer}/{name}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for name, item in value.items():
                if name not in properties:
                    validate(item, extra, f"{pointer}/{name}")
