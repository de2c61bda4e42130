"""Returns (returnCartItems), Idempotency-Key, and cart item flattening."""
from __future__ import annotations

from decimal import Decimal

from tests.parity.conftest import needs, source
from tests.parity.support import SHIRT, SHOE, assert_error, get_session, of_type, put_session, returns

RETURNS = "spec: returnCartItems (closed or partially returned sessions; returnedCartItems by position)"
IDEMPOTENCY = "spec: returnCartItems `Idempotency-Key` header (the same key answers the same)"
FLATTENING = "https://docs.talon.one/docs/product/rules/understanding-cart-item-flattening"


def total(effects, effect_type) -> Decimal:
    return sum((Decimal(str(e["props"]["value"])) for e in effects if e["effectType"] == effect_type), Decimal(0))


def shoes(objects, quantity: int) -> dict:
    return dict(SHOE, category=objects["item_discount"]["category"], quantity=quantity)


def closed_order(talon, target, items) -> tuple[str, list[dict]]:
    session_id = target.new_id("order")
    answer = put_session(talon, session_id, state="closed", profileId=target.new_id("prof"), cartItems=items)
    return session_id, answer["effects"]


@source(FLATTENING + " ('you receive three effects instead of one')")
@needs("item_discount")
def test_per_item_effects_come_once_per_unit(talon, target, objects):
    campaign = objects["item_discount"]["campaign_id"]
    answer = put_session(talon, target.new_id("sess"), cartItems=[SHIRT, shoes(objects, 3)])
    per_item = [e for e in of_type(answer["effects"], "setDiscountPerItem") if e["campaignId"] == campaign]
    assert len(per_item) == 3
    assert {e["props"]["position"] for e in per_item} == {1}


@source("spec: SetDiscountPerItemEffectProps.subPosition ('which item the discount applies to')")
@needs("item_discount")
def test_each_unit_effect_names_its_sub_position(talon, target, objects):
    answer = put_session(talon, target.new_id("sess"), cartItems=[shoes(objects, 2)])
    per_item = of_type(answer["effects"], "setDiscountPerItem")
    assert sorted(e["props"]["subPosition"] for e in per_item) == [0, 1]
    percent = Decimal(objects["item_discount"]["percent"])
    for effect in per_item:
        assert Decimal(str(effect["props"]["value"])) == (Decimal(str(SHOE["price"])) * percent / 100).quantize(Decimal("0.01"))


@source("spec: SetDiscountPerItemEffectProps.name ('Contains a hashtag character indicating the index of the position')")
@needs("item_discount")
def test_a_per_item_discount_name_carries_its_position(talon, target, objects):
    answer = put_session(talon, target.new_id("sess"), cartItems=[SHIRT, shoes(objects, 1)])
    [effect] = of_type(answer["effects"], "setDiscountPerItem")
    assert effect["props"]["name"].endswith("#1")


@source(RETURNS)
def test_an_open_session_takes_no_return(talon, target):
    session_id = target.new_id("sess")
    put_session(talon, session_id, cartItems=[SHIRT])
    assert_error(talon.post(f"/v2/customer_sessions/{session_id}/returns",
                            json={"return": {"returnedCartItems": [{"position": 0, "quantity": 1}]}}), 400)


@source(RETURNS + " (returnedQuantity, remainingQuantity, state partially_returned)")
def test_a_partial_return_counts_the_units(talon, target):
    session_id, _ = closed_order(talon, target, [dict(SHIRT, quantity=3)])
    answer = returns(talon, session_id, [{"position": 0, "quantity": 1}])
    item = answer["customerSession"]["cartItems"][0]
    assert (item["returnedQuantity"], item["remainingQuantity"]) == (1, 2)
    assert answer["customerSession"]["state"] == "partially_returned"


@source(RETURNS + "; rollbackDiscount.cartItemSubPosition: " + FLATTENING)
@needs("item_discount")
def test_a_returned_unit_takes_back_its_own_discount(talon, target, objects):
    session_id, effects = closed_order(talon, target, [shoes(objects, 2)])
    given = of_type(effects, "setDiscountPerItem")
    answer = returns(talon, session_id, [{"position": 0, "quantity": 1}])
    [back] = [e for e in of_type(answer["effects"], "rollbackDiscount") if "cartItemSubPosition" in e["props"]]
    [unit] = [e for e in given if e["props"]["subPosition"] == back["props"]["cartItemSubPosition"]]
    assert back["props"]["value"] == unit["props"]["value"]


@source(RETURNS + "; a cancellation rolls back what the returns left")
@needs("item_discount")
def test_returns_and_a_cancel_take_back_exactly_what_was_given(talon, target, objects):
    session_id, effects = closed_order(talon, target, [shoes(objects, 3)])
    rolled = returns(talon, session_id, [{"position": 0, "quantity": 1}])["effects"]
    rolled += returns(talon, session_id, [{"position": 0, "quantity": 1}])["effects"]
    rolled += put_session(talon, session_id, state="cancelled")["effects"]
    assert total(rolled, "rollbackDiscount") == total(effects, "setDiscountPerItem") + total(effects, "setDiscount")


@source(RETURNS)
def test_more_than_remains_cannot_be_returned(talon, target):
    session_id, _ = closed_order(talon, target, [SHIRT])
    assert_error(talon.post(f"/v2/customer_sessions/{session_id}/returns",
                            json={"return": {"returnedCartItems": [{"position": 0, "quantity": 2}]}}), 400)


@source("spec: returnCartItems `dry` ('Changes are ignored')")
def test_a_dry_return_changes_nothing(talon, target):
    session_id, _ = closed_order(talon, target, [SHIRT])
    returns(talon, session_id, [{"position": 0, "quantity": 1}], params={"dry": "true"})
    assert get_session(talon, session_id)["customerSession"]["state"] == "closed"


@source(IDEMPOTENCY)
def test_the_same_idempotency_key_returns_once(talon, target):
    session_id, _ = closed_order(talon, target, [dict(SHIRT, quantity=2)])
    key = target.new_id("key")
    first = returns(talon, session_id, [{"position": 0, "quantity": 1}], key=key)
    second = returns(talon, session_id, [{"position": 0, "quantity": 1}], key=key)
    assert second["customerSession"]["cartItems"][0]["returnedQuantity"] == 1
    assert first["effects"] == second["effects"]
    assert get_session(talon, session_id)["customerSession"]["cartItems"][0]["remainingQuantity"] == 1


@source(IDEMPOTENCY + " (another body with the same key is refused)")
def test_a_reused_idempotency_key_with_another_body_is_refused(talon, target):
    session_id, _ = closed_order(talon, target, [dict(SHIRT, quantity=3)])
    key = target.new_id("key")
    returns(talon, session_id, [{"position": 0, "quantity": 1}], key=key)
    response = talon.post(f"/v2/customer_sessions/{session_id}/returns", headers={"Idempotency-Key": key},
                          json={"return": {"returnedCartItems": [{"position": 0, "quantity": 2}]}})
    assert 400 <= response.status_code < 500
    assert get_session(talon, session_id)["customerSession"]["cartItems"][0]["returnedQuantity"] == 1


@source("spec: returnCartItems responseContent previousReturns")
def test_a_second_return_lists_the_first(talon, target):
    session_id, _ = closed_order(talon, target, [dict(SHIRT, quantity=2)])
    returns(talon, session_id, [{"position": 0, "quantity": 1}])
    response = talon.post(f"/v2/customer_sessions/{session_id}/returns",
                          json={"return": {"returnedCartItems": [{"position": 0, "quantity": 1}]},
                                "responseContent": ["previousReturns"]})
    assert response.status_code == 200 and len(response.json()["previousReturns"]) == 1
