"""The Management API reads and the paging helpers against the live sandbox."""
from __future__ import annotations

import math

import pytest

from app.talon import TalonNotFound
from app.talon.models import (
    Audience,
    Campaign,
    Coupon,
    CustomerProfile,
    Event,
    LoyaltyCard,
    LoyaltyProgram,
    Page,
    Session,
)


def test_sessions_of_a_profile_with_filters(live):
    page = live.management.list_sessions(profile="cust-0001")
    assert isinstance(page, Page) and page.items
    assert all(isinstance(s, Session) and s.profile_id == "cust-0001" for s in page)
    closed = live.management.list_sessions(profile="cust-0001", state="closed")
    assert closed.items and all(s.state == "closed" for s in closed)
    berlin = live.management.list_sessions(store_integration_id="store-berlin", page_size=20)
    assert all(s.store_integration_id == "store-berlin" for s in berlin)
    by_id = live.management.list_sessions(integration_id="sess-00002")
    assert [s.integration_id for s in by_id] == ["sess-00002"]
    with_coupon = live.management.list_sessions(coupon="SUMMER20")
    assert with_coupon.items and all(s.coupon == "SUMMER20" for s in with_coupon)


def test_session_by_internal_id(live):
    row = live.management.list_sessions(integration_id="sess-00001").items[0]
    session = live.management.get_session(row.id)
    assert session.integration_id == "sess-00001" and session.profile_id == "cust-0001"


def test_paging_follows_has_more_across_all_sessions(live, control):
    every = list(live.management.iterate(live.management.list_sessions, page_size=70))
    ids = [s.integration_id for s in every]
    assert len(ids) == len(set(ids)) >= 240
    pages = control.requests("/v1/applications/1/sessions", "GET")
    assert len(pages) == math.ceil(len(ids) / 70)  # stopped when hasMore said so
    assert [p["query"].count("skip=") for p in pages] == [0] + [1] * (len(pages) - 1)


def test_iterate_stops_at_the_limit(live, control):
    first = list(live.management.iterate(live.management.list_sessions, page_size=10, limit=25))
    assert len(first) == 25
    assert len(control.requests("/v1/applications/1/sessions", "GET")) == 3


def test_customers(live):
    page = live.management.list_customers(page_size=10)
    assert len(page) == 10 and all(isinstance(c, CustomerProfile) for c in page)
    alice = live.management.find_customer("cust-0001")
    assert alice is not None and alice.display_name == "Alice Archer"
    assert live.management.get_customer(alice.id).integration_id == "cust-0001"
    assert live.management.find_customer("cust-nobody") is None


def test_campaigns_and_their_names(live):
    campaigns = live.management.list_campaigns()
    assert {c.id for c in campaigns} >= set(range(1, 11))
    assert all(isinstance(c, Campaign) for c in campaigns)
    black_friday = live.management.get_campaign(8)
    assert black_friday.state == "disabled" and not black_friday.is_enabled
    assert live.management.campaign_names()[1] == "Welcome discount"
    with pytest.raises(TalonNotFound):
        live.management.get_campaign(999)


def test_coupons_of_a_campaign_with_a_value_filter(live):
    page = live.management.list_coupons(2, value="SUMMER-000", page_size=100)
    assert page.items and all(isinstance(c, Coupon) and "SUMMER-000" in c.value for c in page)
    exact = live.management.list_coupons(2, value="SUMMER20", exact_match=True)
    assert [c.value for c in exact] == ["SUMMER20"]


def test_application_wide_coupon_lookup(live):
    vip = live.management.find_coupon("VIPONLY-003")
    assert vip is not None and vip.is_reservation_mandatory
    assert live.management.find_coupon("BF30").campaign_id == 8
    assert live.management.find_coupon("NO-SUCH-CODE") is None


def test_audiences_and_members(live):
    audiences = live.management.list_audiences()
    assert {a.name for a in audiences} >= {"VIP", "Newsletter", "Lapsed customers"}
    assert all(isinstance(a, Audience) for a in audiences)
    vip = next(a for a in audiences if a.name == "VIP")
    members = live.management.list_audience_members(vip.id)
    assert all(isinstance(m, CustomerProfile) for m in members)


def test_loyalty_programs_and_cards(live):
    programs = live.management.list_loyalty_programs()
    assert {p.id for p in programs} >= {1, 2}
    store_card = live.management.get_loyalty_program(1)
    assert isinstance(store_card, LoyaltyProgram) and store_card.card_based
    cards = live.management.list_loyalty_cards(1, page_size=50)
    assert all(isinstance(c, LoyaltyCard) for c in cards)
    blocked = live.management.get_loyalty_card(1, "4000-0035")
    assert blocked.status == "blocked" or blocked.block_reason
    full = live.management.get_loyalty_card(1, "4000-0038")
    assert full.at_user_limit
    found = live.management.list_loyalty_cards(1, identifier="4000-0001")
    assert [c.identifier for c in found] == ["4000-0001"]


def test_events_by_session_and_profile(live):
    events = live.management.list_events(session="sess-00001")
    assert events.items and all(isinstance(e, Event) for e in events)
    by_profile = live.management.list_events(profile="cust-0001", page_size=5)
    assert len(by_profile) <= 5


def test_health_without_a_management_key_probes_the_integration_api(talon_sandbox):
    from app.talon import TalonService, TalonSettings

    with TalonService(TalonSettings(base_url=talon_sandbox.url,
                                    integration_key=talon_sandbox.integration_key)) as service:
        health = service.health()
    assert health["status"] == "ok" and health["http_status"] == 400   # the unknown probe session
    assert health["probe"].startswith("integration GET")
