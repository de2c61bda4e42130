"""Where a search match leads."""

from __future__ import annotations

from flask import url_for

from .lookups import Match

PAGES = {
    "customer": lambda m: url_for("customers.show", integration_id=m.identifier),
    "session": lambda m: url_for("sessions.show", session_id=m.identifier),
    "coupon": lambda m: url_for("coupons.show", code=m.identifier),
    "card": lambda m: url_for("loyalty.card", program_id=m.program_id, identifier=m.identifier),
}


def match_url(match: Match) -> str | None:
    """The page of a search match; None for a card whose program is not known."""
    if match.kind == "card" and match.program_id is None:
        return None
    return PAGES[match.kind](match)
