"""How large a list of profile IDs may be, pasted or uploaded: BULK_MAX_BYTES and BULK_MAX_ROWS.

The bulk reader enforces them (app/bulk/reader.py), the 413 page names them (errors.py) and file
fields carry them for the browser's size check (the ``bulk_limits`` Jinja global, templating.py),
so they live in the core below all three.
"""

from __future__ import annotations

from flask import current_app

# Issue 18: lists of up to a million rows and 50 MB, streamed to the database (jobs.stage) and
# sent by the worker. MAX_CONTENT_LENGTH (config.py) leaves room for the form around the file.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_ROWS = 1_000_000


def limits() -> tuple[int, int]:
    """(maximum bytes, maximum rows) from BULK_MAX_BYTES / BULK_MAX_ROWS, or the defaults."""
    config = current_app.config
    return (int(config.get("BULK_MAX_BYTES", DEFAULT_MAX_BYTES)),
            int(config.get("BULK_MAX_ROWS", DEFAULT_MAX_ROWS)))


def size_text(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):g} MB"
    return f"{n_bytes / 1024:g} KB"
