"""The session state machine of DESIGN.md section 5: every legal move works, every other is a 400."""
from __future__ import annotations

import pytest

from tests.sandbox.conftest import assert_error, new_id, of_type, put_session

CART = [{"sku": "RUN-100", "name": "Trail runner", "category": "shoes", "price": 89.9, "quantity": 1},
        {"sku": "TEE-010", "name": "T-shirt", "category": "shirts", "price": 19.9, "quantity": 2}]


def make_session(api, state: str, profile: str = "cust-0012") -> str:
    """A new session taken to `state` through the API."""
    session_id = new_id("state")
    put_session(api, session_id, profileId=profile, cartItems=CART, loyaltyCards=["4000-0012"])
    if state in ("closed", "partially_returned", "cancelled"):
        put_session(api, session_id, state="closed")
    if state == "partially_returned":
        response = api.post(f"/v2/customer_sessions/{session_id}/returns",
                            json={"return": {"returnedCartItems": [{"position": 1, "quantity": 1}]}})
        assert response.status_code == 200, response.text
    if state == "cancelled":
        put_session(api, session_id, state="cancelled")
    return session_id


def state_of(api, session_id: str) -> str:
    return api.get(f"/v2/customer_sessions/{session_id}").json()["customerSession"]["state"]


@pytest.mark.parametrize("state", ["open", "closed"])
def test_a_session_can_be_created_open_or_closed(api, state):
    session_id = new_id()
    answer = put_session(api, session_id, profileId="cust-0012", cartItems=CART, state=state,
                         content=["customerSession"])
    assert answer["customerSession"]["state"] == state
    assert state_of(api, session_id) == state


@pytest.mark.parametrize("state", ["cancelled", "partially_returned"])
def test_a_session_cannot_be_created_cancelled_or_returned(api, state):
    session_id = new_id()
    assert_error(api.put(f"/v2/customer_sessions/{session_id}", json={"customerSession": {"state": state}}), 400)
    assert_error(api.get(f"/v2/customer_sessions/{session_id}"), 400, "does not exist")


LEGAL_UPDATES = [("open", "open"), ("open", "closed"), ("open", "cancelled"), ("closed", "cancelled"),
                 ("partially_returned", "cancelled")]
ILLEGAL_UPDATES = [("open", "partially_returned"), ("closed", "open"), ("closed", "closed"),
                   ("closed", "partially_returned"), ("partially_returned", "open"),
                   ("partially_returned", "closed"), ("partially_returned", "partially_returned"),
                   ("cancelled", "open"), ("cancelled", "closed"), ("cancelled", "cancelled"),
                   ("cancelled", "partially_returned")]


@pytest.mark.parametrize("start, target", LEGAL_UPDATES)
def test_legal_updates(api, start, target):
    session_id = make_session(api, start)
    put_session(api, session_id, state=target)
    assert state_of(api, session_id) == target


@pytest.mark.parametrize("start, target", ILLEGAL_UPDATES)
def test_illegal_updates_are_400_and_change_nothing(api, start, target):
    session_id = make_session(api, start)
    before = api.get(f"/v2/customer_sessions/{session_id}").json()
    response = api.put(f"/v2/customer_sessions/{session_id}", json={"customerSession": {"state": target}})
    body = assert_error(response, 400, start if start != target else target)
    assert body["errors"][0]["source"]["pointer"] == "/customerSession/state"
    assert api.get(f"/v2/customer_sessions/{session_id}").json() == before


def test_an_update_without_state_means_open(api):
    """The spec's default state is open, so a plain update of a closed session is refused."""
    session_id = make_session(api, "closed")
    assert_error(api.put(f"/v2/customer_sessions/{session_id}", json={"customerSession": {"attributes": {}}}),
                 400, "reopen")


@pytest.mark.parametrize("start", ["closed", "partially_returned"])
def test_returns_are_allowed_on_closed_and_partially_returned(api, start):
    session_id = make_session(api, start)
    response = api.post(f"/v2/customer_sessions/{session_id}/returns",
                        json={"return": {"returnedCartItems": [{"position": 0, "quantity": 1}]}})
    assert response.status_code == 200, response.text
    assert state_of(api, session_id) == "partially_returned"


@pytest.mark.parametrize("start", ["open", "cancelled"])
def test_returns_are_refused_elsewhere(api, start):
    session_id = make_session(api, start)
    response = api.post(f"/v2/customer_sessions/{session_id}/returns",
                        json={"return": {"returnedCartItems": [{"position": 0, "quantity": 1}]}})
    assert_error(response, 400, start)
    assert state_of(api, session_id) == start


def test_reopen_moves_closed_to_open_and_answers_effects(api):
    session_id = make_session(api, "closed")
    response = api.put(f"/v2/customer_sessions/{session_id}/reopen")
    assert response.status_code == 200
    assert set(response.json()) == {"effects"}
    assert state_of(api, session_id) == "open"
    # A reopened session is a normal open session again: it can be closed once more.
    put_session(api, session_id, state="closed")
    assert state_of(api, session_id) == "closed"


@pytest.mark.parametrize("start", ["open", "partially_returned", "cancelled"])
def test_reopen_is_refused_unless_closed(api, start):
    session_id = make_session(api, start)
    assert_error(api.put(f"/v2/customer_sessions/{session_id}/reopen"), 400, "closed")
    assert state_of(api, session_id) == start


def test_reopen_of_an_unknown_session_is_400(api):
    assert_error(api.put("/v2/customer_sessions/never-seen/reopen"), 400)


def test_cancelling_an_open_session_rolls_back_nothing(api):
    session_id = make_session(api, "open")
    answer = put_session(api, session_id, state="cancelled")
    assert answer["effects"] == []


def test_updates_build_on_each_other_and_count(api):
    session_id = new_id()
    put_session(api, session_id, profileId="cust-0020", cartItems=CART)
    answer = put_session(api, session_id, couponCodes=["SUMMER20"], content=["customerSession"])
    session = answer["customerSession"]
    assert session["cartItems"][0]["sku"] == "RUN-100"      # kept from the first update
    assert session["couponCodes"] == ["SUMMER20"]
    assert session["updateCount"] == 2
    assert of_type(answer["effects"], "acceptCoupon")[0]["props"]["value"] == "SUMMER20"
    # An empty list discards the coupons, as the spec says.
    answer = put_session(api, session_id, couponCodes=[], content=["customerSession"])
    assert answer["customerSession"]["couponCodes"] == []
    assert not of_type(answer["effects"], "acceptCoupon")


def test_a_session_profile_cannot_change(api):
    session_id = new_id()
    put_session(api, session_id, profileId="cust-0020", cartItems=CART)
    assert_error(api.put(f"/v2/customer_sessions/{session_id}",
                         json={"customerSession": {"profileId": "cust-0021"}}), 400, "cannot change")


def test_an_unknown_profile_is_created(api):
    profile = new_id("newcomer")
    put_session(api, new_id(), profileId=profile, cartItems=CART)
    response = api.get(f"/v1/customer_profiles/{profile}/inventory", params={"profile": "true"})
    assert response.status_code == 200
    assert response.json()["profile"]["integrationId"] == profile
