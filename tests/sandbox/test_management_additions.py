"""Management API additions: audience member counts (getAudiencesAnalytics), a card's status and
transfer (updateLoyaltyCard, transferLoyaltyCard), and custom attribute definitions (getAttributes). Every exchange
through `api` is checked against talon-openapi.json."""
from __future__ import annotations

import pytest

from sandbox.demo_people import PROFILE_COUNT, person, profile_id
from tests.sandbox.conftest import assert_error, new_id, of_type, put_session

CARD = "4000-0003"  # active, linked to cust-0003


def analytics(api, expect: int = 200, **params):
    response = api.get("/v1/audiences/analytics", params=params, key="management")
    assert response.status_code == expect, response.text
    return response.json()


def member_total(api, audience_id: int) -> int:
    return len(api.get(f"/v1/audiences/{audience_id}/memberships", params={"pageSize": 1000},
                       key="management").json()["data"])


def update_card(api, identifier: str = CARD, expect: int = 200, program: int = 1, **body):
    response = api.put(f"/v1/loyalty_programs/{program}/cards/{identifier}", json=body, key="management")
    assert response.status_code == expect, response.text
    return response.json()


def link(api, identifier: str, profile: str):
    return api.post(f"/v2/loyalty_programs/1/cards/{identifier}/link_profile", json={"integrationId": profile})


def attribute_list(api, **params) -> dict:
    response = api.get("/v1/attributes", params=params, key="management")
    assert response.status_code == 200, response.text
    return response.json()


# -- getAudiencesAnalytics --------------------------------------------------------------------


def test_analytics_count_the_members_of_each_audience(api):
    answer = analytics(api, audienceIds="1,2,3")
    assert answer["hasMore"] is False
    assert answer["data"] == [{"audienceId": n, "membersCount": member_total(api, n)} for n in (1, 2, 3)]
    assert answer["data"][1]["membersCount"] == sum(person(n)["Newsletter"] for n in range(1, PROFILE_COUNT + 1))


def test_analytics_leave_unknown_audiences_out_and_read_each_id_once(api):
    assert analytics(api, audienceIds="3, 999,3")["data"] == [{"audienceId": 3, "membersCount": 9}]
    assert analytics(api, audienceIds="999")["data"] == []


def test_analytics_sort(api):
    rows = analytics(api, audienceIds="1,2,3", sort="-membersCount")["data"]
    assert [r["membersCount"] for r in rows] == sorted((r["membersCount"] for r in rows), reverse=True)
    assert rows[0]["audienceId"] == 2


def test_analytics_follow_membership_changes_and_new_audiences(api):
    before = analytics(api, audienceIds="1")["data"][0]["membersCount"]
    changed = api.post("/v2/customer_audiences", json={"data": [
        {"profileIntegrationId": "cust-0002", "audienceId": 1, "action": "add"}]})
    assert changed.status_code == 204, changed.text
    assert analytics(api, audienceIds="1")["data"][0]["membersCount"] == before + 1
    new = api.post("/v2/audiences", json={"name": "Empty one"}).json()
    assert analytics(api, audienceIds=str(new["id"]))["data"] == [{"audienceId": new["id"], "membersCount": 0}]


@pytest.mark.parametrize("params, message", [
    ({"audienceIds": "1,x"}, "must be an integer"),
    ({"audienceIds": " , "}, "audienceIds is required"),
    ({"audienceIds": "99999999999999999999"}, "out of range"),
    ({"audienceIds": "1", "sort": "name"}, "Cannot sort by 'name'"),
])
def test_analytics_refuse_bad_parameters(api, params, message):
    response = api.get("/v1/audiences/analytics", params=params, key="management")
    assert_error(response, 400, message)


def test_analytics_need_their_ids_and_the_management_key(raw):
    assert_error(raw.get("/v1/audiences/analytics", key="management"), 400, "audienceIds is required")
    assert_error(raw.get("/v1/audiences/analytics", params={"audienceIds": "1"}, key="integration"), 401)


# -- updateLoyaltyCard and transferLoyaltyCard -------------------------------------------------


def transfer(api, identifier: str = CARD, new: str = "4000-9001", expect: int = 204, **body):
    response = api.put(f"/v1/loyalty_programs/1/cards/{identifier}/transfer",
                       json={"newCardIdentifier": new, **body}, key="management")
    assert response.status_code == expect, response.text
    return response


def get_card(api, identifier: str) -> dict:
    return api.get(f"/v1/loyalty_programs/1/cards/{identifier}", key="management").json()


def test_a_status_update_deactivates_and_reactivates_but_never_blocks(api):
    inactive = update_card(api, status="inactive", blockReason="Lost")   # blockReason is not a field here
    assert inactive["status"] == "inactive" and "blockReason" not in inactive and inactive["modified"]
    assert link(api, CARD, "cust-0050").status_code == 200              # inactive is not blocked
    assert update_card(api, status="active")["status"] == "active"


def test_a_transfer_moves_the_card_data_and_blocks_the_original_for_good(api):
    before = get_card(api, CARD)
    transfer(api, blockReason="Replaced by 4000-9001")
    old, new = get_card(api, CARD), get_card(api, "4000-9001")
    assert (old["status"], old["blockReason"]) == ("inactive", "Replaced by 4000-9001")
    assert old["profiles"] == [] and [p["integrationId"] for p in new["profiles"]] == ["cust-0003"]
    assert new["status"] == "active" and new["ledger"] == before["ledger"]
    assert (old["newCardIdentifier"], new["oldCardIdentifier"]) == ("4000-9001", CARD)
    assert new["usersPerCardLimit"] == before["usersPerCardLimit"]
    assert_error(api.put(f"/v1/loyalty_programs/1/cards/{CARD}", json={"status": "active"}, key="management"),
                 400, "cannot be activated again")
    assert_error(link(api, CARD, "cust-0050"), 400, "is blocked")
    assert update_card(api, status="inactive")["blockReason"] == "Replaced by 4000-9001"
    assert_error(transfer(api, new="4000-9002", expect=400), 400, "blocked already")


def test_a_blocked_card_earns_nothing(api):
    transfer(api, blockReason="Lost")
    cart = [{"sku": "RUN-100", "quantity": 1, "price": 100}]
    answer = put_session(api, new_id("s"), profileId="cust-0003", loyaltyCards=[CARD], state="open",
                         cartItems=cart)
    assert of_type(answer["effects"], "addLoyaltyPoints") == []
    answer = put_session(api, new_id("s"), profileId="cust-0003", loyaltyCards=["4000-9001"], state="open",
                         cartItems=cart)
    assert of_type(answer["effects"], "addLoyaltyPoints")


def test_the_demo_blocked_cards_stay_blocked(api):
    assert_error(api.put("/v1/loyalty_programs/1/cards/4000-0035", json={"status": "active"}, key="management"),
                 400, "cannot be activated again")
    assert get_card(api, "4000-0035")["blockReason"] == "Reported lost by the customer"


@pytest.mark.parametrize("body, message", [
    ({"newCardIdentifier": "4000-0004"}, "already exists"),
    ({"newCardIdentifier": "no spaces"}, "must match ^[A-Za-z0-9._%+@-]+$"),
    ({"newCardIdentifier": "abc"}, "at least 4"),
    ({"blockReason": "Lost"}, "/newCardIdentifier: is required"),
])
def test_a_transfer_refuses_bad_bodies(api, raw, body, message):
    response = raw.put(f"/v1/loyalty_programs/1/cards/{CARD}/transfer", json=body, key="management")
    assert_error(response, 400, message)
    assert get_card(api, CARD)["status"] == "active"


def test_update_refuses_an_unknown_status(api):
    response = api.put(f"/v1/loyalty_programs/1/cards/{CARD}", json={"status": "blocked"}, key="management")
    assert_error(response, 400, "active, inactive")
    assert get_card(api, CARD)["status"] == "active"


def test_update_refuses_unknown_cards_programs_and_missing_status(api, raw):
    assert_error(api.put("/v1/loyalty_programs/1/cards/4000-9999", json={"status": "active"},
                         key="management"), 404, "does not exist")
    assert_error(api.put(f"/v1/loyalty_programs/2/cards/{CARD}", json={"status": "active"},
                         key="management"), 400, "not card-based")
    assert_error(raw.put(f"/v1/loyalty_programs/1/cards/{CARD}", data="{", key="management",
                         headers={"Content-Type": "application/json"}), 400, "not valid JSON")
    assert_error(raw.put(f"/v1/loyalty_programs/1/cards/{CARD}", json={"status": "active"},
                         key="integration"), 401)


# -- getAttributes ------------------------------------------------------------------------------


def test_profile_attributes_are_declared_with_the_types_of_the_demo_values(api):
    answer = attribute_list(api, entity="CustomerProfile")
    declared = {a["name"]: a["type"] for a in answer["data"]}
    assert answer["totalResultSize"] == len(declared)
    assert {"Name", "Email", "City", "BirthDate", "Newsletter", "ShoeSize", "Interests"} == set(declared)
    python_types = {"string": str, "boolean": bool, "time": str}
    for number in range(1, PROFILE_COUNT + 1):
        for name, value in person(number).items():
            assert isinstance(value, python_types[declared[name]]), (profile_id(number), name)
    assert declared["BirthDate"] == "time" and declared["Interests"] == "(list string)"
    city = next(a for a in answer["data"] if a["name"] == "City")
    assert "Berlin" in city["suggestions"] and city["entity"] == "CustomerProfile" and city["editable"]


def test_session_attributes_are_declared_too(api):
    assert [(a["name"], a["type"]) for a in attribute_list(api, entity="CustomerSession")["data"]] == \
        [("channel", "string")]
    assert attribute_list(api, entity="Coupon") == {"totalResultSize": 0, "data": []}


@pytest.mark.parametrize("params, names", [
    ({"type": "boolean"}, ["Newsletter"]),
    ({"search": "BIRTH"}, ["BirthDate"]),
    ({"search": "list"}, ["Interests"]),       # through the type too
    ({"kind": "builtin"}, []),
    ({"applicationIds": "2"}, []),
    ({"entity": "CustomerProfile", "sort": "-name", "pageSize": 2}, ["ShoeSize", "Newsletter"]),
    ({"entity": "CustomerProfile", "sort": "name", "pageSize": 2, "skip": 5}, ["Newsletter", "ShoeSize"]),
])
def test_attribute_filters_sort_and_paging(api, params, names):
    assert [a["name"] for a in attribute_list(api, **params)["data"]] == names


def test_attribute_list_totals_count_every_match_not_the_page(api):
    everything = attribute_list(api, kind="custom", applicationIds="1")
    page = attribute_list(api, pageSize=3)
    assert page["totalResultSize"] == everything["totalResultSize"] == len(everything["data"]) > 3
    assert len(page["data"]) == 3


@pytest.mark.parametrize("params, message", [
    ({"sort": "title"}, "Cannot sort by 'title'"),
    ({"applicationIds": "one"}, "must be an integer"),
])
def test_attribute_list_refuses_bad_parameters(api, params, message):
    assert_error(api.get("/v1/attributes", params=params, key="management"), 400, message)


def test_attributes_refuse_what_the_spec_forbids(raw):
    assert_error(raw.get("/v1/attributes", params={"kind": "other"}, key="management"), 400,
                 "kind must be one of builtin, custom")
    assert_error(raw.get("/v1/attributes", key="integration"), 401)


# -- updateCampaign ---------------------------------------------------------------------------

def test_update_campaign_moves_updated_and_its_schedule_applies(api):
    path = "/v1/applications/1/campaigns/2"
    before = api.get(path, key="management").json()
    assert before["updated"] == before["created"]  # never changed since it was made
    body = {k: before[k] for k in ("name", "tags", "features", "limits")}
    changed = api.put(path, json={**body, "endTime": "2026-01-01T00:00:00Z"}, key="management")
    assert changed.status_code == 200, changed.text
    answer = changed.json()
    assert answer["updated"] > before["created"] and answer["frontendState"] == "expired"
    assert api.get(path, key="management").json()["updated"] == answer["updated"]
    listed = {c["id"]: c for c in api.get("/v1/applications/1/campaigns", key="management").json()["data"]}
    assert listed[2]["updated"] == answer["updated"] and listed[2]["endTime"] == "2026-01-01T00:00:00Z"
    # the engine sees the new schedule at once: SUMMER20 is no longer accepted
    session = put_session(api, new_id("upd"), couponCodes=["SUMMER20"],
                          cartItems=[{"sku": "S", "quantity": 1, "price": 50}])
    assert not of_type(session["effects"], "acceptCoupon")


def test_update_campaign_refuses_a_body_against_the_schema(api, raw):
    path = "/v1/applications/1/campaigns/2"
    assert_error(raw.put(path, json={"name": "x"}, key="management"), 400)  # features, limits, tags
    assert_error(raw.put(path, json={"name": "x", "tags": [], "features": [], "limits": [],
                                     "startTime": "tomorrow"}, key="management"), 400)
    assert api.get(path, key="management").json()["name"] == "Summer coupons"
    assert_error(api.put("/v1/applications/1/campaigns/999", json={"name": "x", "tags": [], "features": [],
                                                                   "limits": []}, key="management"), 404)


# -- sort (the spec's `sort`: a field, `-` prefixed for descending) ------------------------------


def members(api, audience_id: int = 2, **params) -> list[dict]:
    response = api.get(f"/v1/audiences/{audience_id}/memberships", params={"pageSize": 1000, **params},
                       key="management")
    assert response.status_code == 200, response.text
    return response.json()["data"]


@pytest.mark.parametrize("field", ["integrationId", "lastActivity", "created"])
def test_memberships_sort_by_a_profile_field_either_way(api, field):
    assert [m[field] for m in members(api, sort=field)] == sorted(m[field] for m in members(api))
    assert [m[field] for m in members(api, sort=f"-{field}")] == sorted((m[field] for m in members(api)),
                                                                         reverse=True)


def test_memberships_sorted_are_paged_in_that_order(api):
    whole = [m["integrationId"] for m in members(api, sort="-lastActivity")]
    pages = [m["integrationId"] for skip in range(0, len(whole), 7)
             for m in members(api, sort="-lastActivity", pageSize=7, skip=skip)]
    assert pages == whole


def test_memberships_refuse_a_field_they_cannot_sort_by(api):
    assert_error(api.get("/v1/audiences/2/memberships", params={"sort": "attributes.Name"}, key="management"),
                 400, "sort")


def test_sessions_sort_by_store_and_total(api):
    def listed(**params):
        response = api.get("/v1/applications/1/sessions", params={"pageSize": 1000, **params}, key="management")
        assert response.status_code == 200, response.text
        return response.json()["data"]

    stores = [s["storeIntegrationId"] or "" for s in listed(sort="storeIntegrationId")]
    assert stores == sorted(stores)
    totals = [s["total"] for s in listed(sort="-total")]
    assert totals == sorted(totals, reverse=True)
