"""Which Management API endpoint a call goes to: its method and the spec's path template.

Talon.One limits each Management endpoint, not each URL (docs.talon.one, "Management API
overview": "Each of its endpoints has a limit of 3 requests per second"), so every card of
``GET /v1/loyalty_programs/{loyaltyProgramId}/cards/{loyaltyCardId}`` shares one budget. The
templates are those of talon-openapi.json for the operations management.py sends.
"""

from __future__ import annotations

import re
from functools import lru_cache

MANAGEMENT_TEMPLATES = (
    "GET /v1/applications/{applicationId}/sessions",
    "GET /v1/applications/{applicationId}/sessions/{sessionId}",
    "GET /v1/applications/{applicationId}/customers",
    "GET /v1/applications/{applicationId}/customers/{customerId}",
    "GET /v1/applications/{applicationId}/campaigns",
    "GET /v1/applications/{applicationId}/campaigns/{campaignId}",
    "GET /v1/applications/{applicationId}/campaigns/{campaignId}/coupons/no_total",
    "POST /v1/applications/{applicationId}/coupons_search_advanced/no_total",
    "GET /v1/applications/{applicationId}/events/no_total",
    "GET /v1/audiences",
    "GET /v1/audiences/analytics",
    "GET /v1/audiences/{audienceId}/memberships",
    "GET /v1/attributes",
    "GET /v1/loyalty_programs",
    "GET /v1/loyalty_programs/{loyaltyProgramId}",
    "GET /v1/loyalty_programs/{loyaltyProgramId}/cards",
    "GET /v1/loyalty_programs/{loyaltyProgramId}/cards/{loyaltyCardId}",
    "PUT /v1/loyalty_programs/{loyaltyProgramId}/cards/{loyaltyCardId}",
    "PUT /v1/loyalty_programs/{loyaltyProgramId}/cards/{loyaltyCardId}/add_points",
    "PUT /v1/loyalty_programs/{loyaltyProgramId}/cards/{loyaltyCardId}/deduct_points",
    "PUT /v1/loyalty_programs/{loyaltyProgramId}/profile/{integrationId}/add_points",
    "PUT /v1/loyalty_programs/{loyaltyProgramId}/profile/{integrationId}/deduct_points",
)


def _pattern(template: str) -> re.Pattern:
    method, path = template.split(" ", 1)
    parts = [r"[^/]+" if part.startswith("{") else re.escape(part) for part in path.split("/")]
    return re.compile(f"{method} " + "/".join(parts) + "$")


# More literal segments first, so /v1/audiences/analytics is never read as an audience ID.
_PATTERNS = sorted(((_pattern(t), t) for t in MANAGEMENT_TEMPLATES),
                   key=lambda pair: -sum(not p.startswith("{") for p in pair[1].split("/")))


@lru_cache(maxsize=4096)
def management_endpoint(method: str, path: str) -> str:
    """``"GET /v1/loyalty_programs/{loyaltyProgramId}/cards/{loyaltyCardId}"`` for
    ``("GET", "/v1/loyalty_programs/1/cards/4000-0001")``; a path that is none of the templates
    is its own endpoint (budgeted on its own, never shared with another)."""
    call = f"{method.upper()} {path}"
    for pattern, template in _PATTERNS:
        if pattern.match(call):
            return template
    return call
