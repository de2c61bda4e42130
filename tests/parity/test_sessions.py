"""Customer sessions and their states (updateCustomerSessionV2, reopen, getCustomerSession)."""
from __future__ import annotations

import pytest

from tests.parity.conftest import source
from tests.parity.support import SHIRT, SHOE, assert_error, get_session, put_session

STATES = "spec: NewCustomerSessionV2.state (the state transitions)"


@source("spec: updateCustomerSessionV2 (Update or create a customer session)")
def test_an_update_creates_an_open_session(talon, target):
    session_id = target.new_id("sess")
    answer = put_session(talon, session_id, content=["customerSession"], cartItems=[SHIRT])
    assert answer["customerSession"]["state"] == "open"
    assert answer["customerSession"]["integrationId"] == session_id


@source("spec: updateCustomerSessionV2: 'If the specified profile does not exist, an empty profile is created automatically'")
def test_a_session_creates_its_unknown_profile(talon, target):
    profile_id = target.new_id("prof")
    put_session(talon, target.new_id("sess"), profileId=profile_id, cartItems=[SHIRT])
    response = talon.get(f"/v1/customer_profiles/{profile_id}/inventory", params={"profile": "true"})
    assert response.status_code == 200 and response.json()["profile"]["integrationId"] == profile_id


@source(STATES)
def test_sessions_can_be_created_closed(talon, target):
    answer = put_session(talon, target.new_id("sess"), content=["customerSession"], state="closed", cartItems=[SHIRT])
    assert answer["customerSession"]["state"] == "closed"


@source(STATES)
@pytest.mark.parametrize("state", ["cancelled", "partially_returned"])
def test_sessions_cannot_be_created_cancelled_or_returned(talon, target, state):
    assert_error(talon.put(f"/v2/customer_sessions/{target.new_id('sess')}",
                           json={"customerSession": {"state": state, "cartItems": [SHIRT]}}), 400)


@source(STATES)
def test_open_to_closed_to_cancelled(talon, target):
    session_id = target.new_id("sess")
    put_session(talon, session_id, cartItems=[SHIRT])
    assert put_session(talon, session_id, content=["customerSession"], state="closed")["customerSession"]["state"] == "closed"
    assert put_session(talon, session_id, content=["customerSession"], state="cancelled")["customerSession"]["state"] == "cancelled"


@source(STATES)
def test_open_to_cancelled(talon, target):
    session_id = target.new_id("sess")
    put_session(talon, session_id, cartItems=[SHIRT])
    assert put_session(talon, session_id, content=["customerSession"], state="cancelled")["customerSession"]["state"] == "cancelled"


@source(STATES + ": closed -> open only via reopenCustomerSession")
def test_a_closed_session_is_not_reopened_by_an_update(talon, target):
    session_id = target.new_id("sess")
    put_session(talon, session_id, state="closed", cartItems=[SHIRT])
    assert_error(talon.put(f"/v2/customer_sessions/{session_id}", json={"customerSession": {"state": "open"}}), 400)
    assert get_session(talon, session_id)["customerSession"]["state"] == "closed"


@source(STATES + ": closed -> partially_returned only via returnCartItems")
def test_partially_returned_is_not_reached_by_an_update(talon, target):
    session_id = target.new_id("sess")
    put_session(talon, session_id, state="closed", cartItems=[SHIRT])
    assert_error(talon.put(f"/v2/customer_sessions/{session_id}",
                           json={"customerSession": {"state": "partially_returned"}}), 400)


@source(STATES + ": a cancelled session moves no more")
def test_a_cancelled_session_stays_cancelled(talon, target):
    session_id = target.new_id("sess")
    put_session(talon, session_id, state="closed", cartItems=[SHIRT])
    put_session(talon, session_id, state="cancelled")
    for state in ("open", "closed"):
        assert_error(talon.put(f"/v2/customer_sessions/{session_id}", json={"customerSession": {"state": state}}), 400)


@source("spec: reopenCustomerSession (closed -> open, answers the rollback effects)")
def test_reopen_rolls_back_and_opens(talon, target, objects):
    session_id = target.new_id("sess")
    put_session(talon, session_id, state="closed", profileId=target.new_id("prof"), cartItems=[SHOE, SHIRT])
    response = talon.put(f"/v2/customer_sessions/{session_id}/reopen")
    assert response.status_code == 200 and "effects" in response.json()
    assert get_session(talon, session_id)["customerSession"]["state"] == "open"


@source("spec: reopenCustomerSession (only a closed session is reopened)")
def test_only_a_closed_session_is_reopened(talon, target):
    session_id = target.new_id("sess")
    put_session(talon, session_id, cartItems=[SHIRT])
    assert_error(talon.put(f"/v2/customer_sessions/{session_id}/reopen"), 400)


@source("spec: getCustomerSession documents 200, 400, 401 (no 404): an unknown session is a 400")
def test_an_unknown_session_is_a_400(talon, target):
    assert_error(talon.get(f"/v2/customer_sessions/{target.new_id('nobody')}"), 400)


@source("spec: getCustomerSession (IntegrationCustomerSessionResponse: the session and its effects)")
def test_a_session_reads_back_with_its_cart(talon, target):
    session_id = target.new_id("sess")
    put_session(talon, session_id, cartItems=[dict(SHIRT, quantity=2)])
    answer = get_session(talon, session_id)
    [item] = answer["customerSession"]["cartItems"]
    assert (item["sku"], item["quantity"]) == (SHIRT["sku"], 2)
    assert "effects" in answer


@source("spec: updateCustomerSessionV2 (each update without dry builds upon the previous ones)")
def test_an_update_keeps_what_it_does_not_send(talon, target):
    session_id = target.new_id("sess")
    put_session(talon, session_id, cartItems=[SHIRT], attributes={})
    answer = put_session(talon, session_id, content=["customerSession"], state="closed")
    assert [i["sku"] for i in answer["customerSession"]["cartItems"]] == [SHIRT["sku"]]
