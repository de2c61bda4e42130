"""Small helpers that turn Python values into Talon.One's wire format."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping
from urllib.parse import quote


def segment(value: Any) -> str:
    """One path segment, percent-encoded (session IDs and coupon codes may hold '/' or '#').
    ``.`` and ``..`` are encoded too (quote leaves dots alone): as they are, they would walk the
    path (/profile/../transactions) on our side, in proxies and in Talon.One's router. The
    console refuses such IDs before this (app.routing.is_dot_segment); this is the last guard."""
    encoded = quote(str(value), safe="")
    return encoded.replace(".", "%2E") if encoded in (".", "..") else encoded


def rfc3339(value: datetime | str | None) -> str | None:
    """A datetime as RFC 3339 (UTC written as Z); strings pass through unchanged."""
    if value is None or isinstance(value, str):
        return value
    return value.isoformat().replace("+00:00", "Z")


def csv(values: Iterable[Any] | None) -> str | None:
    """Array query parameters with ``explode: false`` go as one comma-separated value."""
    if values is None:
        return None
    return ",".join(str(v) for v in values)


def str_list(values: Iterable[Any] | None) -> list[str] | None:
    return None if values is None else [str(v) for v in values]


def int_list(values: Iterable[Any] | None) -> list[int] | None:
    return None if values is None else [int(v) for v in values]


def drop_none(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}
