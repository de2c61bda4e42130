"""CSV export of audit entries, streamed row by row so a large log never sits in memory."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable, Iterator

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditEntry

COLUMNS = ("id", "time_utc", "actor", "role", "action", "target_type", "target_id", "dry_run",
           "outcome", "upstream_status", "client_ip", "summary")

# A cell starting with one of these is a formula to Excel/LibreOffice/Sheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 500


def neutralise(value: Any) -> Any:
    """Make a text cell inert for spreadsheets by prefixing a quote (OWASP's advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def entry_row(entry: AuditEntry) -> list[Any]:
    summary = json.dumps(entry.summary, ensure_ascii=False, sort_keys=True) if entry.summary else ""
    row = [
        entry.id, entry.created_at.isoformat(timespec="seconds") + "Z", entry.actor or "",
        entry.actor_role or "", entry.action, entry.target_type or "", entry.target_id or "",
        "yes" if entry.dry_run else "no", entry.outcome,
        "" if entry.upstream_status is None else entry.upstream_status, entry.client_ip or "",
        summary,
    ]
    return [neutralise(cell) for cell in row]


def csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 16_384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def stream_csv(query: sa.Select) -> Iterator[str]:
    """Run inside stream_with_context: the query executes while the response streams."""
    entries = db.session.execute(query.execution_options(yield_per=BATCH)).scalars()
    yield from csv_lines(entry_row(entry) for entry in entries)
