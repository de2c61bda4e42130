"""dry=true persists nothing, in every operation that takes it; `now` and evaluableCampaignIds."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest

from tests.sandbox.conftest import assert_error, new_id, of_type, put_session

CART = [{"sku": "BOOT-300", "name": "Leather boot", "category": "shoes", "price": 129.0, "quantity": 1}]


def database_fingerprint(sandbox) -> str:
    """A digest of every row of every table: equal digests mean nothing was written."""
    store = sandbox.app.store
    with store.read() as tx:
        dump = "\n".join(tx.conn.iterdump())
    return hashlib.sha256(dump.encode()).hexdigest()


def future(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def flags(dry: bool, **more: str) -> dict:
    return {**more, "dry": "true"} if dry else more


# Each call takes (api, dry): the same request with and without dry=true.
CALLS = {
    "update a new session and close it": lambda api, dry: api.put(
        f"/v2/customer_sessions/{new_id()}", params=flags(dry),
        json={"customerSession": {"profileId": "cust-0003", "cartItems": CART, "couponCodes": ["SUMMER-0049"],
                                  "loyaltyCards": ["4000-0003"], "state": "closed", "referralCode": "REF-OLGA"},
              "responseContent": ["customerSession", "customerProfile", "loyalty", "coupons", "event"]}),
    "close an open demo session": lambda api, dry: api.put(
        "/v2/customer_sessions/sess-00006", params=flags(dry),
        json={"customerSession": {"profileId": "cust-0001", "cartItems": CART, "state": "closed",
                                  "couponCodes": ["GOODWILL-001"], "loyaltyCards": ["4000-0001"]}}),
    "cancel a closed demo session": lambda api, dry: api.put(
        "/v2/customer_sessions/sess-00005", params=flags(dry), json={"customerSession": {"state": "cancelled"}}),
    "return items": lambda api, dry: api.post(
        "/v2/customer_sessions/sess-00005/returns", params=flags(dry), headers={"Idempotency-Key": "dry-key"},
        json={"return": {"returnedCartItems": [{"position": 0, "quantity": 1}]}}),
    "update a profile through the rules": lambda api, dry: api.put(
        "/v2/customer_profiles/cust-0001", params=flags(dry, runRuleEngine="true"),
        json={"attributes": {"City": "Paris"}, "audiencesChanges": {"adds": [3], "deletes": [1]},
              "responseContent": ["customerProfile", "event"]}),
    "create a profile": lambda api, dry: api.put(
        f"/v2/customer_profiles/{new_id('ghost')}", params=flags(dry, runRuleEngine="true"),
        json={"attributes": {"Name": "Ghost"}}),
    "track an event": lambda api, dry: api.post(
        "/v2/events", params=flags(dry, silent="no"),
        json={"type": "store_visit", "profileId": "cust-0007", "attributes": {"x": 1}}),
}


@pytest.mark.parametrize("name", CALLS)
def test_dry_runs_persist_nothing(api, talon_sandbox, name):
    before = database_fingerprint(talon_sandbox)
    response = CALLS[name](api, True)
    assert response.status_code == 200, response.text[:500]
    assert database_fingerprint(talon_sandbox) == before


@pytest.mark.parametrize("name", CALLS)
def test_the_same_calls_without_dry_persist(api, talon_sandbox, name):
    """The check above can fail: the same requests without dry=true change the database."""
    before = database_fingerprint(talon_sandbox)
    response = CALLS[name](api, False)
    assert response.status_code == 200, response.text[:500]
    assert database_fingerprint(talon_sandbox) != before


def test_a_dry_close_answers_what_a_real_close_would(api):
    session_id = new_id()
    payload = {"profileId": "cust-0003", "cartItems": CART, "couponCodes": ["SUMMER-0048"],
               "loyaltyCards": ["4000-0003"], "state": "closed"}
    dry = put_session(api, session_id, params={"dry": "true"}, **payload)
    real = put_session(api, session_id, **payload)
    assert [e["effectType"] for e in dry["effects"]] == [e["effectType"] for e in real["effects"]]
    assert [e["props"].get("value") for e in dry["effects"]] == [e["props"].get("value") for e in real["effects"]]


def test_a_dry_run_considers_only_the_payload(api):
    """sess-00006 holds GOODWILL-001; a dry run without coupons evaluates no coupon."""
    answer = put_session(api, "sess-00006", params={"dry": "true"}, profileId="cust-0001", cartItems=CART)
    assert not of_type(answer["effects"], "acceptCoupon")
    stored = api.get("/v2/customer_sessions/sess-00006").json()
    assert stored["customerSession"]["couponCodes"] == ["GOODWILL-001"]


def test_evaluable_campaign_ids_run_disabled_campaigns_in_dry_runs_only(api):
    session = {"profileId": "cust-0004", "cartItems": CART, "couponCodes": ["BF30"], "evaluableCampaignIds": [8]}
    dry = put_session(api, new_id(), params={"dry": "true"}, content=["customerSession", "triggeredCampaigns"],
                      **session)
    assert of_type(dry["effects"], "acceptCoupon")[0]["props"]["value"] == "BF30"
    assert {e["campaignId"] for e in dry["effects"]} == {8}        # only the listed campaign ran
    assert [c["id"] for c in dry["triggeredCampaigns"]] == [8]
    assert dry["customerSession"]["evaluableCampaignIds"] == [8]
    real = put_session(api, new_id(), content=["customerSession"], **session)
    rejected = of_type(real["effects"], "rejectCoupon")
    assert rejected and rejected[0]["props"]["value"] == "BF30"     # campaign 8 is disabled
    assert "evaluableCampaignIds" not in real["customerSession"]


def test_now_evaluates_scheduled_campaigns_in_dry_runs(api):
    christmas = "2030-12-10T12:00:00Z"
    answer = put_session(api, new_id(), params={"dry": "true", "now": christmas}, profileId="cust-0004",
                         cartItems=CART)
    assert [e["props"]["value"] for e in answer["effects"] if e["campaignId"] == 9] == [32.25]   # 25% of 129
    today = put_session(api, new_id(), params={"dry": "true"}, profileId="cust-0004", cartItems=CART)
    assert not [e for e in today["effects"] if e["campaignId"] == 9]


def test_now_needs_dry_and_a_future_time(api):
    url = f"/v2/customer_sessions/{new_id()}"
    body = {"customerSession": {"cartItems": CART}}
    assert_error(api.put(url, params={"now": future(3)}, json=body), 400, "dry")
    assert_error(api.put(url, params={"dry": "true", "now": "2020-01-01T00:00:00Z"}, json=body), 400, "future")
    assert_error(api.get(url), 400, "does not exist")


def stored_payload(api, session_id: str) -> dict:
    """What a client sends to re-evaluate a stored session: its payload, without read-only fields."""
    session = api.get(f"/v2/customer_sessions/{session_id}").json()["customerSession"]
    items = [{k: v for k, v in item.items() if k not in ("position", "returnedQuantity", "remainingQuantity")}
             for item in session["cartItems"]]
    return {"profileId": session["profileId"], "cartItems": items, "couponCodes": session["couponCodes"],
            "referralCode": session["referralCode"], "loyaltyCards": session["loyaltyCards"],
            "attributes": session["attributes"]}


def rolled_back(effects) -> list[tuple]:
    return sorted((e["effectType"], e["campaignId"], e["props"].get("value")) for e in effects)


def test_a_dry_cancel_of_the_stored_payload_previews_the_real_cancel(api, talon_sandbox):
    payload = {"profileId": "cust-0003", "cartItems": CART, "couponCodes": ["SUMMER-0048"], "loyaltyCards": ["4000-0003"]}
    session_id = new_id()
    put_session(api, session_id, state="closed", **payload)
    before = database_fingerprint(talon_sandbox)
    preview = put_session(api, session_id, params={"dry": "true"}, state="cancelled",
                          content=["customerSession"], **stored_payload(api, session_id))
    assert database_fingerprint(talon_sandbox) == before
    assert preview["customerSession"]["state"] == "cancelled"
    real = put_session(api, session_id, state="cancelled")
    assert rolled_back(preview["effects"]) == rolled_back(real["effects"])
    assert {"rollbackCoupon", "rollbackDiscount", "rollbackAddedLoyaltyPoints"} <= {e[0] for e in rolled_back(real["effects"])}


def test_a_dry_cancel_evaluates_only_its_payload(api):
    """No special case: a dry cancel carrying no cart or codes has nothing to roll back."""
    answer = put_session(api, "sess-00005", params={"dry": "true"}, state="cancelled")
    assert answer["effects"] == []
    assert api.get("/v2/customer_sessions/sess-00005").json()["customerSession"]["state"] == "closed"


def test_a_dry_cancel_follows_the_stored_state_machine(api):
    assert_error(api.put(f"/v2/customer_sessions/{new_id()}", params={"dry": "true"},
                         json={"customerSession": {"state": "cancelled"}}), 400, "from new to cancelled")
    assert_error(api.put("/v2/customer_sessions/sess-00008", params={"dry": "true"},
                         json={"customerSession": {"state": "cancelled"}}), 400, "cancelled to cancelled")
