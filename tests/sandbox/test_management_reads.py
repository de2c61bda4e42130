"""Management API reads with the spec's paging and filters."""
from __future__ import annotations

import pytest

from tests.sandbox.conftest import new_id, put_session


def sessions(api, **params) -> dict:
    response = api.get("/v1/applications/1/sessions", params={"pageSize": 1000, **params}, key="management")
    assert response.status_code == 200, response.text
    return response.json()


def test_sessions_page_with_has_more(api):
    first = sessions(api, pageSize=100)
    assert first["hasMore"] and len(first["data"]) == 100
    assert [s["integrationId"] for s in first["data"][:2]] == ["sess-00001", "sess-00002"]
    last = sessions(api, pageSize=100, skip=200)
    assert not last["hasMore"] and len(last["data"]) == 40
    assert sessions(api, pageSize=10, sort="-id")["data"][0]["integrationId"] == "sess-00240"


@pytest.mark.parametrize("state", ["open", "closed", "partially_returned", "cancelled"])
def test_sessions_filter_by_state(api, state):
    found = sessions(api, state=state)["data"]
    assert found and {s["state"] for s in found} == {state}


def test_sessions_filter_by_profile_store_coupon_and_id(api):
    alice = sessions(api, profile="cust-0001")["data"]
    assert [s["integrationId"] for s in alice] == [f"sess-0000{n}" for n in range(1, 7)]
    assert all(s["profileintegrationid"] == "cust-0001" and s["profileId"] == 1 for s in alice)
    hamburg = sessions(api, storeIntegrationId="store-hamburg")["data"]
    assert hamburg and {s["storeIntegrationId"] for s in hamburg} == {"store-hamburg"}
    summer = sessions(api, coupon="SUMMER20")["data"]
    assert summer and all("SUMMER20" in s["coupon"].split(",") for s in summer)
    assert [s["integrationId"] for s in sessions(api, integrationId="sess-00042")["data"]] == ["sess-00042"]
    partial = sessions(api, integrationId="0004", partialMatch="true")["data"]
    assert {s["integrationId"] for s in partial} == {"sess-00004", *(f"sess-000{n}" for n in range(40, 50))}


def test_sessions_filter_by_creation_time(api):
    everything = sessions(api)["data"]
    middle = sorted(s["created"] for s in everything)[120]
    before = sessions(api, createdBefore=middle)["data"]
    after = sessions(api, createdAfter=middle)["data"]
    assert all(s["created"] < middle for s in before) and all(s["created"] > middle for s in after)
    assert len(before) + len(after) < len(everything)


def test_session_by_internal_id_shows_discounts(api):
    found = api.get("/v1/applications/1/sessions/2", key="management").json()
    assert found["integrationId"] == "sess-00002" and found["coupon"] == "SUMMER20"
    assert found["discounts"]["Summer 20%"] > 0
    assert found["totalDiscounts"] == pytest.approx(sum(found["discounts"].values()))


def test_a_partly_returned_session_shows_net_discounts(api):
    found = api.get("/v1/applications/1/sessions/4", key="management").json()
    assert found["state"] == "partially_returned"
    assert found["cartItems"][0]["returnedQuantity"] == 1
    assert found["totalDiscounts"] == pytest.approx(sum(found["discounts"].values()))


def test_new_sessions_appear_in_the_list(api):
    session_id = new_id()
    put_session(api, session_id, profileId="cust-0005", cartItems=[{"sku": "TEE-010", "quantity": 1, "price": 9}])
    assert [s["integrationId"] for s in sessions(api, profile="cust-0005", state="open")["data"]][-1] == session_id


def test_customers(api):
    page = api.get("/v1/applications/1/customers", params={"pageSize": 25, "withTotalResultSize": "true"},
                   key="management").json()
    assert page["totalResultSize"] == 60 and page["hasMore"] and len(page["data"]) == 25
    [alice] = api.get("/v1/applications/1/customers", params={"integrationId": "cust-0001"},
                      key="management").json()["data"]
    assert alice["attributes"]["Name"] == "Alice Archer" and alice["closedSessions"] == 5
    friend = api.get("/v1/applications/1/customers/50", key="management").json()
    assert friend["integrationId"] == "cust-0050" and friend["advocateIntegrationId"] == "cust-0001"


def test_campaigns(api):
    listed = api.get("/v1/applications/1/campaigns", key="management").json()
    assert listed["totalResultSize"] == 10
    states = {c["id"]: c["frontendState"] for c in listed["data"]}
    assert states[8] == "disabled" and states[9] == "scheduled" and states[1] == "running"
    assert "rules" not in listed["data"][0]
    running = api.get("/v1/applications/1/campaigns", params={"campaignState": "running"}, key="management").json()
    assert {c["id"] for c in running["data"]} == {1, 2, 3, 4, 5, 6, 7, 10}
    summer = api.get("/v1/applications/1/campaigns/2", key="management").json()
    assert summer["name"] == "Summer coupons" and summer["couponRedemptionCount"] > 0
    named = api.get("/v1/applications/1/campaigns", params={"name": "shoe"}, key="management").json()
    assert [c["id"] for c in named["data"]] == [3]


def test_coupons_of_a_campaign(api):
    url = "/v1/applications/1/campaigns/2/coupons/no_total"
    page = api.get(url, params={"pageSize": 10}, key="management").json()
    assert page["hasMore"] and len(page["data"]) == 10
    folded = api.get(url, params={"value": "viponly00"}, key="management").json()["data"]
    # Folded: case and punctuation do not count, so "viponly00" is VIPONLY-001 ... VIPONLY-009.
    assert [c["value"] for c in folded] == [f"VIPONLY-00{n}" for n in range(1, 10)]
    exact = api.get(url, params={"value": "summer20", "exactMatch": "true"}, key="management").json()["data"]
    assert [c["value"] for c in exact] == ["SUMMER20"]
    used = api.get(url, params={"value": "SUMMER-", "redeemed": "true", "pageSize": 100}, key="management").json()
    assert used["data"] and all(c["usageCounter"] > 0 for c in used["data"])


def test_coupon_search_across_campaigns(api):
    url = "/v1/applications/1/coupons_search_advanced/no_total"
    found = api.post(url, params={"value": "BF30"}, json={}, key="management").json()["data"]
    assert [(c["value"], c["campaignId"]) for c in found] == [("BF30", 8)]
    disabled_only = api.post(url, params={"campaignState": "disabled"}, json={}, key="management").json()["data"]
    assert {c["campaignId"] for c in disabled_only} == {8}


def test_audience_memberships(api):
    vip = api.get("/v1/audiences/1/memberships", key="management").json()
    assert vip["data"][0]["integrationId"] == "cust-0001" and not vip["hasMore"]
    query = api.get("/v1/audiences/1/memberships", params={"profileQuery": "alice"}, key="management").json()
    assert [p["integrationId"] for p in query["data"]] == ["cust-0001"]


def test_events_by_session_and_profile(api):
    events = api.get("/v1/applications/1/events/no_total", params={"session": "sess-00004"},
                     key="management").json()["data"]
    types = [e["type"] for e in events]
    assert types[:2] == ["talon_session_created", "talon_session_closed"] and "talon_return" in types
    assert all(e["sessionId"] == 4 for e in events)
    by_profile = api.get("/v1/applications/1/events/no_total", params={"profile": "cust-0001", "pageSize": 5},
                         key="management").json()
    assert by_profile["hasMore"] and all(e["profileId"] == 1 for e in by_profile["data"])
    with_points = api.get("/v1/applications/1/events/no_total", params={
        "effectType": "rollbackAddedLoyaltyPoints", "pageSize": 1000}, key="management").json()["data"]
    assert with_points and all(any(x["effectType"] == "rollbackAddedLoyaltyPoints" for x in e["effects"])
                               for e in with_points)
    named = api.get("/v1/applications/1/events/no_total", params={"customerName": "Alice Archer", "pageSize": 1000},
                    key="management").json()["data"]
    assert named and {e["profileId"] for e in named} == {1}
