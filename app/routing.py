"""URL converters and query numbers for every area.

`<int:...>` is bounded to what a database integer column holds, so an absurd ID in a URL is a
plain 404 for every route (SQLite raises OverflowError past 64 bits, PostgreSQL rejects past
32), instead of each view guarding its own lookups.

Numbers in the query string (``?page=``, ``?case=``) go through ``int_arg`` and ``page_arg`` for
the same reason: ``page=99999999999999999999999`` is a Python int, whose offset no database and
no Talon.One ``skip`` takes. Anything that is not a whole number reads as the default, and a
number out of range is held to the nearest bound (a page past the end is an empty page).
"""

from __future__ import annotations

from typing import Mapping

from flask import Flask, request
from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**31 - 1
#: the last page any list offers (a thousand rows a page is ten million rows)
MAX_PAGE = 10_000


def is_dot_segment(value: str) -> bool:
    """``.`` or ``..``: as an ID in a URL (ours, or Talon.One's) it would not name an object
    but move along the path, so such IDs are refused (RFC 3986, section 3.3)."""
    return value in (".", "..")


DOT_SEGMENT_PROBLEM = "An ID cannot be . or .. (in an address they mean a folder, not an ID)."


def int_arg(name: str, default: int, *, low: int, high: int, args: Mapping | None = None) -> int:
    """The query argument ``name`` (of ``args``, the request's by default) as a whole number
    from ``low`` to ``high``."""
    raw = (request.args if args is None else args).get(name)
    try:
        number = int(str(raw).strip()) if raw is not None else default
    except ValueError:  # not a number, or more digits than Python converts
        return default
    return min(max(number, low), high)


def page_arg(args: Mapping | None = None, name: str = "page") -> int:
    """``?page=``: from 1 to MAX_PAGE."""
    return int_arg(name, 1, low=1, high=MAX_PAGE, args=args)


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # the names werkzeug's converters take
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=LARGEST_ID if max is None else max, signed=signed)


def init_routing(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
