"""Talon.One's 2xx answer schemas as plain JSON Schema, one per operation of the spec.

talon-openapi.json is OpenAPI 3.0: its schemas use ``$ref`` into components, ``nullable``, the
boolean ``exclusiveMinimum`` of draft 4, and OpenAPI formats (int64, csv...) that JSON Schema
tools do not know. hypothesis-jsonschema and jsonschema_rs want JSON Schema (draft 7), so each
schema is translated once: references inlined (the spec has no cycles), ``nullable`` as a
``null`` alternative, integer formats as their bounds, unknown string formats dropped (they
constrain nothing a validator checks), documentation keywords dropped.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from tests.support.openapi import spec_dict

METHODS = ("get", "put", "post", "delete", "patch")
# The formats hypothesis-jsonschema generates and jsonschema_rs checks alike.
KNOWN_STRING_FORMATS = frozenset({"date-time", "date", "email", "uuid"})
INTEGER_BOUNDS = {"int64": (-(2**63), 2**63 - 1), "int32": (-(2**31), 2**31 - 1)}
DOCUMENTATION = frozenset({"description", "example", "examples", "title", "xml", "externalDocs",
                           "deprecated", "discriminator", "readOnly", "writeOnly"})


def _translate(schema, components: dict, memo: dict):
    if isinstance(schema, list):
        return [_translate(s, components, memo) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in memo:
            memo[name] = _translate(components[name], components, memo)
        return memo[name]
    out = {}
    for key, value in schema.items():
        if key in DOCUMENTATION or key.startswith("x-") or key == "nullable":
            continue
        if key in ("properties",):
            out[key] = {name: _translate(s, components, memo) for name, s in value.items()}
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            out[key] = _translate(value, components, memo)
        elif key == "format":
            kind = schema.get("type")
            if kind == "integer" and value in INTEGER_BOUNDS:
                low, high = INTEGER_BOUNDS[value]
                out.setdefault("minimum", low)
                out.setdefault("maximum", high)
            elif kind == "string" and value in KNOWN_STRING_FORMATS:
                out[key] = value
        elif key == "pattern":
            # ECMAScript's [^] (any character) is not a class in Python or Rust regexes.
            out[key] = value.replace("[^]", r"[\s\S]")
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if value and bound in schema:
                out[key] = schema[bound]
        else:
            out[key] = value
    for key, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if key in out and out.get(bound) == out[key]:
            del out[bound]
    if schema.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    template: str  # the spec's path, e.g. /v2/customer_sessions/{customerSessionId}
    status: int  # the 2xx the stand-in answers with
    schema: dict | None  # None: the answer has no body (204)
    pattern: re.Pattern

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and bool(self.pattern.fullmatch(path))


def _path_pattern(template: str) -> re.Pattern:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


@functools.cache
def operations() -> tuple[Operation, ...]:
    """Every operation of the spec with its first declared 2xx answer. Literal paths come before
    templated ones, so /v1/audiences/analytics is not read as /v1/audiences/{audienceId}."""
    spec = spec_dict()
    components = spec["components"]["schemas"]
    memo: dict = {}
    found = []
    for template, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if not op:
                continue
            code = min((c for c in op["responses"] if c.startswith("2")), default=None)
            if code is None:
                continue
            content = (op["responses"][code].get("content") or {}).get("application/json")
            schema = _translate(content["schema"], components, memo) if content else None
            found.append(Operation(op.get("operationId", f"{method} {template}"), method.upper(),
                                   template, int(code), schema, _path_pattern(template)))
    return tuple(sorted(found, key=lambda o: (o.template.count("{"), -len(o.template))))


def operation_for(method: str, path: str) -> Operation | None:
    return next((op for op in operations() if op.matches(method, path)), None)
