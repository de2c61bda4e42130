"""Management API reads: the lists the Integration API cannot give (sessions of a profile,
customers, campaigns, coupons, audiences and member counts, attribute definitions, loyalty
programs and cards, events), and the loyalty changes: a loyalty card's status, its transfer to a
new card (which blocks it), and points added or deducted by hand on a card or a profile.

List methods return one ``Page``; ``iterate(method, **filters)`` follows the pages.

Every call spends a slot of Talon.One's 3 requests per second per endpoint (budget.py), so the
reads that change rarely come from the shared read cache (cache.py) for TALON_CACHE_TTL:
campaigns and their names, loyalty programs, attribute definitions, audiences, and the goodwill
codes' search when a page only shows them (``cached=True``). Where the Integration API can answer
(a profile, a session, a card's balances) the callers use it instead (integration.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable, Iterator

from .cache import MISSING, ReadCache
from .client import MANAGEMENT, Transport
from .errors import TalonNotFound
from .integration_loyalty import card_path, profile_path
from .models import (
    ApplicationSettings,
    Attribute,
    Audience,
    AudienceAnalytics,
    Campaign,
    Coupon,
    CustomerProfile,
    Event,
    LoyaltyCard,
    LoyaltyProgram,
    Page,
    Session,
    build,
    builder,
)
from .paging import chunks, iterate_pages
from .wireformat import csv, drop_none, rfc3339

MAX_PAGE_SIZE = 1000  # every Management list's pageSize maximum in the spec
ANALYTICS_IDS_PER_CALL = 100  # audienceIds travel in the query string: keep the URL short

# Read-cache groups: what the console's own changes invalidate (integration.py).
APPLICATION = "application"
CAMPAIGNS = "campaigns"
LOYALTY_PROGRAMS = "loyalty_programs"
ATTRIBUTES = "attributes"
AUDIENCES = "audiences"
COUPONS = "coupons"
#: no Management read: the sessions pages keep for their forms (app/handoff.py)
SESSIONS = "sessions"


class ManagementApi:
    def __init__(self, transport: Transport, application_id: int,
                 reads: ReadCache | None = None) -> None:
        self._t = transport
        self.application_id = int(application_id)
        self._app = f"/v1/applications/{self.application_id}"
        self.reads = reads or ReadCache(None, 0)

    def _get(self, path: str, params: dict[str, Any] | None = None, *,
             cache: str | None = None) -> Any:
        if cache is None:
            return self._t.call(MANAGEMENT, "GET", path, params=params).data
        key = ("GET", path, sorted((k, repr(v)) for k, v in (params or {}).items()))
        return self.reads.fetch(cache, key, lambda: self._get(path, params))

    def _page(self, path, params, parse, skip, page_size, cache: str | None = None) -> Page:
        params = {**params, "pageSize": page_size, "skip": skip or None}
        return Page.from_response(self._get(path, params, cache=cache), parse, skip=skip,
                                  page_size=page_size)

    @staticmethod
    def iterate(
        list_method: Callable[..., Page], *, page_size: int = MAX_PAGE_SIZE,
        limit: int | None = None, **filters: Any,
    ) -> Iterator[Any]:
        """Every item of a list across pages, e.g.
        ``management.iterate(management.list_sessions, profile="cust-0001")``."""
        return iterate_pages(
            lambda skip, size: list_method(skip=skip, page_size=size, **filters),
            page_size=page_size, limit=limit,
        )

    # -- sessions -------------------------------------------------------------------------

    def list_sessions(
        self,
        *,
        profile: str | None = None,
        state: str | None = None,
        integration_id: str | None = None,
        coupon: str | None = None,
        referral: str | None = None,
        store_integration_id: str | None = None,
        created_before: datetime | str | None = None,
        created_after: datetime | str | None = None,
        partial_match: bool | None = None,
        sort: str | None = None,
        page_size: int = 50,
        skip: int = 0,
    ) -> Page[Session]:
        params = {
            "profile": profile, "state": state, "integrationId": integration_id,
            "coupon": coupon, "referral": referral, "storeIntegrationId": store_integration_id,
            "createdBefore": rfc3339(created_before), "createdAfter": rfc3339(created_after),
            "partialMatch": partial_match, "sort": sort,
        }
        return self._page(f"{self._app}/sessions", params, Session.from_management, skip, page_size)

    def get_session(self, session_id: int) -> Session:
        """By Talon.One's internal numeric ID (the Integration API reads by integration ID)."""
        return Session.from_management(self._get(f"{self._app}/sessions/{int(session_id)}"))

    # -- customers ------------------------------------------------------------------------

    def list_customers(
        self,
        *,
        integration_id: str | None = None,
        with_total_result_size: bool | None = None,
        page_size: int = 50,
        skip: int = 0,
    ) -> Page[CustomerProfile]:
        params = {"integrationId": integration_id, "withTotalResultSize": with_total_result_size}
        return self._page(
            f"{self._app}/customers", params, builder(CustomerProfile), skip, page_size
        )

    def search_customers(self, attributes: dict[str, Any], *, page_size: int = 20) -> Page[CustomerProfile]:
        """Profiles whose attributes equal all of these (getApplicationCustomersByAttributes: exact matches,
        e.g. ``{"Email": "alice.archer@example.com"}``); a POST that only reads."""
        path = f"{self._app}/customer_search"
        data = self._t.call(MANAGEMENT, "POST", path, params={"pageSize": page_size},
                            json={"attributes": attributes}, safe=True).data
        return Page.from_response(data, builder(CustomerProfile), page_size=page_size)

    def get_customer(self, customer_id: int) -> CustomerProfile:
        """By Talon.One's internal numeric ID; see find_customer for an integration ID."""
        return build(CustomerProfile, self._get(f"{self._app}/customers/{int(customer_id)}"))

    def find_customer(self, integration_id: str) -> CustomerProfile | None:
        page = self.list_customers(integration_id=integration_id, page_size=1)
        return next((c for c in page if c.integration_id == integration_id), None)

    # -- the Application --------------------------------------------------------------------

    def application(self) -> ApplicationSettings:
        """The Application's currency, time zone and coupon code case sensitivity, from the
        read cache (they change rarely; a cached answer costs no Management request)."""
        return build(ApplicationSettings, self._get(self._app, cache=APPLICATION))

    def store_exists(self, integration_id: str) -> bool:
        """Whether the Application has a store with this integration ID (listStores)."""
        data = self._get(f"{self._app}/stores", {"integrationId": integration_id, "pageSize": 1})
        rows = data.get("data") if isinstance(data, dict) else None
        return any(isinstance(r, dict) and r.get("integrationId") == integration_id for r in rows or [])

    # -- campaigns ------------------------------------------------------------------------

    def list_campaigns(
        self,
        *,
        campaign_state: str | None = None,
        name: str | None = None,
        tags: str | None = None,
        sort: str | None = None,
        page_size: int = 100,
        skip: int = 0,
    ) -> Page[Campaign]:
        params = {"campaignState": campaign_state, "name": name, "tags": tags, "sort": sort}
        return self._page(f"{self._app}/campaigns", params, builder(Campaign), skip, page_size,
                          cache=CAMPAIGNS)

    def get_campaign(self, campaign_id: int) -> Campaign:
        return build(Campaign, self._get(f"{self._app}/campaigns/{int(campaign_id)}", cache=CAMPAIGNS))

    def campaign_names(self) -> dict[int, str]:
        """``{campaign ID: name}`` for wording effects (they name their campaign only by ID, and
        a page may word dozens), from the read cache."""
        pairs = self.reads.fetch(CAMPAIGNS, "names", lambda: [
            [c.id, c.name] for c in self.iterate(self.list_campaigns, limit=5000)])
        return {int(campaign_id): name for campaign_id, name in pairs}

    # -- coupons --------------------------------------------------------------------------

    def list_coupons(
        self,
        campaign_id: int,
        *,
        value: str | None = None,
        exact_match: bool | None = None,
        valid: str | None = None,
        usable: str | None = None,
        redeemed: str | None = None,
        recipient_integration_id: str | None = None,
        batch_id: str | None = None,
        sort: str | None = None,
        page_size: int = 50,
        skip: int = 0,
    ) -> Page[Coupon]:
        """Coupons of one campaign (getCouponsWithoutTotalCount); ``value`` filters by code
        (a substring unless ``exact_match``)."""
        params = {
            "value": value, "exactMatch": exact_match, "valid": valid, "usable": usable,
            "redeemed": redeemed, "recipientIntegrationId": recipient_integration_id,
            "batchId": batch_id, "sort": sort,
        }
        path = f"{self._app}/campaigns/{int(campaign_id)}/coupons/no_total"
        return self._page(path, params, builder(Coupon), skip, page_size)

    def search_coupons(
        self, value: str, *, exact_match: bool = True, page_size: int = 50, skip: int = 0,
        cached: bool = False,
    ) -> Page[Coupon]:
        """Application-wide lookup by code (searchCouponsAdvancedApplicationWideWithoutTotalCount,
        a POST that only reads, with an empty attribute query). ``cached=True`` for what a page
        only shows (the goodwill widget's next free code): the console's own reservations
        invalidate it, and an action reads afresh."""
        params = {"value": value, "exactMatch": exact_match, "pageSize": page_size,
                  "skip": skip or None}
        path = f"{self._app}/coupons_search_advanced/no_total"

        def read() -> Any:
            return self._t.call(MANAGEMENT, "POST", path, params=params, json={}, safe=True).data

        data = self.reads.fetch(COUPONS, ("POST", path, sorted(params.items(), key=str)), read) \
            if cached else read()
        return Page.from_response(data, builder(Coupon), skip=skip, page_size=page_size)

    def find_coupon(self, code: str) -> Coupon | None:
        """The coupon with exactly this code in any campaign of the application, or None.

        Uses the application-wide search; a deployment (or emulator) without that endpoint
        answers 404, and then each campaign's coupon list is asked instead."""
        try:
            page = self.search_coupons(code, exact_match=True, page_size=5)
            return next((c for c in page if c.value == code), None)
        except TalonNotFound:
            pass
        for campaign in self.iterate(self.list_campaigns, limit=5000):
            page = self.list_coupons(campaign.id, value=code, exact_match=True, page_size=5)
            match = next((c for c in page if c.value == code), None)
            if match is not None:
                return match
        return None

    # -- audiences ------------------------------------------------------------------------

    def list_audiences(
        self,
        *,
        sort: str | None = None,
        with_total_result_size: bool | None = None,
        page_size: int = 100,
        skip: int = 0,
    ) -> Page[Audience]:
        params = {"sort": sort, "withTotalResultSize": with_total_result_size}
        return self._page("/v1/audiences", params, builder(Audience), skip, page_size,
                          cache=AUDIENCES)

    def list_audience_members(
        self,
        audience_id: int,
        *,
        profile_query: str | None = None,
        sort: str | None = None,
        page_size: int = 50,
        skip: int = 0,
    ) -> Page[CustomerProfile]:
        params = {"profileQuery": profile_query, "sort": sort}
        path = f"/v1/audiences/{int(audience_id)}/memberships"
        return self._page(path, params, builder(CustomerProfile), skip, page_size)

    def get_audience_analytics(self, audience_ids: Iterable[int]) -> dict[int, int]:
        """``{audience ID: member count}`` (getAudiencesAnalytics), one call per hundred IDs.
        Audiences Talon.One does not know are absent from the answer."""
        counts: dict[int, int] = {}
        for chunk in chunks(list(dict.fromkeys(int(i) for i in audience_ids)), ANALYTICS_IDS_PER_CALL):
            data = self._get("/v1/audiences/analytics", {"audienceIds": csv(chunk)})
            for row in Page.from_response(data, builder(AudienceAnalytics)):
                if row.audience_id is not None:
                    counts[row.audience_id] = row.members_count or 0
        return counts

    # -- attributes -----------------------------------------------------------------------

    def list_attributes(
        self,
        entity: str | None = None,
        *,
        type: str | None = None,
        search: str | None = None,
        sort: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        skip: int = 0,
    ) -> Page[Attribute]:
        """Custom attribute definitions (getAttributes), e.g. ``entity="CustomerProfile"``."""
        params = {"entity": entity, "type": type, "search": search, "sort": sort}
        return self._page("/v1/attributes", params, builder(Attribute), skip, page_size,
                          cache=ATTRIBUTES)

    # -- loyalty --------------------------------------------------------------------------

    def list_loyalty_programs(self) -> Page[LoyaltyProgram]:
        return Page.from_response(self._get("/v1/loyalty_programs", cache=LOYALTY_PROGRAMS),
                                  builder(LoyaltyProgram))

    def cached_loyalty_programs(self) -> Page[LoyaltyProgram] | None:
        """The programs if the read cache has them fresh, else None (nothing is sent)."""
        data = self.reads.get(LOYALTY_PROGRAMS, ("GET", "/v1/loyalty_programs", []))
        return None if data is MISSING else Page.from_response(data, builder(LoyaltyProgram))

    def get_loyalty_program(self, loyalty_program_id: int) -> LoyaltyProgram:
        return build(LoyaltyProgram, self._get(f"/v1/loyalty_programs/{int(loyalty_program_id)}",
                                               cache=LOYALTY_PROGRAMS))

    def list_loyalty_cards(
        self,
        loyalty_program_id: int,
        *,
        identifier: str | None = None,
        profile_id: int | None = None,
        batch_id: str | None = None,
        sort: str | None = None,
        page_size: int = 50,
        skip: int = 0,
    ) -> Page[LoyaltyCard]:
        params = {"identifier": identifier, "profileId": profile_id, "batchId": batch_id,
                  "sort": sort}
        path = f"/v1/loyalty_programs/{int(loyalty_program_id)}/cards"
        return self._page(path, params, builder(LoyaltyCard), skip, page_size)

    def get_loyalty_card(self, loyalty_program_id: int, loyalty_card_id: str) -> LoyaltyCard:
        return build(LoyaltyCard, self._get(card_path(loyalty_program_id, loyalty_card_id)))

    def update_loyalty_card(
        self, loyalty_program_id: int, loyalty_card_id: str, *, status: str,
    ) -> LoyaltyCard:
        """Set a card's status, ``active`` or ``inactive`` (updateLoyaltyCard). It blocks nothing,
        and Talon.One refuses to activate a blocked card. A change: sent once, never retried."""
        path = card_path(loyalty_program_id, loyalty_card_id)
        return build(LoyaltyCard, self._t.call(MANAGEMENT, "PUT", path, json={"status": status}).data)

    def transfer_loyalty_card(
        self, loyalty_program_id: int, loyalty_card_id: str, *, new_card_identifier: str,
        block_reason: str | None = None,
    ) -> None:
        """transferLoyaltyCard: a new active card takes the card's profiles, balances and
        transactions, and the card is blocked for good (the only way to block one). A change:
        sent once, never retried."""
        body = drop_none({"newCardIdentifier": new_card_identifier, "blockReason": block_reason})
        path = card_path(loyalty_program_id, loyalty_card_id) + "/transfer"
        self._t.call(MANAGEMENT, "PUT", path, json=body)

    # -- points added or deducted by hand -----------------------------------------------------
    # The spec's AddLoyaltyPoints and DeductLoyaltyPoints bodies; each operation answers 204.
    # Changes: sent once, never retried (a resent addition would add twice).

    def add_loyalty_points(
        self, loyalty_program_id: int, integration_id: str, *, points: float | str,
        name: str | None = None, validity_duration: str | None = None,
        valid_until: datetime | str | None = None, pending_duration: str | None = None,
        pending_until: datetime | str | None = None, subledger_id: str | None = None,
    ) -> None:
        """addLoyaltyPoints: points for a profile in a profile-based program."""
        body = _add_points_body(points, name, validity_duration, valid_until, pending_duration,
                                pending_until, subledger_id, self.application_id)
        self._t.call(MANAGEMENT, "PUT", profile_path(loyalty_program_id, integration_id, "/add_points"),
                     json=body)

    def remove_loyalty_points(
        self, loyalty_program_id: int, integration_id: str, *, points: float | str,
        name: str | None = None, subledger_id: str | None = None,
    ) -> None:
        """removeLoyaltyPoints: "Only active points can be deducted" (the spec)."""
        body = _deduct_points_body(points, name, subledger_id, self.application_id)
        self._t.call(MANAGEMENT, "PUT", profile_path(loyalty_program_id, integration_id, "/deduct_points"),
                     json=body)

    def add_loyalty_card_points(
        self, loyalty_program_id: int, loyalty_card_id: str, *, points: float | str,
        name: str | None = None, validity_duration: str | None = None,
        valid_until: datetime | str | None = None, pending_duration: str | None = None,
        pending_until: datetime | str | None = None, subledger_id: str | None = None,
    ) -> None:
        """addLoyaltyCardPoints: points on a card of a card-based program."""
        body = _add_points_body(points, name, validity_duration, valid_until, pending_duration,
                                pending_until, subledger_id, self.application_id)
        self._t.call(MANAGEMENT, "PUT", card_path(loyalty_program_id, loyalty_card_id, "/add_points"),
                     json=body)

    def deduct_loyalty_card_points(
        self, loyalty_program_id: int, loyalty_card_id: str, *, points: float | str,
        name: str | None = None, subledger_id: str | None = None,
    ) -> None:
        """deductLoyaltyCardPoints."""
        body = _deduct_points_body(points, name, subledger_id, self.application_id)
        self._t.call(MANAGEMENT, "PUT", card_path(loyalty_program_id, loyalty_card_id, "/deduct_points"),
                     json=body)

    # -- events ---------------------------------------------------------------------------

    def list_events(
        self,
        *,
        session: str | None = None,
        profile: str | None = None,
        type: str | None = None,
        effect_type: str | None = None,
        coupon_code: str | None = None,
        referral_code: str | None = None,
        created_before: datetime | str | None = None,
        created_after: datetime | str | None = None,
        sort: str | None = None,
        page_size: int = 50,
        skip: int = 0,
    ) -> Page[Event]:
        """Application events (getApplicationEventsWithoutTotalCount), by session integration
        ID and/or profile integration ID."""
        params = {
            "session": session, "profile": profile, "type": type, "effectType": effect_type,
            "couponCode": coupon_code, "referralCode": referral_code,
            "createdBefore": rfc3339(created_before), "createdAfter": rfc3339(created_after),
            "sort": sort,
        }
        return self._page(f"{self._app}/events/no_total", params, builder(Event), skip, page_size)


def _points_number(points: float | str) -> float | int:
    """``points`` is a JSON number in the spec (at most 999999999999.99)."""
    number = float(points)
    return int(number) if number.is_integer() else number


def _deduct_points_body(points, name, subledger_id, application_id: int) -> dict[str, Any]:
    """DeductLoyaltyPoints. An empty subledger is the main ledger: left out."""
    return drop_none({"points": _points_number(points), "name": name or None,
                      "subledgerId": subledger_id or None, "applicationId": application_id})


def _add_points_body(points, name, validity_duration, valid_until, pending_duration,
                     pending_until, subledger_id, application_id: int) -> dict[str, Any]:
    """AddLoyaltyPoints: a duration or a moment for validity and pending, never both ("If
    passed, `validUntil` should be omitted"); none means the program's defaults."""
    if validity_duration and valid_until:
        raise ValueError("give validity_duration or valid_until, not both")
    if pending_duration and pending_until:
        raise ValueError("give pending_duration or pending_until, not both")
    return {**_deduct_points_body(points, name, subledger_id, application_id), **drop_none({
        "validityDuration": validity_duration or None, "validUntil": rfc3339(valid_until),
        "pendingDuration": pending_duration or None, "pendingUntil": rfc3339(pending_until)})}
