"""Error bodies and statuses, Management API paging and filters."""
from __future__ import annotations

import pytest
import requests

from tests.parity.conftest import needs, source
from tests.parity.support import SHIRT, assert_error, put_session

ERRORS = "https://developers.talon.one/Getting-Started/errors (JSON: message, errors[] with title, details, source)"
PARTIAL = ("spec: getApplicationSessions `partialMatch` ('Minimum 3 characters required for partial matches; "
           "shorter inputs automatically fall back to exact match')")


@source("spec: updateCustomerSessionV2 401 (ErrorResponseWithStatus; 'Invalid API key')")
def test_a_wrong_integration_key_is_401(raw, target):
    response = raw.put(f"/v2/customer_sessions/{target.new_id('sess')}", key=None,
                       headers={"Authorization": "ApiKey-v1 not-the-key"},
                       json={"customerSession": {"cartItems": [SHIRT]}})
    assert_error(response, 401)


@source("spec: getCampaigns 401 (ManagementKey-v1)")
def test_a_wrong_management_key_is_401(raw, target):
    response = raw.get(f"/v1/applications/{target.application_id}/campaigns", key=None,
                       headers={"Authorization": "ManagementKey-v1 not-the-key"})
    assert response.status_code == 401


@source(ERRORS + " (validation errors: 400, source.pointer)")
@pytest.mark.parametrize("session", [{"cartItems": "many"}, {"cartItems": [{"sku": "X", "quantity": "2", "price": 1}]},
                                     {"state": "finished"}])
def test_a_body_against_the_schema_is_400_with_an_error_body(raw, target, session):
    body = assert_error(raw.put(f"/v2/customer_sessions/{target.new_id('sess')}",
                                json={"customerSession": session}), 400)
    assert body["message"]


@source(ERRORS + " (malformed JSON: 400)")
def test_malformed_json_is_400(raw, target):
    assert_error(raw.put(f"/v2/customer_sessions/{target.new_id('sess')}", data=b"{not json",
                         headers={"Content-Type": "application/json"}), 400)


@source("spec: getApplicationSessions (pageSize, skip, hasMore)")
def test_session_lists_are_paged(talon, target):
    profile = target.new_id("prof")
    for _ in range(3):
        put_session(talon, target.new_id("sess"), profileId=profile, cartItems=[SHIRT])
    url = f"/v1/applications/{target.application_id}/sessions"
    first = talon.get(url, params={"profile": profile, "pageSize": 2}, key="management").json()
    rest = talon.get(url, params={"profile": profile, "pageSize": 2, "skip": 2}, key="management").json()
    assert (len(first["data"]), first["hasMore"]) == (2, True)
    assert (len(rest["data"]), rest["hasMore"]) == (1, False)
    assert not {s["integrationId"] for s in first["data"]} & {s["integrationId"] for s in rest["data"]}


@source(PARTIAL)
def test_a_short_partial_match_is_an_exact_match(talon, target):
    put_session(talon, target.new_id("sess"), cartItems=[SHIRT], storeIntegrationId=target.new_id("store"))
    response = talon.get(f"/v1/applications/{target.application_id}/sessions", key="management",
                         params={"storeIntegrationId": "pa", "partialMatch": "true"})
    assert response.status_code == 200 and response.json()["data"] == []


@source(PARTIAL)
def test_a_partial_match_finds_a_substring(talon, target):
    session_id = target.new_id("sess")
    put_session(talon, session_id, cartItems=[SHIRT])
    response = talon.get(f"/v1/applications/{target.application_id}/sessions", key="management",
                         params={"integrationId": session_id[3:], "partialMatch": "true"})
    assert response.status_code == 200
    assert session_id in [s["integrationId"] for s in response.json()["data"]]


@source("spec: getApplicationSessions `profile` filter (the sessions of one profile, as the console lists them)")
def test_sessions_filter_by_profile_and_state(talon, target):
    profile, closed = target.new_id("prof"), target.new_id("sess")
    put_session(talon, target.new_id("sess"), profileId=profile, cartItems=[SHIRT])
    put_session(talon, closed, profileId=profile, cartItems=[SHIRT], state="closed")
    response = talon.get(f"/v1/applications/{target.application_id}/sessions", key="management",
                         params={"profile": profile, "state": "closed"})
    assert [s["integrationId"] for s in response.json()["data"]] == [closed]


@source("spec: getCampaigns (Campaign.frontendState)")
def test_campaigns_list_their_frontend_state(talon, target):
    response = talon.get(f"/v1/applications/{target.application_id}/campaigns", key="management",
                         params={"pageSize": 50})
    assert response.status_code == 200
    states = {c["frontendState"] for c in response.json()["data"]}
    assert states <= {"expired", "scheduled", "running", "disabled", "archived", "staged"}


LIMIT = ("https://docs.talon.one/docs/dev/management-api/overview ('Each of its endpoints has a limit of 3 "
         "requests per second')")


@source(LIMIT)
def test_the_management_api_takes_three_requests_a_second_per_endpoint(raw, target):
    """Unpaced requests to one endpoint: past 3 in a second, 429 with Retry-After; another endpoint
    is counted apart. On the sandbox the limit is switched on with a manual clock for this test."""
    if not target.real:
        control = f"{target.base_url}/sandbox/rate-limit"
        assert requests.post(control, json={"managementPerSecond": 3, "clock": "manual"}, timeout=10).ok
    url = f"/v1/applications/{target.application_id}/campaigns"
    answers = [raw.get(url, params={"pageSize": 1}, key="management") for _ in range(10 if target.real else 4)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited and all(a.status_code == 200 for a in answers[:3])
    assert_error(limited[0], 429)
    assert int(limited[0].headers["Retry-After"]) >= 1
    assert raw.get("/v1/loyalty_programs", key="management").status_code == 200   # another endpoint
    if not target.real:
        assert requests.post(control, json={"advanceSeconds": 1}, timeout=10).ok
        assert raw.get(url, params={"pageSize": 1}, key="management").status_code == 200


@source("spec: updateCampaign (UpdateCampaign body, the Campaign answered); Campaign.updated "
        "('Timestamp of the most recent update to the campaign's property')")
@needs("disabled_campaign")
def test_updating_a_campaign_moves_its_updated_time(talon, target, objects):
    """What the console's suite check watches (app/campaigns/watch.py): a change of a campaign's
    properties moves `updated`, and getCampaign shows it. Changes only the description of the
    disabled campaign, and puts it back."""
    path = f"/v1/applications/{target.application_id}/campaigns/{objects['disabled_campaign']['campaign_id']}"
    before = talon.get(path, key="management").json()
    body = {k: before[k] for k in ("name", "tags", "features", "limits")}
    changed = talon.put(path, key="management", json={**body, "description": "parity " + target.new_id()})
    assert changed.status_code == 200
    assert changed.json()["updated"] != before.get("updated")
    assert talon.get(path, key="management").json()["updated"] == changed.json()["updated"]
    talon.put(path, key="management", json={**body, "description": before.get("description", "")})
