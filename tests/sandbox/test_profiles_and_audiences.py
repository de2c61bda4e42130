"""Profiles (single and bulk updates, inventory, deleting personal data) and audiences."""
from __future__ import annotations

from tests.sandbox.conftest import assert_error, new_id, put_session


def members(api, audience_id: int) -> list[str]:
    response = api.get(f"/v1/audiences/{audience_id}/memberships", params={"pageSize": 1000}, key="management")
    assert response.status_code == 200
    return [profile["integrationId"] for profile in response.json()["data"]]


def profile(api, integration_id: str) -> dict:
    return api.get(f"/v1/customer_profiles/{integration_id}/inventory", params={"profile": "true"}).json()["profile"]


def test_update_profile_merges_attributes_and_changes_audiences(api):
    response = api.put("/v2/customer_profiles/cust-0002", json={
        "attributes": {"City": "Bonn", "Tier": "gold"}, "audiencesChanges": {"adds": [1], "deletes": [2]}})
    assert response.status_code == 200
    shown = response.json()["customerProfile"]
    assert shown["attributes"]["City"] == "Bonn" and shown["attributes"]["Name"]   # merged, not replaced
    assert {a["id"] for a in shown["audienceMemberships"]} >= {1} and 2 not in {
        a["id"] for a in shown["audienceMemberships"]}
    assert "cust-0002" in members(api, 1) and "cust-0002" not in members(api, 2)


def test_update_profile_through_the_rule_engine(api):
    response = api.put("/v2/customer_profiles/cust-0001", params={"runRuleEngine": "true"},
                       json={"attributes": {"Tier": "gold"}, "responseContent": ["customerProfile", "event"]})
    answer = response.json()
    # cust-0001 is a VIP: the audience-only perk (campaign 5) triggers outside a session too.
    assert {e["campaignId"] for e in answer["effects"]} == {5}
    assert answer["event"]["type"] == "talon_profile_updated" and answer["event"]["profileId"] == "cust-0001"


def test_profile_update_errors(api):
    assert_error(api.put("/v2/customer_profiles/cust-0002", json={"responseContent": ["customerProfile"]}), 400,
                 "runRuleEngine")
    assert_error(api.put("/v2/customer_profiles/cust-0002", json={"audiencesChanges": {"adds": [99], "deletes": []}}),
                 400, "Audience 99")


def test_bulk_profile_update_is_silent_by_default(api):
    newcomer = new_id("bulk")
    response = api.put("/v2/customer_profiles", json={"customerProfiles": [
        {"integrationId": newcomer, "attributes": {"Name": "Quiet"}}]})
    assert (response.status_code, response.content) == (204, b"")
    assert profile(api, newcomer)["attributes"] == {"Name": "Quiet"}


def test_bulk_profile_update(api):
    newcomer = new_id("bulk")
    response = api.put("/v2/customer_profiles", params={"silent": "no"}, json={"customerProfiles": [
        {"integrationId": newcomer, "attributes": {"Name": "New Person"}},
        {"integrationId": "cust-0003", "attributes": {"City": "Kiel"}}]})
    assert response.status_code == 200
    states = response.json()["integrationStates"]
    assert [s["customerProfile"]["integrationId"] for s in states] == [newcomer, "cust-0003"]
    assert profile(api, newcomer)["attributes"] == {"Name": "New Person"}
    assert profile(api, "cust-0003")["attributes"]["City"] == "Kiel"


def test_inventory_flags_choose_the_parts(api):
    url = "/v1/customer_profiles/cust-0001/inventory"
    assert api.get(url).json() == {}
    everything = api.get(url, params={flag: "true" for flag in (
        "profile", "referrals", "coupons", "loyalty", "giveaways", "achievements")}).json()
    assert set(everything) == {"profile", "referrals", "coupons", "loyalty", "giveaways", "achievements"}
    assert set(api.get(url, params={"coupons": "true", "giveaways": "true"}).json()) == {"coupons", "giveaways"}


def test_delete_customer_data(api):
    assert api.delete("/v1/customer_data/cust-0001").status_code == 204
    assert_error(api.get("/v1/customer_profiles/cust-0001/inventory"), 404)
    sessions = api.get("/v1/applications/1/sessions", params={"profile": "cust-0001"}, key="management").json()
    assert sessions["data"] == []
    assert "cust-0001" not in members(api, 1)
    card = api.get("/v1/loyalty_programs/1/cards/4000-0001", key="management").json()
    assert card["profiles"] == []
    assert_error(api.delete("/v1/customer_data/cust-0001"), 404)


def test_audience_lifecycle(api):
    response = api.post("/v2/audiences", json={"name": "Runners", "integrationId": "crm-runners",
                                               "description": "People who run"})
    assert response.status_code == 201
    audience = response.json()
    assert audience["name"] == "Runners" and audience["integrationId"] == "crm-runners"
    assert_error(api.post("/v2/audiences", json={"name": "Again", "integrationId": "crm-runners"}), 409, "exists")
    audience_id = audience["id"]
    assert api.put(f"/v2/audiences/{audience_id}", json={"name": "Trail runners"}).json()["name"] == "Trail runners"
    changes = [{"action": "add", "profileIntegrationId": f"cust-00{n}", "audienceId": audience_id} for n in (11, 12, 13)]
    assert api.post("/v2/customer_audiences", json={"data": changes}).status_code == 204
    assert members(api, audience_id) == ["cust-0011", "cust-0012", "cust-0013"]
    api.post("/v2/customer_audiences", json={"data": [
        {"action": "delete", "profileIntegrationId": "cust-0012", "audienceId": audience_id}]})
    assert members(api, audience_id) == ["cust-0011", "cust-0013"]
    assert api.put(f"/v2/audience_customers/{audience_id}/attributes", json={"Sport": "trail"}).status_code == 204
    assert profile(api, "cust-0011")["attributes"]["Sport"] == "trail"
    assert "Sport" not in profile(api, "cust-0012")["attributes"]
    assert api.delete(f"/v2/audiences/{audience_id}/memberships").status_code == 204
    assert members(api, audience_id) == []
    assert api.delete(f"/v2/audiences/{audience_id}").status_code == 204
    assert_error(api.get(f"/v1/audiences/{audience_id}/memberships", key="management"), 404)
    listed = api.get("/v1/audiences", params={"withTotalResultSize": "true"}, key="management").json()
    assert listed["totalResultSize"] == 3 and [a["name"] for a in listed["data"]] == [
        "VIP", "Newsletter", "Lapsed customers"]


def test_bulk_audience_changes_are_all_or_nothing(api):
    changes = [{"action": "add", "profileIntegrationId": "cust-0020", "audienceId": 3},
               {"action": "add", "profileIntegrationId": "cust-0021", "audienceId": 42}]
    assert_error(api.post("/v2/customer_audiences", json={"data": changes}), 404, "42")
    assert "cust-0020" not in members(api, 3)


def test_adding_an_unknown_profile_to_an_audience_creates_it_outside_the_application(api):
    changes = [{"action": "add", "profileIntegrationId": "cust-0020", "audienceId": 3},
               {"action": "add", "profileIntegrationId": "typo-0020", "audienceId": 3},
               {"action": "delete", "profileIntegrationId": "never-was", "audienceId": 3}]
    assert api.post("/v2/customer_audiences", json={"data": changes}).status_code == 204
    assert {"cust-0020", "typo-0020"} <= set(members(api, 3))
    assert profile(api, "typo-0020")["attributes"] == {}
    listed = lambda: api.get("/v1/applications/1/customers", params={"integrationId": "typo-0020"},  # noqa: E731
                             key="management").json()["data"]
    assert listed() == []
    put_session(api, new_id(), profileId="typo-0020", cartItems=[{"sku": "TEE-010", "quantity": 1, "price": 5}])
    assert [c["integrationId"] for c in listed()] == ["typo-0020"]


def test_the_vip_audience_gets_its_perk(api):
    answer = put_session(api, new_id(), profileId="cust-0007", content=["customerProfile"],
                         cartItems=[{"sku": "TEE-010", "quantity": 1, "price": 19.9}])
    assert 1 in {a["id"] for a in answer["customerProfile"]["audienceMemberships"]}
    assert [e["props"]["sku"] for e in answer["effects"] if e["effectType"] == "addFreeItem"] == ["GIFT-WRAP"]


def test_track_event(api):
    response = api.post("/v2/events", params={"silent": "no"},
                        json={"type": "store_visit", "profileId": "cust-0004", "storeIntegrationId": "store-hamburg",
                              "attributes": {"door": "north"}, "responseContent": ["event", "customerProfile"]})
    assert response.status_code == 200
    event = response.json()["event"]
    assert (event["type"], event["profileId"], event["attributes"]) == ("store_visit", "cust-0004", {"door": "north"})
    listed = api.get("/v1/applications/1/events/no_total", params={"profile": "cust-0004", "type": "store_visit"},
                     key="management").json()["data"]
    assert [e["id"] for e in listed] == [event["id"]]


def test_a_tracked_event_is_silent_by_default(api):
    response = api.post("/v2/events", json={"type": "store_visit", "profileId": "cust-0004"})
    assert (response.status_code, response.content) == (204, b"")
    listed = api.get("/v1/applications/1/events/no_total", params={"profile": "cust-0004", "type": "store_visit"},
                     key="management").json()["data"]
    assert len(listed) == 1


def test_an_audience_a_campaign_uses_cannot_be_deleted(api):
    # Audience 1 (VIP) is the condition of campaign 5 (VIP perk).
    refused = api.delete("/v2/audiences/1")
    assert refused.status_code == 400
    assert "campaign(s) 5" in refused.json()["errors"][0]["details"]
    members = api.get("/v1/audiences/1/memberships", key="management")
    assert members.status_code == 200 and members.json()["data"]
