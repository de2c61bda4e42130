"""How a failed Talon.One call is reported on the session pages: the page status, and the audit
entry of an action on a session. The wording and the audit of a failure are app.upstream's
(``failure_message``, ``audit_failure``), shared with every other area.
"""

from __future__ import annotations

from typing import Any

from ..audit.log import record
from ..talon.errors import (
    TalonBadRequest,
    TalonConflict,
    TalonError,
    TalonNotFound,
    TalonRateLimited,
    TalonTimeout,
)
from ..upstream import audit_failure


def http_status(error: TalonError) -> int:
    """The status of the page that reports the error."""
    if isinstance(error, TalonTimeout):
        return 504
    for cls, status in ((TalonConflict, 409), (TalonRateLimited, 429), (TalonNotFound, 404),
                        (TalonBadRequest, 422)):
        if isinstance(error, cls):
            return status
    return 502


def audit(action: str, session_id: str, summary: dict[str, Any], *, error: TalonError | None = None,
          dry_run: bool = False, upstream_status: int | None = 200, outcome: str | None = None):
    """One audit entry for an action on a session (target type "session"); a failure is audited
    by app.upstream.audit_failure."""
    if error is not None:
        return audit_failure(action, "session", session_id, error, summary=summary,
                             dry_run=dry_run, outcome=outcome)
    return record(action, "session", session_id, dry_run=dry_run, summary=summary,
                  outcome=outcome or "success", upstream_status=upstream_status)
