"""Typed results: wire names match the spec, spec examples parse, unknown fields are kept."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.talon import TalonMalformedResponse
from app.talon import models as m
from tests.support.openapi import spec_dict

# model → the spec schemas it is parsed from
SOURCES = {
    m.CartItem: ["CartItem"],
    m.Effect: ["Effect"],
    m.Session: ["CustomerSessionV2", "ApplicationSession"],
    m.CustomerProfile: ["CustomerProfile", "ApplicationCustomer"],
    m.Coupon: ["Coupon", "InventoryCoupon"],
    m.Referral: ["Referral", "InventoryReferral"],
    m.Giveaway: ["Giveaway"],
    m.Achievement: ["AchievementProgressWithDefinition", "AchievementProgress"],
    m.Audience: ["Audience"],
    m.CardProfile: ["LoyaltyCardProfileRegistration"],
    m.LoyaltyCard: ["LoyaltyCard"],
    m.LoyaltyProgram: ["LoyaltyProgram"],
    m.Balances: ["LoyaltyBalanceWithTier"],
    m.Transaction: ["CardLedgerTransactionLogEntryIntegrationAPI",
                    "LedgerTransactionLogEntryIntegrationAPI",
                    "CardLedgerPointsEntryIntegrationAPI", "LedgerPointsEntryIntegrationAPI"],
    m.Campaign: ["Campaign"],
    m.Event: ["ApplicationEvent", "Event"],
    m.Inventory: ["CustomerInventory"],
    m.IntegrationState: ["IntegrationStateV2"],
}
# attributes that are ours, not a wire field of those schemas
OURS = {m.Balances: {"subledgers", "profiles"}}


@pytest.mark.parametrize("model", list(SOURCES), ids=lambda c: c.__name__)
def test_every_wire_name_exists_in_the_spec(model):
    schemas = spec_dict()["components"]["schemas"]
    spec_names = set()
    for schema in SOURCES[model]:
        spec_names |= set(schemas[schema].get("properties", {}))
    ours = {wire for wire, (attr, *_) in model._WIRE.items() if attr in OURS.get(model, set())}
    unknown = set(model._WIRE) - spec_names - ours
    assert not unknown, f"{model.__name__} reads fields the spec does not have: {unknown}"


def unstring(value):
    """The spec's examples write some objects as the string "{}" (Event.effects, Effect.props);
    the schemas say objects, so the examples are read as the schemas mean them."""
    if value == "{}":
        return {}
    if isinstance(value, dict):
        return {k: unstring(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unstring(v) for v in value]
    return value


@pytest.mark.parametrize("model", list(SOURCES), ids=lambda c: c.__name__)
def test_spec_examples_parse(model):
    schemas = spec_dict()["components"]["schemas"]
    for schema in SOURCES[model]:
        example = unstring(schemas[schema].get("example"))
        if example is None:
            continue
        parsed = m.Balances.from_response({"balance": example}) if model is m.Balances \
            else m.build(model, example)
        assert isinstance(parsed, model)


def test_session_state_example_is_fully_typed():
    example = unstring(spec_dict()["components"]["schemas"]["IntegrationStateV2"]["example"])
    state = m.build(m.IntegrationState, example)
    assert isinstance(state.session, m.Session)
    assert all(isinstance(i, m.CartItem) for i in state.session.cart_items)
    assert all(isinstance(e, m.Effect) for e in state.effects)
    assert isinstance(state.session.created, datetime)
    assert state.return_ is not None and isinstance(state.previous_returns, list)


def test_unknown_fields_are_kept_not_rejected():
    item = m.build(m.CartItem, {"sku": "A", "quantity": 1, "futureField": {"x": 1}})
    assert item.extra == {"futureField": {"x": 1}}
    assert item.to_wire()["futureField"] == {"x": 1}


def test_times_are_parsed_and_bad_times_do_not_crash():
    session = m.build(m.Session, {"integrationId": "s", "created": "2026-01-02T03:04:05.123456Z",
                                  "updated": "yesterday"})
    assert session.created == datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)
    assert session.updated is None


def test_management_session_row_uses_the_profile_integration_id():
    row = {"id": 7, "integrationId": "sess-1", "profileId": 42, "profileintegrationid": "cust-1",
           "coupon": "", "referral": "", "state": "closed", "cartItems": [], "discounts": {},
           "totalDiscounts": 0, "total": 10, "created": "2026-01-01T00:00:00Z", "applicationId": 1}
    session = m.Session.from_management(row)
    assert session.profile_id == "cust-1"
    assert session.extra["profileInternalId"] == 42


def test_models_are_frozen():
    item = m.CartItem(sku="A", quantity=1)
    with pytest.raises(AttributeError):
        item.quantity = 2  # type: ignore[misc]


def test_page_follows_has_more_or_total():
    parse = m.builder(m.Audience)
    page = m.Page.from_response({"hasMore": True, "data": [{"id": 1, "name": "VIP"}]}, parse,
                                skip=10, page_size=1)
    assert page.has_more and page.next_skip == 11 and page.items[0].name == "VIP"
    page = m.Page.from_response({"totalResultSize": 3, "data": [{"id": 1}, {"id": 2}]}, parse,
                                page_size=2)
    assert page.has_more and page.total == 3
    page = m.Page.from_response({"totalResultSize": 2, "data": [{"id": 1}, {"id": 2}]}, parse,
                                page_size=2)
    assert not page.has_more
    with pytest.raises(TalonMalformedResponse):
        m.Page.from_response({"items": []}, parse)


def test_card_and_balances_helpers():
    card = m.build(m.LoyaltyCard, {"identifier": "4000-0038", "programID": 1, "status": "active",
                                   "usersPerCardLimit": 2,
                                   "profiles": [{"integrationId": "a", "timestamp": "2026-01-01T00:00:00Z"},
                                                {"integrationId": "b", "timestamp": "2026-01-01T00:00:00Z"}]})
    assert card.program_id == 1 and card.linked_profile_ids == ("a", "b") and card.at_user_limit
    balances = m.Balances.from_response({"balance": {"activePoints": 10, "pendingPoints": 5},
                                         "subledgerBalances": {"s": {"activePoints": 1}}})
    assert balances.active_points == 10 and balances.subledgers["s"].active_points == 1


def test_cart_item_to_wire_leaves_out_read_only_fields():
    schema = spec_dict()["components"]["schemas"]["CartItem"]["properties"]
    read_only = {k for k, v in schema.items() if v.get("readOnly")}
    item = m.build(m.CartItem, {"sku": "A", "quantity": 2, "position": 0, "returnedQuantity": 1,
                                "remainingQuantity": 1, "prices": {}, "catalogItemID": 3,
                                "weight": 2.5})
    wire = item.to_wire()
    assert not read_only & set(wire)
    assert wire == {"sku": "A", "quantity": 2, "weight": 2.5}
