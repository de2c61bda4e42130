"""Working out what an ID is: a profile, a session, a coupon code or a loyalty card.

Talon.One has no "find anything" call, so each kind is looked up on its own and the lookups run
in parallel (talon.fan_out): an answer takes one round trip, not four. A lookup that fails is
reported as such, so "nothing found" is only said when every lookup really answered.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..talon import talon
from ..talon.errors import TalonError, TalonNotFound

KINDS = ("customer", "session", "coupon", "card")
KIND_LABELS = {"customer": "Customer", "session": "Session", "coupon": "Coupon", "card": "Loyalty card"}
# Talon.One's own rule for card identifiers (LoyaltyCard.identifier in the spec): anything else
# cannot be a card, so it is not asked for.
CARD_IDENTIFIER = re.compile(r"^[A-Za-z0-9._%+@-]+$")
COUPON_CODE_LIMIT = 100
SUGGESTION_MINIMUM = 3  # Talon.One's partialMatch needs three characters
SUGGESTIONS_PER_KIND = 5
PROGRAMS_TTL = 60.0


@dataclass(frozen=True)
class Match:
    kind: str
    identifier: str
    label: str
    detail: str = ""
    program_id: int | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class Lookup:
    """The outcome of looking a query up: what matched, and which kinds could not be checked."""

    query: str
    matches: list[Match] = field(default_factory=list)
    failures: dict[str, TalonError] = field(default_factory=dict)

    @property
    def single(self) -> Match | None:
        """The one answer, only when it is certain (one match and every lookup answered)."""
        if len(self.matches) == 1 and not self.failures:
            return self.matches[0]
        return None


class _CardPrograms:
    """Card-based loyalty programs, cached briefly: every card lookup needs the program IDs and
    they change rarely, so a search costs one round trip instead of two."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: dict[str, tuple[float, list[tuple[int, str]]]] = {}

    def get(self) -> list[tuple[int, str]]:
        key = talon.settings.base_url
        hit = self._cached.get(key)
        if hit is not None and time.monotonic() - hit[0] < PROGRAMS_TTL:
            return hit[1]
        programs = [(p.id, p.title or p.name) for p in talon.management.list_loyalty_programs()
                    if p.card_based and p.id is not None]
        with self._lock:
            self._cached[key] = (time.monotonic(), programs)
        return programs

    def peek(self) -> list[tuple[int, str]] | None:
        """The cached programs, or None when they would have to be asked for."""
        hit = self._cached.get(talon.settings.base_url)
        if hit is not None and time.monotonic() - hit[0] < PROGRAMS_TTL:
            return hit[1]
        return None


card_programs = _CardPrograms()


# -- exact lookups (the search) ------------------------------------------------------------

def _customer(query: str) -> list[Match]:
    profile = talon.management.find_customer(query)
    if profile is None:
        return []
    detail = f"{profile.closed_sessions or 0} closed sessions"
    return [Match("customer", profile.integration_id, profile.display_name, detail)]


def _session(query: str) -> list[Match]:
    try:
        state = talon.integration.get_customer_session(query)
    except TalonNotFound:
        return []
    session = state.session
    if session is None:
        return []
    detail = " · ".join(x for x in (session.state.replace("_", " "), session.profile_id or "",
                                     session.store_integration_id or "") if x)
    return [Match("session", session.integration_id or query, session.integration_id or query, detail)]


def _coupon(query: str) -> list[Match]:
    if len(query) > COUPON_CODE_LIMIT:
        return []
    coupon = talon.management.find_coupon(query)
    if coupon is None:
        return []
    detail = f"campaign {coupon.campaign_id}" + (f" · {coupon.state}" if coupon.state else "")
    return [Match("coupon", coupon.value, coupon.value, detail)]


def _card_in(program_id: int, title: str, query: str) -> list[Match]:
    try:
        card = talon.management.get_loyalty_card(program_id, query)
    except TalonNotFound:
        return []
    return [Match("card", card.identifier or query, card.identifier or query,
                  f"{title} · {card.status}", program_id=program_id)]


def _card_calls(query: str, programs: list[tuple[int, str]]) -> dict[str, Callable[[], list[Match]]]:
    return {f"card:{program_id}": (lambda p=program_id, t=title: _card_in(p, t, query))
            for program_id, title in programs}


def _merge_cards(results: dict[str, Any], names: list[str]) -> list[Match] | TalonError:
    """The card programs' answers as one "card" result (its first failure, if any failed)."""
    found: list[Match] = []
    for name in names:
        result = results.pop(name)
        if isinstance(result, TalonError):
            return result
        found.extend(result)
    return found


def _card(query: str) -> list[Match]:
    """Every card program asked at once (in line when this already runs inside a fan-out)."""
    if not CARD_IDENTIFIER.match(query):
        return []
    calls = _card_calls(query, card_programs.get())
    merged = _merge_cards(talon.fan_out(calls), list(calls))
    if isinstance(merged, TalonError):
        raise merged
    return merged


EXACT_LOOKUPS: dict[str, Callable[[str], list[Match]]] = {
    "customer": _customer, "session": _session, "coupon": _coupon, "card": _card,
}


def identify(query: str) -> Lookup:
    """Every kind of lookup at once; see Lookup.single for when the answer is certain."""
    calls = {kind: (lambda fn=fn: fn(query)) for kind, fn in EXACT_LOOKUPS.items()}
    # With the card programs known (cached), each program's card lookup joins the one fan-out,
    # so a search is one round trip; otherwise the card lookup lists the programs first.
    programs = card_programs.peek() if CARD_IDENTIFIER.match(query) else None
    card_names: list[str] = []
    if programs is not None and calls.get("card") is not None and EXACT_LOOKUPS["card"] is _card:
        del calls["card"]
        card_calls = _card_calls(query, programs)
        card_names = list(card_calls)
        calls.update(card_calls)
    results = talon.fan_out(calls)
    if programs is not None and "card" not in results:
        results["card"] = _merge_cards(results, card_names)
    return _collect(query, results)


def _collect(query: str, results: dict[str, Any]) -> Lookup:
    lookup = Lookup(query)
    for kind, result in results.items():
        if isinstance(result, TalonError):
            lookup.failures[kind] = result
        else:
            lookup.matches.extend(result)
    return lookup


# -- partial lookups (suggestions while typing) --------------------------------------------

def _suggest_sessions(query: str) -> list[Match]:
    page = talon.management.list_sessions(integration_id=query, partial_match=True,
                                          page_size=SUGGESTIONS_PER_KIND)
    return [Match("session", s.integration_id, s.integration_id,
                  " · ".join(x for x in (s.state.replace("_", " "), s.profile_id or "") if x))
            for s in page]


def _suggest_customers(query: str) -> list[Match]:
    """Profiles whose ID contains the query. Talon.One cannot search profiles by part of their
    ID, but it can search sessions by part of their profile's ID, so the profiles come from
    there (plus an exact match, for a profile without sessions)."""
    page = talon.management.list_sessions(profile=query, partial_match=True, page_size=50)
    seen: dict[str, Match] = {}
    for session in page:
        if session.profile_id and session.profile_id not in seen:
            seen[session.profile_id] = Match("customer", session.profile_id, session.profile_id)
    if query not in seen:
        profile = talon.management.find_customer(query)
        if profile is not None:
            seen = {query: Match("customer", query, profile.display_name), **seen}
    return list(seen.values())[:SUGGESTIONS_PER_KIND]


def _suggest_coupons(query: str) -> list[Match]:
    if len(query) > COUPON_CODE_LIMIT:
        return []
    page = talon.management.search_coupons(query, exact_match=False, page_size=SUGGESTIONS_PER_KIND)
    return [Match("coupon", c.value, c.value, f"campaign {c.campaign_id}") for c in page]


def _suggest_cards(query: str) -> list[Match]:
    if not CARD_IDENTIFIER.match(query):
        return []
    found = []
    for program_id, title in card_programs.get():
        page = talon.management.list_loyalty_cards(program_id, identifier=query,
                                                   page_size=SUGGESTIONS_PER_KIND)
        found.extend(Match("card", c.identifier, c.identifier, f"{title} · {c.status}",
                           program_id=program_id) for c in page)
    return found[:SUGGESTIONS_PER_KIND]


PARTIAL_LOOKUPS: dict[str, Callable[[str], list[Match]]] = {
    "customer": _suggest_customers, "session": _suggest_sessions, "coupon": _suggest_coupons,
    "card": _suggest_cards,
}


def suggest(query: str) -> Lookup:
    if len(query) < SUGGESTION_MINIMUM:
        return Lookup(query)
    results = talon.fan_out({kind: (lambda fn=fn: fn(query)) for kind, fn in PARTIAL_LOOKUPS.items()})
    return _collect(query, results)
