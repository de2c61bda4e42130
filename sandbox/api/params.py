"""Reading a request: its JSON body and its typed query parameters, with 400s that say why."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request

from sandbox.clock import parse_rfc3339
from sandbox.errors import InvalidRequest
from sandbox.requestlog import PARSED_BODY
from sandbox.validate import INT64, operation_body, validate, validate_operation_body

MAX_BODY_BYTES = 8 * 1024 * 1024


def json_body(request: Request, schema: str | dict) -> Any:
    """The body parsed and checked: `schema` names a Talon.One operation (its request schema in
    talon-openapi.json) or is one of the sandbox's own. Malformed JSON is a 400, never a 500."""
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise InvalidRequest(f"The body is larger than {MAX_BODY_BYTES} bytes")
    raw = request.get_data(cache=True)
    if not raw.strip():
        if isinstance(schema, str) and not operation_body(schema)[1]:
            return {}  # the operation's body is optional
        raise InvalidRequest("The request needs a JSON body")
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"The body is not valid JSON: {exc}") from None
    request.environ[PARSED_BODY] = body   # the request log counts its items
    if isinstance(schema, str):
        validate_operation_body(body, schema)
    else:
        validate(body, schema)
    return body


def _refuse_constant(name: str):
    # Python's json reads NaN and Infinity, which are not JSON and no amount can be.
    raise ValueError(f"{name} is not a JSON number")


class Query:
    """Typed access to the query string; each getter raises InvalidRequest naming the parameter."""

    def __init__(self, request: Request) -> None:
        self.args = request.args

    def text(self, name: str, default: str | None = None, *, min_length: int = 0,
             choices: tuple[str, ...] | None = None) -> str | None:
        value = self.args.get(name)
        if value is None:
            return default
        if len(value) < min_length:
            raise InvalidRequest(f"{name} must be at least {min_length} characters", parameter=name)
        if choices is not None and value not in choices:
            raise InvalidRequest(f"{name} must be one of {', '.join(choices)}", parameter=name)
        return value

    def flag(self, name: str, default: bool | None = False) -> bool | None:
        value = self.args.get(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise InvalidRequest(f"{name} must be true or false, not {value!r}", parameter=name)

    def integer(self, name: str, default: int | None = None, *, minimum: int | None = None,
                maximum: int | None = None) -> int | None:
        value = self.args.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise InvalidRequest(f"{name} must be an integer, not {value!r}", parameter=name) from None
        if not INT64[0] <= number <= INT64[1]:
            raise InvalidRequest(f"{name} must fit in 64 bits", parameter=name)
        if minimum is not None and number < minimum:
            raise InvalidRequest(f"{name} must be at least {minimum}", parameter=name)
        if maximum is not None and number > maximum:
            raise InvalidRequest(f"{name} must be at most {maximum}", parameter=name)
        return number

    def moment(self, name: str) -> datetime | None:
        value = self.args.get(name)
        return None if value is None else parse_rfc3339(value, field=name, parameter=True)

    def many(self, name: str, *, choices: tuple[str, ...] | None = None) -> list[str] | None:
        """A list: the parameter repeated, or comma-separated, or both."""
        values = [part.strip() for raw in self.args.getlist(name) for part in raw.split(",") if part.strip()]
        if not values:
            return None
        if choices is not None:
            wrong = [v for v in values if v not in choices]
            if wrong:
                raise InvalidRequest(f"{name} must be among {', '.join(choices)}, not {wrong[0]!r}", parameter=name)
        return values

    def paging(self, default_size: int = 1000) -> dict:
        return {"pageSize": self.integer("pageSize", default_size, minimum=1, maximum=1000),
                "skip": self.integer("skip", 0, minimum=0)}
