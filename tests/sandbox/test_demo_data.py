"""The demo data promised in CONTRIBUTING.md, and that it is the real outcome of its sessions."""
from __future__ import annotations

from collections import Counter

from tests.sandbox.conftest import of_type


def all_sessions(api) -> list[dict]:
    return api.get("/v1/applications/1/sessions", params={"pageSize": 1000}, key="management").json()["data"]


def test_profiles_sessions_states_and_stores(api):
    customers = api.get("/v1/applications/1/customers", params={"pageSize": 1000}, key="management").json()["data"]
    assert [c["integrationId"] for c in customers] == [f"cust-{n:04d}" for n in range(1, 61)]
    assert all({"Name", "Email", "City", "BirthDate"} <= set(c["attributes"]) for c in customers)
    sessions = all_sessions(api)
    assert [s["integrationId"] for s in sessions] == [f"sess-{n:05d}" for n in range(1, 241)]
    states = Counter(s["state"] for s in sessions)
    assert set(states) == {"open", "closed", "partially_returned", "cancelled"} and min(states.values()) >= 10
    assert set(Counter(s["storeIntegrationId"] for s in sessions)) == {"store-berlin", "store-munich",
                                                                        "store-hamburg"}


def test_alice_is_the_rich_example(api):
    inventory = api.get("/v1/customer_profiles/cust-0001/inventory", params={
        f: "true" for f in ("profile", "referrals", "coupons", "loyalty", "giveaways", "achievements")}).json()
    assert inventory["profile"]["attributes"]["Name"] == "Alice Archer"
    assert {a["name"] for a in inventory["profile"]["audienceMemberships"]} >= {"VIP"}
    coupons = {c["value"]: c for c in inventory["coupons"]}
    assert coupons["VIPONLY-001"]["isReservationMandatory"] and coupons["VIPONLY-001"]["state"] == "active"
    assert not coupons["GOODWILL-001"]["isReservationMandatory"] and coupons["GOODWILL-001"]["state"] == "active"
    assert [card["identifier"] for card in inventory["loyalty"]["cards"]] == ["4000-0001"]
    assert inventory["loyalty"]["cards"][0]["ledger"]["pendingBalance"] > 0      # sess-00005 is 5 days old
    assert inventory["loyalty"]["programs"]["2"]["ledger"]["currentBalance"] > 0
    assert [r["code"] for r in inventory["referrals"]] == ["REF-ALICE"]
    assert inventory["referrals"][0]["referredCustomers"]
    assert inventory["giveaways"][0]["code"] == "GIFT-0001"
    assert inventory["achievements"][0]["status"] == "completed"
    states = [s["state"] for s in all_sessions(api) if s["profileintegrationid"] == "cust-0001"]
    assert states.count("closed") >= 4 and "partially_returned" in states and "open" in states


def test_cards_have_the_promised_statuses(api):
    cards = api.get("/v1/loyalty_programs/1/cards", params={"pageSize": 1000}, key="management").json()["data"]
    by_number = {int(c["identifier"][-4:]): c for c in cards}
    assert sorted(by_number) == list(range(1, 41))
    assert all(by_number[n]["status"] == "active" and "blockReason" not in by_number[n] for n in range(1, 31))
    assert all(by_number[n]["status"] == "inactive" and "blockReason" not in by_number[n] for n in range(31, 35))
    assert all(by_number[n].get("blockReason") for n in range(35, 38))
    assert all(len(by_number[n]["profiles"]) == by_number[n]["usersPerCardLimit"] == 2 for n in range(38, 41))


def test_closed_sessions_committed_their_effects(api):
    """Coupon counters equal the acceptCoupon effects of the sessions that are still closed."""
    accepted = Counter()
    for session in all_sessions(api):
        if session["state"] in ("closed", "partially_returned"):
            effects = api.get(f"/v2/customer_sessions/{session['integrationId']}").json()["effects"]
            accepted.update(e["props"]["value"] for e in of_type(effects, "acceptCoupon"))
    summer20 = api.post("/v1/applications/1/coupons_search_advanced/no_total",
                        params={"value": "SUMMER20", "exactMatch": "true"}, json={}, key="management").json()
    assert accepted["SUMMER20"] > 0 and summer20["data"][0]["usageCounter"] == accepted["SUMMER20"]


def test_achievements_of_a_profile(api):
    listed = api.get("/v1/customer_profiles/cust-0001/achievements").json()
    assert listed["totalResultSize"] == 1
    [entry] = listed["data"]
    assert (entry["name"], entry["target"], entry["currentProgress"]["status"]) == ("three_purchases", 3, "completed")
    history = api.get("/v1/customer_profiles/cust-0001/achievements/1").json()
    assert history["data"][0]["progress"] == 3
    fresh = api.get("/v1/customer_profiles/cust-0060/achievements",
                    params={"currentProgressStatus": "completed"}).json()
    assert all(e["currentProgress"]["status"] == "completed" for e in fresh["data"])
    assert api.get("/v1/customer_profiles/nobody/achievements").status_code == 404
    assert api.get("/v1/customer_profiles/cust-0001/achievements/9").status_code == 404


def test_easter25_has_expired(api):
    from tests.sandbox.conftest import new_id, put_session

    answer = put_session(api, new_id(), profileId="cust-0002", couponCodes=["EASTER25"],
                         cartItems=[{"sku": "TEE-010", "name": "Tee", "price": 19.9, "quantity": 1}],
                         params={"dry": "true"})
    [rejection] = of_type(answer["effects"], "rejectCoupon")
    assert rejection["props"]["rejectionReason"] == "CouponExpired" and rejection["campaignId"] == 2
