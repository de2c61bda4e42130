"""Audiences and memberships, profiles, events and `silent`."""
from __future__ import annotations

from tests.parity.conftest import sandbox_only, source
from tests.parity.support import SHIRT, assert_error, new_profile, put_session

CREATES = ("spec: CustomerProfileAudienceRequestItem.action ('If the customer profile does not exist, it will "
           "be created. The profile will not be visible in any Application until a session or profile update')")
SILENT = ("spec: updateCustomerProfilesV2 / trackEventV2 `silent` (default yes: 'returning a 204 response'; "
          "no: 'Returns a 200 response')")


def new_audience(talon, target) -> int:
    response = talon.post("/v2/audiences", json={"name": target.new_id("audience")})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def members(talon, audience_id: int) -> list[str]:
    response = talon.get(f"/v1/audiences/{audience_id}/memberships", params={"pageSize": 1000}, key="management")
    assert response.status_code == 200, response.text
    return [p["integrationId"] for p in response.json()["data"]]


def change(talon, *changes: tuple[str, str, int]):
    return talon.post("/v2/customer_audiences", json={"data": [
        {"action": action, "profileIntegrationId": profile, "audienceId": audience}
        for action, profile, audience in changes]})


@source("spec: createAudienceV2 / updateAudienceV2 / deleteAudienceV2")
def test_an_audience_is_created_renamed_and_deleted(talon, target):
    audience_id = new_audience(talon, target)
    renamed = talon.put(f"/v2/audiences/{audience_id}", json={"name": target.new_id("renamed")})
    assert renamed.status_code == 200 and renamed.json()["id"] == audience_id
    assert talon.delete(f"/v2/audiences/{audience_id}").status_code == 204


@source("spec: updateCustomerProfileAudiences (add and delete memberships, 204)")
def test_memberships_are_added_and_removed(talon, target):
    audience_id, profile = new_audience(talon, target), target.new_id("prof")
    new_profile(talon, profile)
    assert change(talon, ("add", profile, audience_id)).status_code == 204
    assert profile in members(talon, audience_id)
    assert change(talon, ("delete", profile, audience_id)).status_code == 204
    assert profile not in members(talon, audience_id)


@source(CREATES)
def test_adding_an_unknown_profile_creates_it(talon, target):
    audience_id, profile = new_audience(talon, target), target.new_id("typo")
    assert change(talon, ("add", profile, audience_id)).status_code == 204
    assert profile in members(talon, audience_id)
    assert talon.get(f"/v1/customer_profiles/{profile}/inventory").status_code == 200


@source(CREATES + " ('will not be visible in any Application until a session or profile update')")
def test_a_profile_an_audience_created_joins_the_application_with_its_first_session(talon, target):
    audience_id, profile = new_audience(talon, target), target.new_id("typo")
    change(talon, ("add", profile, audience_id))
    listed = lambda: talon.get(f"/v1/applications/{target.application_id}/customers",  # noqa: E731
                               params={"integrationId": profile}, key="management").json()["data"]
    assert listed() == []
    put_session(talon, target.new_id("sess"), profileId=profile, cartItems=[SHIRT])
    assert [c["integrationId"] for c in listed()] == [profile]


@source("spec: updateCustomerProfileAudiences 404 (an unknown audience)")
def test_an_unknown_audience_is_404(talon, target):
    profile = target.new_id("prof")
    new_profile(talon, profile)
    assert_error(change(talon, ("add", profile, 2_000_000_000)), 404)


@source("spec: getAudiencesAnalytics (membersCount)")
def test_analytics_count_the_members(talon, target):
    audience_id = new_audience(talon, target)
    profiles = [target.new_id("prof") for _ in range(3)]
    change(talon, *[("add", p, audience_id) for p in profiles])
    response = talon.get("/v1/audiences/analytics", params={"audienceIds": str(audience_id)}, key="management")
    assert response.status_code == 200
    assert response.json()["data"] == [{"audienceId": audience_id, "membersCount": 3}]


@source("spec: updateCustomerProfileV2 (update or create a profile)")
def test_a_profile_update_creates_the_profile(talon, target):
    profile = target.new_id("prof")
    response = talon.put(f"/v2/customer_profiles/{profile}", json={"attributes": {}})
    assert response.status_code == 200
    assert talon.get(f"/v1/customer_profiles/{profile}/inventory").status_code == 200


@source("spec: getCustomerInventory 404 (an unknown profile)")
def test_the_inventory_of_an_unknown_profile_is_404(talon, target):
    assert_error(talon.get(f"/v1/customer_profiles/{target.new_id('nobody')}/inventory"), 404)


@source(SILENT)
def test_a_bulk_profile_update_is_silent_by_default(talon, target):
    profile = target.new_id("prof")
    response = talon.put("/v2/customer_profiles", json={"customerProfiles": [{"integrationId": profile}]})
    assert (response.status_code, response.content) == (204, b"")
    assert talon.get(f"/v1/customer_profiles/{profile}/inventory").status_code == 200


@source(SILENT)
def test_a_bulk_profile_update_with_silent_no_answers_the_profiles(talon, target):
    profile = target.new_id("prof")
    response = talon.put("/v2/customer_profiles", params={"silent": "no"},
                         json={"customerProfiles": [{"integrationId": profile}]})
    assert response.status_code == 200
    assert [s["customerProfile"]["integrationId"] for s in response.json()["integrationStates"]] == [profile]


@source(SILENT)
def test_a_tracked_event_is_silent_by_default(talon, target):
    response = talon.post("/v2/events", json={"type": "parity_visit", "profileId": target.new_id("prof")})
    assert (response.status_code, response.content) == (204, b"")


@source(SILENT)
def test_a_tracked_event_with_silent_no_answers_the_event(talon, target):
    profile = target.new_id("prof")
    response = talon.post("/v2/events", params={"silent": "no"},
                          json={"type": "parity_visit", "profileId": profile, "responseContent": ["event"]})
    assert response.status_code == 200
    assert (response.json()["event"]["type"], response.json()["event"]["profileId"]) == ("parity_visit", profile)


@source("spec: deleteCustomerData (204; the profile is gone)")
@sandbox_only
def test_deleting_customer_data_removes_the_profile(talon, target):
    profile = target.new_id("prof")
    new_profile(talon, profile)
    assert talon.delete(f"/v1/customer_data/{profile}").status_code == 204
    assert_error(talon.get(f"/v1/customer_profiles/{profile}/inventory"), 404)
