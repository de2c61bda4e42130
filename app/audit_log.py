"""The audit log's writing side, for every area and the core: record() appends one entry (the
/audit page that reads them is the audit area's).

Call it after every action that changes or previews something in Talon.One, with what was asked
(summary) and how it went (outcome, upstream_status). Permission refusals call it themselves
(app.permissions). It commits the current database session, so the entry is kept even when the
request fails afterwards.
"""

from __future__ import annotations

import json
from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from .extensions import db
from .models import OUTCOMES, AuditEntry

SUMMARY_LIMIT = 4000  # characters of JSON kept per entry
REDACTED = "[redacted]"
# Field names whose values never belong in a log.
SECRET_MARKERS = ("password", "secret", "token", "apikey", "api_key", "authorization", "csrf")


def redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            str(k): REDACTED if any(m in str(k).lower() for m in SECRET_MARKERS) else redact(v)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value


def trim_summary(summary: Any) -> Any:
    """The summary as JSON-safe data of bounded size. Oversized summaries are kept as a text
    preview rather than cut mid-structure, so the stored value is always valid JSON."""
    if summary is None:
        return None
    text = json.dumps(redact(summary), default=str, ensure_ascii=False)
    if len(text) <= SUMMARY_LIMIT:
        return json.loads(text)
    return {"truncated": True, "preview": text[:SUMMARY_LIMIT]}


def _current_actor() -> tuple[str | None, str | None]:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.username, current_user.role
    return None, None


def record(
    action: str,
    target_type: str | None,
    target_id: Any,
    *,
    dry_run: bool = False,
    summary: Any = None,
    outcome: str = "success",
    upstream_status: int | None = None,
    actor: str | None = None,
    actor_role: str | None = None,
) -> AuditEntry:
    """Append and commit one audit entry. The actor is the logged-in user unless given (the CLI
    passes its own)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
    if actor is None:
        actor, current_role = _current_actor()
        actor_role = actor_role or current_role
    entry = AuditEntry(
        actor=actor,
        actor_role=actor_role,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id)[:255],
        dry_run=bool(dry_run),
        summary=trim_summary(summary),
        outcome=outcome,
        upstream_status=upstream_status,
        client_ip=request.remote_addr if has_request_context() else None,
    )
    if not db.session.is_active:
        # A failed flush earlier in the request left the session unusable.
        db.session.rollback()
    db.session.add(entry)
    db.session.commit()
    return entry
