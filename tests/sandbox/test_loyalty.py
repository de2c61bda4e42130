"""Loyalty: card links and their limit, inactive and blocked cards, balances, points, transactions."""
from __future__ import annotations

import pytest

from tests.sandbox.conftest import assert_error, new_id, of_type, put_session

CART = [{"sku": "JEANS-030", "name": "Straight jeans", "category": "trousers", "price": 59.9, "quantity": 1}]
LINK = "/v2/loyalty_programs/1/cards/{}/link_profile"
UNLINK = "/v2/loyalty_programs/1/cards/{}/unlink_profile"


def linked(api, card: str) -> list[str]:
    card_record = api.get(f"/v1/loyalty_programs/1/cards/{card}", key="management").json()
    return [p["integrationId"] for p in card_record["profiles"]]


def test_a_card_at_its_user_limit_refuses_another_profile(api):
    assert linked(api, "4000-0038") == ["cust-0041", "cust-0042"]
    assert_error(api.post(LINK.format("4000-0038"), json={"integrationId": "cust-0050"}), 400, "usersPerCardLimit")
    response = api.post(UNLINK.format("4000-0038"), json={"integrationId": "cust-0041"})
    assert response.status_code == 200
    assert [p["integrationId"] for p in response.json()["profiles"]] == ["cust-0042"]
    response = api.post(LINK.format("4000-0038"), json={"integrationId": "cust-0050"})
    assert response.status_code == 200
    assert linked(api, "4000-0038") == ["cust-0042", "cust-0050"]


def test_linking_twice_is_a_no_op_and_unlinking_a_stranger_is_400(api):
    first = api.post(LINK.format("4000-0001"), json={"integrationId": "cust-0001"})
    assert first.status_code == 200 and linked(api, "4000-0001") == ["cust-0001"]
    assert_error(api.post(UNLINK.format("4000-0001"), json={"integrationId": "cust-0002"}), 400, "not linked")


def test_link_errors(api):
    assert_error(api.post(LINK.format("4000-0035"), json={"integrationId": "cust-0050"}), 400, "blocked")
    assert_error(api.post(LINK.format("9999-0000"), json={"integrationId": "cust-0050"}), 404)
    assert_error(api.post(LINK.format("4000-0002"), json={"integrationId": "nobody"}), 404)
    assert_error(api.post("/v2/loyalty_programs/2/cards/4000-0002/link_profile", json={"integrationId": "cust-0002"}),
                 400, "not card-based")


@pytest.mark.parametrize("card, owner, problem", [("4000-0031", "cust-0031", "inactive"),
                                                  ("4000-0035", "cust-0035", "blocked")])
def test_inactive_and_blocked_cards_cannot_earn(api, card, owner, problem):
    before = api.get(f"/v1/loyalty_programs/1/cards/{card}/balances").json()["balance"]
    answer = put_session(api, new_id(), profileId=owner, cartItems=CART, loyaltyCards=[card], state="closed",
                         content=["ruleFailureReasons"])
    assert not [e for e in of_type(answer["effects"], "addLoyaltyPoints") if e["campaignId"] == 4]
    reasons = [r for r in answer["ruleFailureReasons"] if r["campaignID"] == 4]
    assert reasons and problem in reasons[0]["details"] and "effectIndex" in reasons[0]
    assert api.get(f"/v1/loyalty_programs/1/cards/{card}/balances").json()["balance"] == before


def test_an_active_card_earns_pending_points(api):
    card = "4000-0020"
    before = api.get(f"/v1/loyalty_programs/1/cards/{card}/balances").json()["balance"]
    session_id = new_id()
    put_session(api, session_id, profileId="cust-0020", cartItems=CART, loyaltyCards=[card], state="closed")
    after = api.get(f"/v1/loyalty_programs/1/cards/{card}/balances").json()
    assert after["balance"]["pendingPoints"] == before["pendingPoints"] + 59
    assert after["balance"]["activePoints"] == before["activePoints"]
    assert after["profiles"][0]["integrationId"] == "cust-0020"
    pending = api.get(f"/v1/loyalty_programs/1/cards/{card}/points",
                      params={"status": "pending", "customerSessionIDs": session_id}).json()
    assert [(p["amount"], p["customerSessionId"]) for p in pending["data"]] == [(59, session_id)]
    assert pending["data"][0]["startDate"] != "immediate" and pending["data"][0]["expiryDate"] == "unlimited"


def test_card_transactions_filter_and_page(api):
    url = "/v1/loyalty_programs/1/cards/4000-0001/transactions"
    everything = api.get(url, params={"pageSize": 1000}).json()
    assert not everything["hasMore"] and len(everything["data"]) >= 5
    created = [t["created"] for t in everything["data"]]
    assert created == sorted(created, reverse=True)                 # newest first
    assert all(t["cardIdentifier"] == "4000-0001" and t["programId"] == 1 for t in everything["data"])
    assert {t["type"] for t in everything["data"]} == {"addition", "subtraction"}   # sess-00004's return
    page = api.get(url, params={"pageSize": 2, "skip": 1}).json()
    assert page["hasMore"] and page["data"] == everything["data"][1:3]
    one_session = api.get(url, params={"customerSessionIDs": "sess-00004"}).json()["data"]
    assert {t["customerSessionId"] for t in one_session} == {"sess-00004"} and len(one_session) == 2
    assert api.get(url, params={"loyaltyTransactionType": "manual"}).json()["data"] == []
    newest = everything["data"][0]["created"]
    assert all(t["created"] >= newest for t in api.get(url, params={"startDate": newest}).json()["data"])
    assert api.get(url, params={"awaitsActivation": "true"}).json()["data"] == []
    assert_error(api.get(url, params={"awaitsActivation": "false"}), 400, "awaitsActivation")


def test_profile_program_balances_points_and_transactions(api):
    """Alice's Members Points: earned by sessions, plus the demo's hand-made birthday bonus
    (expired 50 days ago) and voucher redemption (150 points spent)."""
    base = "/v1/loyalty_programs/2/profile/cust-0001"
    balance = api.get(f"{base}/balances").json()["balance"]
    transactions = api.get(f"{base}/transactions", params={"pageSize": 1000}).json()["data"]
    net = sum(t["amount"] if t["type"] == "addition" else -t["amount"] for t in transactions)
    assert (balance["spentPoints"], balance["expiredPoints"], balance["pendingPoints"]) == (150, 100, 0)
    assert balance["activePoints"] == net - balance["expiredPoints"] > 0
    active = api.get(f"{base}/points").json()["data"]
    assert sum(p["amount"] for p in active) == balance["activePoints"]
    [expired] = api.get(f"{base}/points", params={"status": "expired"}).json()["data"]
    assert (expired["name"], expired["amount"]) == ("Birthday bonus", 100)
    manual = api.get(f"{base}/transactions", params={"loyaltyTransactionType": "manual"}).json()["data"]
    assert [(t["type"], t["amount"]) for t in manual] == [("subtraction", 150), ("addition", 100)]
    assert_error(api.get("/v1/loyalty_programs/2/profile/nobody/balances"), 404)
    assert_error(api.get("/v1/loyalty_programs/1/profile/cust-0001/balances"), 400, "not profile-based")


def test_a_correction_beyond_the_balance_makes_it_negative(api):
    balance = api.get("/v1/loyalty_programs/1/cards/4000-0002/balances").json()["balance"]
    assert balance["negativePoints"] > 0 and balance["activePoints"] == 0
    assert balance["negativePoints"] + balance["spentPoints"] == 300


def test_balances_at_an_end_date_ignore_later_transactions(api):
    old = api.get("/v1/loyalty_programs/1/cards/4000-0001/balances",
                  params={"endDate": "2000-01-01T00:00:00Z"}).json()["balance"]
    assert old == {"activePoints": 0, "pendingPoints": 0, "spentPoints": 0, "expiredPoints": 0, "negativePoints": 0}


def test_generate_card(api):
    response = api.post("/v1/loyalty_programs/1/cards",
                        json={"cardIdentifier": "4000-9001", "customerProfileIds": ["cust-0050"], "status": "inactive"})
    assert response.status_code == 200
    card = response.json()
    assert (card["identifier"], card["status"], card["usersPerCardLimit"]) == ("4000-9001", "inactive", 2)
    assert [p["integrationId"] for p in card["profiles"]] == ["cust-0050"]
    generated = api.post("/v1/loyalty_programs/1/cards", json={}).json()
    assert generated["identifier"].startswith("4000-") and generated["status"] == "active"
    assert_error(api.post("/v1/loyalty_programs/1/cards", json={"cardIdentifier": "4000-9001"}), 400, "exists")
    assert_error(api.post("/v1/loyalty_programs/1/cards",
                          json={"customerProfileIds": ["cust-0001", "cust-0002", "cust-0003"]}), 400, "At most 2")
    assert_error(api.post("/v1/loyalty_programs/2/cards", json={}), 400, "not card-based")
    assert_error(api.post("/v1/loyalty_programs/77/cards", json={}), 400, "does not exist")


def test_card_lists_in_the_management_api(api):
    listed = api.get("/v1/loyalty_programs/1/cards", params={"pageSize": 10}, key="management").json()
    assert listed["hasMore"] and [c["identifier"] for c in listed["data"]][:2] == ["4000-0001", "4000-0002"]
    blocked = api.get("/v1/loyalty_programs/1/cards/4000-0036", key="management").json()
    assert blocked["status"] == "inactive" and blocked["blockReason"]
    found = api.get("/v1/loyalty_programs/1/cards", params={"identifier": "0039"}, key="management").json()["data"]
    assert [c["identifier"] for c in found] == ["4000-0039"]
    by_profile = api.get("/v1/loyalty_programs/1/cards", params={"profileId": 44}, key="management").json()["data"]
    assert [c["identifier"] for c in by_profile] == ["4000-0039"]
    programs = api.get("/v1/loyalty_programs", key="management").json()
    assert [(p["id"], p["cardBased"]) for p in programs["data"]] == [(1, True), (2, False)]
