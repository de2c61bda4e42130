"""What a profile or session integration ID may look like before Talon.One is asked about it.

Talon.One's integration IDs are free text of up to 1000 characters; the console takes printable
ones without spaces, quotes or markup, up to 255 (what the audit log and recent views keep
whole). Anything else gets a clear 404 and no upstream call.
"""

from __future__ import annotations

import re

from ..routing import DOT_SEGMENT_PROBLEM, is_dot_segment

INTEGRATION_ID_LIMIT = 255
INTEGRATION_ID = re.compile(r"^[^\s<>\"'`\\\x00-\x1f\x7f]+$")


def integration_id_problem(value: str) -> str | None:
    """None when ``value`` can be a profile or session integration ID, else what is wrong."""
    if not value:
        return "The ID is empty."
    if len(value) > INTEGRATION_ID_LIMIT:
        return f"An ID has at most {INTEGRATION_ID_LIMIT} characters (this one has {len(value)})."
    if not INTEGRATION_ID.match(value):
        return "An ID cannot contain spaces, quotes, markup (< >) or control characters."
    if is_dot_segment(value):
        return DOT_SEGMENT_PROBLEM
    return None
