"""The audit entry of an action on a session. The wording and the audit of a failure are shared
with every other area (app.talon_failures, app.upstream.audit_failure)."""

from __future__ import annotations

from typing import Any

from ..audit.log import record
from ..talon.errors import TalonError
from ..upstream import audit_failure


def audit(action: str, session_id: str, summary: dict[str, Any], *, error: TalonError | None = None,
          dry_run: bool = False, upstream_status: int | None = 200, outcome: str | None = None):
    """One audit entry for an action on a session (target type "session"); a failure is audited
    by app.upstream.audit_failure."""
    if error is not None:
        return audit_failure(action, "session", session_id, error, summary=summary,
                             dry_run=dry_run, outcome=outcome)
    return record(action, "session", session_id, dry_run=dry_run, summary=summary,
                  outcome=outcome or "success", upstream_status=upstream_status)
