"""URL converters for every area.

`<int:...>` is bounded to what a database integer column holds, so an absurd ID in a URL is a
plain 404 for every route (SQLite raises OverflowError past 64 bits, PostgreSQL rejects past
32), instead of each view guarding its own lookups.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=LARGEST_ID if max is None else max, signed=signed)


def init_routing(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
