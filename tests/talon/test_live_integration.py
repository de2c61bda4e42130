"""Every Integration API operation of the service layer against the live sandbox over HTTP.

The ``live`` fixture checks each request and response against talon-openapi.json and fails the
test on any mismatch.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from app.talon import TalonBadRequest, TalonNotFound, TalonUnauthorized
from app.talon.models import (
    Audience,
    Balances,
    CartItem,
    Coupon,
    Effect,
    IntegrationState,
    Inventory,
    LoyaltyCard,
    Page,
    Referral,
    Session,
    Transaction,
)

CART = [CartItem(sku="RUN-100", name="Trail runner", quantity=1, price=120.0, category="shoes"),
        CartItem(sku="SOCK-01", name="Wool socks", quantity=2, price=9.5, category="socks")]


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# -- sessions -------------------------------------------------------------------------------


def test_get_customer_session_is_typed(live):
    state = live.integration.get_customer_session("sess-00001")
    assert isinstance(state, IntegrationState) and isinstance(state.session, Session)
    assert state.session.integration_id == "sess-00001"
    assert state.session.state == "closed" and state.session.profile_id == "cust-0001"
    assert state.session.cart_items and all(isinstance(i, CartItem) for i in state.session.cart_items)
    assert all(isinstance(e, Effect) for e in state.effects)


def test_unknown_session_is_not_found(live):
    """getCustomerSession documents no 404: Talon.One's 400 for an unknown session is not found."""
    with pytest.raises(TalonNotFound) as caught:
        live.integration.get_customer_session("sess-does-not-exist")
    assert caught.value.status == 400 and caught.value.request_id


def test_create_and_close_a_session_with_response_content(live):
    session_id = new_id("svc")
    state = live.integration.update_customer_session(
        session_id, profile_id="cust-0002", store_integration_id="store-berlin", state="open",
        cart_items=CART, coupon_codes=["SUMMER20"],
        response_content=["customerSession", "customerProfile", "triggeredCampaigns",
                          "ruleFailureReasons"],
    )
    assert state.session.integration_id == session_id and state.session.state == "open"
    assert state.customer_profile is not None and state.customer_profile.integration_id == "cust-0002"
    assert "acceptCoupon" in {e.effect_type for e in state.effects}

    closed = live.integration.update_customer_session(session_id, state="closed",
                                                      response_content=["customerSession"])
    assert closed.session.state == "closed"
    assert live.integration.get_customer_session(session_id).session.state == "closed"


def test_dry_run_persists_nothing(live):
    before = live.integration.get_customer_session("sess-00006").session
    assert before.state == "open"
    preview = live.integration.update_customer_session(
        "sess-00006", profile_id=before.profile_id, cart_items=list(before.cart_items),
        state="closed", dry=True, response_content=["customerSession"],
    )
    assert preview.session.state == "closed"
    after = live.integration.get_customer_session("sess-00006").session
    assert after.state == "open" and after.update_count == before.update_count


def test_dry_run_with_evaluable_campaigns_and_a_future_now(live, control):
    future = datetime.now(timezone.utc) + timedelta(days=30)
    state = live.integration.update_customer_session(
        new_id("bench"), profile_id="cust-0003", cart_items=CART, state="open",
        evaluable_campaign_ids=[1, 3, 8], dry=True, now=future,
        response_content=["triggeredCampaigns"],
    )
    assert {e.campaign_id for e in state.effects} <= {1, 3, 8}
    (sent,) = control.requests(method="PUT")
    assert "dry=true" in sent["query"] and "now=" in sent["query"]


def test_illegal_transition_is_a_bad_request_with_field_errors(live):
    with pytest.raises(TalonBadRequest) as caught:
        live.integration.update_customer_session("sess-00008", state="open")  # cancelled → open
    assert caught.value.status == 400 and caught.value.message


def test_return_with_idempotency_key_and_dry_preview(live):
    preview = live.integration.return_cart_items("sess-00001", [(0, 1)], dry=True)
    assert live.integration.get_customer_session("sess-00001").session.state == "closed"
    assert preview.session is None or preview.session.state in ("partially_returned", "closed")

    key = str(uuid.uuid4())
    state = live.integration.return_cart_items("sess-00001", [(0, 1)], idempotency_key=key,
                                               response_content=["customerSession"])
    first = state.session.cart_items[0]
    assert state.session.state == "partially_returned"
    assert first.returned_quantity == 1 and first.returnable_quantity == first.quantity - 1
    again = live.integration.return_cart_items("sess-00001", [(0, 1)], idempotency_key=key,
                                               response_content=["customerSession"])
    assert again.session.cart_items[0].returned_quantity == 1  # the stored answer, not a 2nd return


def test_reopen_answers_the_rollback_effects(live):
    state = live.integration.reopen_customer_session("sess-00002")
    assert isinstance(state, IntegrationState)
    assert all(e.effect_type.startswith("rollback") for e in state.effects)
    assert live.integration.get_customer_session("sess-00002").session.state == "open"
    words = live.effect_wording().describe_all(state.effects)
    assert all(line.text for line in words)


# -- profiles, events, achievements --------------------------------------------------------


def test_customer_inventory_is_typed_and_flags_are_sent(live, control):
    inventory = live.integration.get_customer_inventory("cust-0001")
    assert isinstance(inventory, Inventory)
    assert inventory.profile.display_name == "Alice Archer"
    assert all(isinstance(c, Coupon) for c in inventory.coupons)
    assert all(isinstance(c, LoyaltyCard) for c in inventory.loyalty_cards)
    query = control.requests(method="GET")[-1]["query"]
    for flag in ("profile=true", "referrals=true", "coupons=true", "loyalty=true",
                 "giveaways=true", "achievements=true"):
        assert flag in query

    bare = live.integration.get_customer_inventory("cust-0001", coupons=False, loyalty=False,
                                                   referrals=False, giveaways=False,
                                                   achievements=False)
    assert bare.coupons == () and bare.loyalty is None


def test_inventory_of_an_unknown_profile_is_not_found(live):
    with pytest.raises(TalonNotFound):
        live.integration.get_customer_inventory("cust-nobody")


def test_update_customer_profile_and_its_dry_run(live):
    state = live.integration.update_customer_profile(
        "cust-0002", attributes={"City": "Hamburg"}, run_rule_engine=True,
        response_content=["customerProfile"])
    assert state.customer_profile.attributes["City"] == "Hamburg"
    live.integration.update_customer_profile("cust-0002", attributes={"City": "Paris"}, dry=True)
    inventory = live.integration.get_customer_inventory("cust-0002")
    assert inventory.profile.attributes["City"] == "Hamburg"


def test_delete_customer_data(live):
    assert live.integration.delete_customer_data("cust-0059") is None
    with pytest.raises(TalonNotFound):
        live.integration.delete_customer_data("cust-nobody")


def test_track_event(live):
    state = live.integration.track_event(
        "pageViewed", profile_id="cust-0001", attributes={},
        response_content=["customerProfile", "triggeredCampaigns"])
    assert isinstance(state, IntegrationState) and state.customer_profile is not None
    # silent (Talon.One's default) answers 204 with no body: an empty state, not an error
    quiet = live.integration.track_event("pageViewed", profile_id="cust-0001", dry=True)
    assert isinstance(quiet, IntegrationState) and quiet.effects == ()


def test_a_customers_achievements(live):
    page = live.integration.get_customer_achievements("cust-0001")
    assert isinstance(page, Page)
    assert page.items, "demo data gives Alice the 'Three purchases' achievement"
    achievement = page.items[0]
    assert achievement.achievement_id is not None and achievement.name


# -- audiences -----------------------------------------------------------------------------


def test_audience_lifecycle(live):
    audience = live.integration.create_audience("Service layer test", description="made by a test")
    assert isinstance(audience, Audience) and audience.id and audience.name == "Service layer test"
    renamed = live.integration.update_audience(audience.id, "Renamed by test")
    assert renamed.name == "Renamed by test"

    result = live.integration.update_customer_profile_audiences(
        [("cust-0001", audience.id, "add"), ("cust-0002", audience.id, "add")])
    assert result.all_ok
    members = live.management.list_audience_members(audience.id)
    assert {m.integration_id for m in members} == {"cust-0001", "cust-0002"}

    live.integration.update_audience_customers_attributes(audience.id, {"Newsletter": True})
    live.integration.delete_audience_memberships(audience.id)
    assert len(live.management.list_audience_members(audience.id)) == 0
    live.integration.delete_audience(audience.id)
    with pytest.raises(TalonNotFound):
        live.integration.update_audience(audience.id, "gone")


def demo_profiles(count: int) -> list[str]:
    """``count`` profile IDs cycling through the 60 demo profiles."""
    return [f"cust-{n % 60 + 1:04d}" for n in range(count)]


def test_audience_changes_are_chunked_to_the_api_limit(live, control):
    changes = [(profile, 2, "add") for profile in demo_profiles(2300)]
    result = live.integration.update_customer_profile_audiences(changes)
    assert result.chunks == 3 and len(result.outcomes) == 2300 and result.all_ok
    assert len(control.requests("/v2/customer_audiences", "POST")) == 3


def test_a_failing_chunk_marks_only_its_items(live, control):
    control.faults({"path": "^/v2/customer_audiences$", "status": 400, "count": 1})
    result = live.integration.update_customer_profile_audiences(
        [(profile, 2, "add") for profile in demo_profiles(1500)])
    assert len(result.failed) == 1000 and len(result.succeeded) == 500
    assert isinstance(result.failed[0].error, TalonBadRequest)


# -- coupons and referrals -----------------------------------------------------------------


def test_coupon_reservations(live):
    coupon = live.integration.create_coupon_reservation("VIPONLY-001", ["cust-0005"])
    assert isinstance(coupon, Coupon) and coupon.value == "VIPONLY-001"
    reserved = live.integration.get_reserved_customers("VIPONLY-001")
    assert "cust-0005" in reserved.integration_ids
    live.integration.delete_coupon_reservation("VIPONLY-001", ["cust-0005"])
    assert "cust-0005" not in live.integration.get_reserved_customers("VIPONLY-001").integration_ids


def test_reserving_an_unknown_coupon_is_not_found(live):
    with pytest.raises(TalonNotFound):
        live.integration.create_coupon_reservation("NO-SUCH-CODE", ["cust-0005"])


def test_a_referral_for_one_advocate(live):
    referral = live.integration.create_referral(6, "cust-0004", usage_limit=1)
    assert isinstance(referral, Referral) and referral.code and referral.campaign_id == 6


# -- loyalty -------------------------------------------------------------------------------


def test_generate_link_and_unlink_a_card(live):
    card = live.integration.generate_loyalty_card(1, customer_profile_ids=["cust-0007"])
    assert isinstance(card, LoyaltyCard) and card.identifier and card.program_id == 1
    linked = live.integration.link_loyalty_card_to_profile(1, card.identifier, "cust-0008")
    assert set(linked.linked_profile_ids) == {"cust-0007", "cust-0008"}
    unlinked = live.integration.unlink_loyalty_card_from_profile(1, card.identifier, "cust-0007")
    assert unlinked.linked_profile_ids == ("cust-0008",)


def test_card_at_its_user_limit_refuses_another_profile(live):
    with pytest.raises((TalonBadRequest,)) as caught:
        live.integration.link_loyalty_card_to_profile(1, "4000-0038", "cust-0009")
    assert caught.value.status == 400


def test_balances_transactions_and_points(live):
    balances = live.integration.get_loyalty_card_balances(1, "4000-0001")
    assert isinstance(balances, Balances) and balances.active_points >= 0
    assert "cust-0001" in {p.integration_id for p in balances.profiles}
    profile_balances = live.integration.get_loyalty_balances(2, "cust-0001")
    assert isinstance(profile_balances, Balances)

    for page in (
        live.integration.get_loyalty_card_transactions(1, "4000-0001", page_size=5),
        live.integration.get_loyalty_program_profile_transactions(2, "cust-0001", page_size=5),
        live.integration.get_loyalty_card_points(1, "4000-0001", status="active"),
        live.integration.get_loyalty_program_profile_points(2, "cust-0001", status="pending"),
    ):
        assert isinstance(page, Page) and all(isinstance(t, Transaction) for t in page)


def test_transactions_page_with_has_more(live):
    first = live.integration.get_loyalty_card_transactions(1, "4000-0001", page_size=1)
    if first.has_more:
        second = live.integration.get_loyalty_card_transactions(1, "4000-0001", page_size=1, skip=1)
        assert second.items and second.items[0].id != first.items[0].id
    else:
        assert len(first) <= 1


def test_unknown_card_is_not_found(live):
    with pytest.raises(TalonNotFound):
        live.integration.get_loyalty_card_balances(1, "9999-0000")


# -- keys ---------------------------------------------------------------------


def test_wrong_key_is_unauthorized(talon_sandbox):
    from app.talon import TalonService, TalonSettings

    with TalonService(TalonSettings(base_url=talon_sandbox.url, integration_key="wrong",
                                    management_key="wrong")) as service:
        with pytest.raises(TalonUnauthorized) as caught:
            service.integration.get_customer_session("sess-00001")
        assert caught.value.status == 401 and "wrong" not in str(caught.value)
        with pytest.raises(TalonUnauthorized):
            service.management.list_campaigns()
