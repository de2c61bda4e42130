"""Optional means optional: a field Talon.One leaves out, sends as null, or sends as another kind
than the class declares reads as the field's default, so no page has to guard it."""

from __future__ import annotations

import pytest

from app.talon.errors import TalonMalformedResponse
from app.talon.models import CartItem, CustomerProfile, IntegrationState, Session, build, require


def test_null_reads_as_the_default():
    profile = build(CustomerProfile, {"integrationId": "c1", "attributes": None, "audienceMemberships": None})
    assert profile.attributes == {} and profile.audience_memberships == []
    assert profile.display_name == "c1"


def test_missing_fields_read_as_defaults():
    session = build(Session, {})
    assert session.state == "" and session.cart_items == () and session.attributes == {}


def test_a_value_of_another_kind_reads_as_the_default():
    item = build(CartItem, {"sku": "A", "quantity": True, "price": "12", "attributes": []})
    assert item.quantity == 0 and item.price is None and item.attributes == {}
    assert item.line_total == 0


def test_unknown_fields_are_kept():
    assert build(CartItem, {"sku": "A", "newField2030": 1}).extra == {"newField2030": 1}


def test_an_answer_without_what_the_console_needs_is_refused_by_name():
    state = build(IntegrationState, {"effects": []})
    with pytest.raises(TalonMalformedResponse, match="customerSession"):
        require(state.session, "customerSession")
