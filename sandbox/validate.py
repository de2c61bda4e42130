"""Request bodies checked with jsonschema, so bad input is a 400 and never a 500.

Talon.One's own operations are checked against the request schemas of talon-openapi.json
(`operation_body_schema`): the spec is the one definition, so the sandbox can be neither looser
nor stricter than it by accident. The sandbox's own bodies (control endpoints, fault plans) have
their own schemas, checked the same way. Errors keep Talon.One's error body: the first problem,
in words, with the JSON pointer of the offending value as `source.pointer`.

Beyond the schemas, one limit of the sandbox's storage (`check_storable`): SQLite keeps 64-bit
integers and the engine finite amounts.
"""
from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, ValidationError
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from sandbox.errors import InvalidRequest

SPEC_PATH = Path(__file__).with_name("talon-openapi.json")
# SQLite's integers, and so every integer the sandbox stores, are 64-bit.
INT64 = (-(2 ** 63), 2 ** 63 - 1)
# The largest amount the spec bounds (discountLimit's maximum): beyond it a total of a thousand
# cart items could leave the floats, and the sandbox answers no infinities.
MAX_NUMBER = 1e15


@functools.cache
def spec() -> dict:
    # The spec writes POSIX classes ([:cntrl:]) in 16 patterns; Python's re reads them as plain
    # character sets, so they are spelled out as the control-character range they mean.
    loaded = json.loads(SPEC_PATH.read_text().replace("[:cntrl:]", r"\\x00-\\x1f\\x7f"))
    # One erratum, read on purpose: CatalogActionFilter.value, "The value to filter for" (compared
    # with an item's attribute or price: a string or a number), is typed `object`, the generator's
    # rendering of an untyped value. Taken literally no filter could name a value, so any JSON
    # value passes there; it is the only `object` without properties in the bodies the sandbox takes.
    loaded["components"]["schemas"]["CatalogActionFilter"]["properties"]["value"] = {
        "description": "The value to filter for (any JSON value)"}
    return loaded


def warm_up(operation_ids) -> None:
    """Load the spec and build these operations' validators now, so the first request of a test
    (or of a person) does not pay for it."""
    for operation_id in operation_ids:
        if operation_id not in _operations():
            continue  # the sandbox's own control endpoints
        validator, _required = operation_body(operation_id)
        if validator is not None:
            list(validator.iter_errors({}))


@functools.cache
def _operations() -> dict[str, dict]:
    return {operation["operationId"]: operation for methods in spec()["paths"].values()
            for operation in methods.values() if isinstance(operation, dict) and "operationId" in operation}


@functools.cache
def operation_body(operation_id: str) -> tuple[OAS30Validator | None, bool]:
    """The validator of an operation's JSON request body and whether a body is required."""
    request_body = _operations()[operation_id].get("requestBody")
    if not request_body:
        return None, False
    content = request_body.get("content", {}).get("application/json")
    if content is None:
        return None, bool(request_body.get("required"))
    schema = content["schema"]
    validator = OAS30Validator({**schema, "components": spec()["components"]}, format_checker=oas30_format_checker)
    return validator, bool(request_body.get("required"))


@functools.cache
def _own_validator(schema_json: str) -> Draft7Validator:
    return Draft7Validator(json.loads(schema_json))


def validate_operation_body(body: Any, operation_id: str) -> None:
    """Raise InvalidRequest at the first place `body` breaks the operation's request schema."""
    validator, _required = operation_body(operation_id)
    if validator is not None:
        _raise_first(validator, body)
    check_storable(body)


def validate(value: Any, schema: dict, pointer: str = "") -> None:
    """Raise InvalidRequest at the first place `value` breaks `schema`, one of the sandbox's own
    schemas (JSON Schema draft 7; `nullable` as in OpenAPI 3.0)."""
    _raise_first(_own_validator(json.dumps(_with_nulls(schema), sort_keys=True)), value, pointer)
    check_storable(value, pointer)


def _with_nulls(schema: Any) -> Any:
    """OpenAPI's `nullable: true` as draft 7 says it: null is one more type."""
    if isinstance(schema, list):
        return [_with_nulls(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: _with_nulls(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable") and "type" in converted:
        converted["type"] = [converted["type"], "null"]
    return converted


def _raise_first(validator, value: Any, pointer: str = "") -> None:
    errors = sorted(validator.iter_errors(value), key=lambda e: (list(e.absolute_path), e.validator))
    if errors:
        raise _invalid(errors[0], pointer)


def _pointer(error: ValidationError, base: str) -> str:
    path = "".join(f"/{part}" for part in error.absolute_path)
    return (base + path) or "/"


def _invalid(error: ValidationError, base: str) -> InvalidRequest:
    where, keyword, expected = _pointer(error, base), error.validator, error.validator_value
    if keyword == "required":
        missing = next(name for name in expected if isinstance(error.instance, dict) and name not in error.instance)
        where = f"{base}{''.join(f'/{p}' for p in error.absolute_path)}/{missing}"
        return InvalidRequest(f"{where}: is required", pointer=where)
    words = {
        "type": lambda: "must not be null" if error.instance is None else
        f"must be {_article(_types(expected))} {_types(expected)}",
        "enum": lambda: f"must be one of {', '.join(map(str, expected))}",
        "minLength": lambda: f"must be at least {expected} characters",
        "maxLength": lambda: f"must be at most {expected} characters",
        "minimum": lambda: f"must be at least {expected}",
        "maximum": lambda: f"must be at most {expected}",
        "exclusiveMinimum": lambda: f"must be more than {expected}",
        "exclusiveMaximum": lambda: f"must be less than {expected}",
        "maxItems": lambda: f"at most {expected} items are allowed",
        "minItems": lambda: f"at least {expected} items are required",
        "pattern": lambda: f"must match {expected}",
        "format": lambda: f"must be {_article(str(expected))} {expected}",
        "uniqueItems": lambda: "must not repeat an item",
    }.get(keyword, lambda: error.message)
    return InvalidRequest(f"{where}: {words()}", pointer=where)


def _types(expected) -> str:
    return " or ".join(t for t in expected if t != "null") if isinstance(expected, list) else str(expected)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def check_storable(value: Any, pointer: str = "") -> None:
    """Integers within 64 bits, numbers finite and within ±MAX_NUMBER, anywhere in the body."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if not INT64[0] <= value <= INT64[1]:
            raise InvalidRequest(f"{pointer or '/'}: must fit in 64 bits", pointer=pointer or "/")
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            raise InvalidRequest(f"{pointer or '/'}: must be a finite number of at most {MAX_NUMBER:.0e}",
                                 pointer=pointer or "/")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_storable(item, f"{pointer}/{index}")
    elif isinstance(value, dict):
        for name, item in value.items():
            check_storable(item, f"{pointer}/{name}")


@functools.cache
def _component_validator(name: str) -> OAS30Validator:
    return OAS30Validator({**spec()["components"]["schemas"][name], "components": spec()["components"]},
                          format_checker=oas30_format_checker)


def validate_component(value: Any, name: str, pointer: str = "") -> None:
    """Raise InvalidRequest where `value` breaks the spec's schema `name` (a part of a body that
    the operation's schema leaves open, such as a catalog action's payload)."""
    _raise_first(_component_validator(name), value, pointer)
    check_storable(value, pointer)
