"""Working out what an ID is: a profile, a session, a coupon code or a loyalty card.

Talon.One has no "find anything" call, so each kind is looked up on its own and the lookups run
in parallel (talon.fan_out): an answer takes one round trip, not four. A lookup that fails is
reported as such, so "nothing found" is only said when every lookup really answered.

The Management API takes 3 requests per second per endpoint (app/talon/budget.py), so the search
first works out which kinds a query can be (Talon.One's own shapes: coupon codes have at least 4
characters, card identifiers 4 to 108 of ``[A-Za-z0-9._%+@-]``, integration IDs what
identifiers.py allows) and asks the Integration API, which has no published cap, wherever it
can answer: a profile (its inventory), a session, a card (its balances). Only the coupon needs
the Management API, and the card programs come from the read cache. Suggestions while typing
run at the budget's lowest priority: they use a slot only when one is free at once and another
is left for pages, never wait, and a query asked again within the cache's TTL costs nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import current_app

from ..customer_profiles import customer_name
from ..talon import talon
from ..talon.budget import SUGGEST, priority
from ..talon.cache import MISSING
from ..talon.errors import TalonError, TalonNotFound, TalonRateLimited
from ..validators import card_id_problem, integration_id_problem

KINDS = ("customer", "session", "coupon", "card")
KIND_LABELS = {"customer": "Customer", "session": "Session", "coupon": "Coupon", "card": "Loyalty card",
               "person": "Customer by email or name"}
# Talon.One's own rules (talon-openapi.json, app.validators): a card identifier of 4 to 108
# characters of its pattern, Coupon.value at least 4 characters. Anything else cannot be a card
# or a coupon, so it is not asked for.
COUPON_CODE_MINIMUM = 4
COUPON_CODE_LIMIT = 100
SUGGESTION_MINIMUM = 3  # Talon.One's partialMatch needs three characters
SUGGESTIONS_PER_KIND = 5
SUGGESTION_FETCH = 20  # asked per kind: more than shown, so an answer is often complete
SUGGESTIONS_CACHE = "suggestions"


@dataclass(frozen=True)
class Match:
    kind: str
    identifier: str
    label: str
    detail: str = ""
    program_id: int | None = None
    #: what Talon.One answered, when the match's page can use it instead of asking again
    #: (app/handoff.py: the customer's whole inventory)
    answer: Any = field(default=None, compare=False, repr=False)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class Lookup:
    """The outcome of looking a query up: what matched, and which kinds could not be checked."""

    query: str
    matches: list[Match] = field(default_factory=list)
    failures: dict[str, TalonError] = field(default_factory=dict)
    #: the matches only begin with (or contain) the query: a list to pick from, never opened
    partial: bool = False

    @property
    def single(self) -> Match | None:
        """The one answer, only when it is certain (one match and every lookup answered)."""
        if len(self.matches) == 1 and not self.failures and not self.partial:
            return self.matches[0]
        return None

    @property
    def rate_limited(self) -> bool:
        """Every lookup that failed did so for Talon.One's rate limit (not an outage)."""
        return bool(self.failures) and all(isinstance(e, TalonRateLimited) for e in self.failures.values())


# What staff know on the phone: the profile attributes an email or a name is kept in are the
# settings CUSTOMER_EMAIL_ATTRIBUTE and CUSTOMER_NAME_ATTRIBUTE (app/config.py, checked at start).
# Talon.One matches attributes exactly (getApplicationCustomersByAttributes), so a few spellings
# are asked.
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
# a full name: words of letters (with ' . - inside), at least two of them
NAME = re.compile(r"^[^\W\d_]+(?:['’.-][^\W\d_]+)*\.?(?: +[^\W\d_]+(?:['’.-][^\W\d_]+)*\.?)+$")


def possible_kinds(query: str) -> tuple[str, ...]:
    """The kinds a query can be, by Talon.One's shapes, before anything is asked."""
    kinds = []
    if integration_id_problem(query) is None:
        kinds += ["customer", "session"]
    if EMAIL.match(query) or NAME.match(query):
        kinds.append("person")
    if COUPON_CODE_MINIMUM <= len(query) <= COUPON_CODE_LIMIT:
        kinds.append("coupon")
    if card_id_problem(query) is None:
        kinds.append("card")
    return tuple(kinds)


def card_programs() -> list[tuple[int, str]]:
    """Card-based loyalty programs (the read cache keeps them: they change rarely)."""
    return _card_based(talon.management.list_loyalty_programs())


def _card_based(programs) -> list[tuple[int, str]]:
    return [(p.id, p.title or p.name) for p in programs if p.card_based and p.id is not None]


# -- exact lookups (the search) ------------------------------------------------------------

def _customer(query: str) -> list[Match]:
    """The whole inventory, not the profile alone: the same one call (an unknown profile is a
    404 either way), and when the search opens the customer page, that page needs all of it."""
    try:
        inventory = talon.integration.get_customer_inventory(query)
    except TalonNotFound:
        return []
    profile = inventory.profile
    if profile is None:
        return []
    detail = f"{profile.closed_sessions or 0} closed sessions"
    return [Match("customer", profile.integration_id, customer_name(profile), detail, answer=inventory)]


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


def _person(query: str) -> list[Match]:
    """Customers by email or full name (getApplicationCustomersByAttributes, within the Management budget).
    Emails are asked as typed and in lower case, names as typed and capitalised."""
    email_attribute = current_app.config["CUSTOMER_EMAIL_ATTRIBUTE"]
    by_email = "@" in query
    attribute = email_attribute if by_email else current_app.config["CUSTOMER_NAME_ATTRIBUTE"]
    spellings = dict.fromkeys([query, query.lower() if by_email else query.title()])
    found: dict[str, Match] = {}
    for spelling in spellings:
        for profile in talon.management.search_customers({attribute: spelling}, page_size=SUGGESTION_FETCH):
            email = (profile.attributes or {}).get(email_attribute) or ""
            found.setdefault(profile.integration_id, Match(
                "customer", profile.integration_id, customer_name(profile),
                " · ".join(x for x in (str(email), f"{profile.closed_sessions or 0} closed sessions") if x)))
    return list(found.values())


def coupon_code(query: str) -> str:
    """The code as the Application keeps it (its settings, GET /v1/applications/{id}, as the
    service layer holds them): ``summer20`` is ``SUMMER20`` where the Application's codes are
    case-insensitive."""
    settings = talon.application_settings()
    # the settings could not be read: look the code up as typed
    return query if settings is None else settings.coupon_code(query)


def _coupon(query: str) -> list[Match]:
    coupon = talon.management.find_coupon(query)
    # typed in another case (only a code with letters can be; digits alone cost no settings read)
    if coupon is None and query.upper() != query.lower() and coupon_code(query) != query:
        coupon = talon.management.find_coupon(coupon_code(query))
    if coupon is None:
        return []
    detail = f"campaign {coupon.campaign_id}" + (f" · {coupon.state}" if coupon.state else "")
    return [Match("coupon", coupon.value, coupon.value, detail)]


def _card_in(program_id: int, title: str, query: str) -> list[Match]:
    """The card's balances (Integration API): a 404 says there is no such card."""
    try:
        balances = talon.integration.get_loyalty_card_balances(program_id, query)
    except TalonNotFound:
        return []
    linked = len(balances.profiles)
    return [Match("card", query, query, f"{title} · {linked} linked profile{'s' if linked != 1 else ''}",
                  program_id=program_id)]


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
    calls = _card_calls(query, card_programs())
    merged = _merge_cards(talon.fan_out(calls), list(calls))
    if isinstance(merged, TalonError):
        raise merged
    return merged


EXACT_LOOKUPS: dict[str, Callable[[str], list[Match]]] = {
    "customer": _customer, "session": _session, "coupon": _coupon, "card": _card,
    "person": _person,
}
# Where nothing matches exactly, these kinds' list endpoints answer the IDs that begin with the
# query (part of a card number, of a session ID).
PREFIX_KINDS = ("session", "card")


def identify(query: str) -> Lookup:
    """Every kind the query can be, looked up at once; see Lookup.single for when the answer is
    certain."""
    kinds = possible_kinds(query)
    calls = {kind: (lambda fn=EXACT_LOOKUPS[kind]: fn(query)) for kind in kinds}
    # With the card programs in the read cache, each program's card lookup joins the one
    # fan-out, so a search is one round trip; otherwise the card lookup reads them first.
    cached = talon.management.cached_loyalty_programs() if "card" in calls else None
    card_names: list[str] = []
    if cached is not None and EXACT_LOOKUPS["card"] is _card:
        del calls["card"]
        card_calls = _card_calls(query, _card_based(cached))
        card_names = list(card_calls)
        calls.update(card_calls)
    results = talon.fan_out(calls)
    if cached is not None and "card" not in results:
        results["card"] = _merge_cards(results, card_names)
    if "person" in results and not isinstance(results["person"], TalonError):
        results["customer"] = _merged_customers(results.get("customer", []), results.pop("person"))
    lookup = _collect(query, results)
    if not lookup.matches and not lookup.failures:
        return _prefix_matches(query)
    return lookup


def _merged_customers(exact: Any, by_person: list[Match]) -> Any:
    if isinstance(exact, TalonError):
        return exact
    seen = {m.identifier for m in exact}
    return [*exact, *(m for m in by_person if m.identifier not in seen)]


def _prefix_matches(query: str) -> Lookup:
    """A short list of the sessions and cards whose IDs begin with the query, from the same
    list endpoints (and cached answers) as the suggestions."""
    kinds = [k for k in PREFIX_KINDS if k in _possible_partial_kinds(query)]
    if len(query) < SUGGESTION_MINIMUM or not kinds:
        return Lookup(query)
    results = talon.fan_out({kind: (lambda k=kind: [
        m for m in _answer(k, query) if m.identifier.lower().startswith(query.lower())
    ][:SUGGESTION_FETCH]) for kind in kinds})
    lookup = _collect(query, results)
    lookup.partial = bool(lookup.matches)
    return lookup


def _collect(query: str, results: dict[str, Any]) -> Lookup:
    lookup = Lookup(query)
    for kind, result in results.items():
        if isinstance(result, TalonError):
            lookup.failures[kind] = result
        else:
            lookup.matches.extend(result)
    return lookup


# -- partial lookups (suggestions while typing) --------------------------------------------
#
# Each kind answers (matches, complete): complete when Talon.One had no more than it sent. A
# complete answer for "sess-0000" holds every answer for "sess-00001" too (Talon.One's partial
# match means "contains"), so the next keystrokes are answered from it without asking; answers
# are kept in the read cache for its TTL.

def _suggest_sessions(query: str) -> tuple[list[Match], bool]:
    page = talon.management.list_sessions(integration_id=query, partial_match=True,
                                          page_size=SUGGESTION_FETCH)
    return [Match("session", s.integration_id, s.integration_id,
                  " · ".join(x for x in (s.state.replace("_", " "), s.profile_id or "") if x))
            for s in page], not page.has_more


def _suggest_customers(query: str) -> tuple[list[Match], bool]:
    """Profiles whose ID contains the query. Talon.One cannot search profiles by part of their
    ID, but it can search sessions by part of their profile's ID, so the profiles come from
    there (an exact match for a profile without sessions is added by ``_with_exact_profile``)."""
    page = talon.management.list_sessions(profile=query, partial_match=True, page_size=50)
    seen: dict[str, Match] = {}
    for session in page:
        if session.profile_id and session.profile_id not in seen:
            seen[session.profile_id] = Match("customer", session.profile_id, session.profile_id)
    return list(seen.values()), not page.has_more


def _suggest_coupons(query: str) -> tuple[list[Match], bool]:
    page = talon.management.search_coupons(query, exact_match=False, page_size=SUGGESTION_FETCH)
    return [Match("coupon", c.value, c.value, f"campaign {c.campaign_id}") for c in page], not page.has_more


def _suggest_cards(query: str) -> tuple[list[Match], bool]:
    found, complete = [], True
    for program_id, title in card_programs():
        page = talon.management.list_loyalty_cards(program_id, identifier=query,
                                                   page_size=SUGGESTION_FETCH)
        found.extend(Match("card", c.identifier, c.identifier, f"{title} · {c.status}",
                           program_id=program_id) for c in page)
        complete = complete and not page.has_more
    return found, complete


PARTIAL_LOOKUPS: dict[str, Callable[[str], tuple[list[Match], bool]]] = {
    "customer": _suggest_customers, "session": _suggest_sessions, "coupon": _suggest_coupons,
    "card": _suggest_cards,
}


# Which kinds a partial query can still become: a coupon needs four characters in the end, but
# three typed may be the start of one.
def _possible_partial_kinds(query: str) -> tuple[str, ...]:
    kinds = ["customer", "session"] if integration_id_problem(query) is None else []
    if len(query) <= COUPON_CODE_LIMIT:
        kinds.append("coupon")
    if card_id_problem(query) is None:  # Talon.One's card filter needs 4 characters too
        kinds.append("card")
    return tuple(kinds)


def _answer(kind: str, query: str) -> list[Match]:
    """The kind's suggestions: from the cached answer to this query or to a shorter one that was
    complete (filtered here), else asked (and kept)."""
    reads = talon.management.reads
    for end in range(len(query), SUGGESTION_MINIMUM - 1, -1):
        known = reads.get(SUGGESTIONS_CACHE, (kind, query[:end]))
        if known is not MISSING and (end == len(query) or known["complete"]):
            needle = query.lower()
            return [m for m in known["matches"] if needle in m.identifier.lower()]
    generation = reads.generation(SUGGESTIONS_CACHE)
    matches, complete = PARTIAL_LOOKUPS[kind](query)
    reads.put(SUGGESTIONS_CACHE, (kind, query), {"matches": matches, "complete": complete},
              generation=generation)
    return matches


def _with_exact_profile(query: str, matches: list[Match]) -> list[Match]:
    """A profile with exactly this ID goes first, also one without sessions (asked of the
    Integration API, which has no published cap)."""
    if any(m.identifier == query for m in matches) or integration_id_problem(query) is not None:
        return matches
    try:
        profile = talon.integration.get_customer_profile(query)
    except TalonNotFound:
        return matches
    return [Match("customer", query, customer_name(profile)), *matches]


def suggest(query: str) -> Lookup:
    """Suggestions for a partial query, at the budget's lowest priority (never waiting, never
    the last slot of an endpoint); a kind whose Management call found no free slot is named in
    ``failures`` (the list says so)."""
    if len(query) < SUGGESTION_MINIMUM:
        return Lookup(query)

    def kind_call(kind: str) -> Callable[[], list[Match]]:
        if kind == "customer":
            return lambda: _with_exact_profile(query, _answer(kind, query))[:SUGGESTIONS_PER_KIND]
        return lambda: _answer(kind, query)[:SUGGESTIONS_PER_KIND]

    calls = {kind: kind_call(kind) for kind in _possible_partial_kinds(query)}
    with priority(SUGGEST):
        results = talon.fan_out(calls)
    return _collect(query, results)
