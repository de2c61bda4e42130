"""Dry runs: nothing persists, only the payload counts, `now` and evaluableCampaignIds."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.parity.conftest import needs, source
from tests.parity.support import SHIRT, SHOE, assert_error, from_campaign, get_session, of_type, put_session, \
    stored_payload

DRY = "spec: updateCustomerSessionV2 `dry` ('Changes are ignored'; 'considers only the payload')"
EVALUABLE = "spec: NewCustomerSessionV2.evaluableCampaignIds ('evaluated, even if they are disabled')"
NOW = "spec: updateCustomerSessionV2 `now` ('only a date in the future', 'only ... if dry')"
SCHEDULE = "https://docs.talon.one/docs/product/campaigns/managing-campaigns (rules are evaluated when the scheduled period is reached)"


def future(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@source(DRY)
def test_a_dry_update_of_a_new_session_stores_nothing(talon, target):
    session_id = target.new_id("sess")
    put_session(talon, session_id, params={"dry": "true"}, state="closed", cartItems=[SHIRT])
    assert_error(talon.get(f"/v2/customer_sessions/{session_id}"), 400)


@source(DRY)
def test_a_dry_close_leaves_the_session_open(talon, target):
    session_id = target.new_id("sess")
    put_session(talon, session_id, cartItems=[SHIRT])
    put_session(talon, session_id, params={"dry": "true"}, state="closed", cartItems=[SHIRT])
    assert get_session(talon, session_id)["customerSession"]["state"] == "open"


@source(DRY)
@needs("coupon")
def test_a_dry_run_considers_only_its_payload(talon, target, objects):
    session_id = target.new_id("sess")
    put_session(talon, session_id, cartItems=[SHOE], couponCodes=[objects["coupon"]["code"]])
    answer = put_session(talon, session_id, params={"dry": "true"}, cartItems=[SHOE])
    assert not of_type(answer["effects"], "acceptCoupon", "rejectCoupon")
    assert get_session(talon, session_id)["customerSession"]["couponCodes"] == [objects["coupon"]["code"]]


@source(DRY)
@needs("coupon")
def test_a_dry_close_answers_what_the_real_close_does(talon, target, objects):
    session_id = target.new_id("sess")
    payload = {"cartItems": [SHOE, SHIRT], "couponCodes": [objects["coupon"]["code"]], "state": "closed"}
    dry = put_session(talon, session_id, params={"dry": "true"}, **payload)
    real = put_session(talon, session_id, **payload)
    shape = lambda effects: sorted((e["effectType"], e["campaignId"], e["props"].get("value")) for e in effects)  # noqa: E731
    assert shape(dry["effects"]) == shape(real["effects"])


@source(DRY + "; a cancellation previews what the payload's order would roll back")
@needs("coupon")
def test_a_dry_cancel_of_the_stored_payload_previews_the_cancel(talon, target, objects):
    session_id = target.new_id("sess")
    put_session(talon, session_id, state="closed", profileId=target.new_id("prof"), cartItems=[SHOE],
                couponCodes=[objects["coupon"]["code"]])
    preview = put_session(talon, session_id, params={"dry": "true"}, state="cancelled",
                          content=["customerSession"], **stored_payload(talon, session_id))
    assert get_session(talon, session_id)["customerSession"]["state"] == "closed"
    real = put_session(talon, session_id, state="cancelled")
    shape = lambda effects: sorted((e["effectType"], e["campaignId"], e["props"].get("value")) for e in effects)  # noqa: E731
    assert shape(preview["effects"]) == shape(real["effects"])
    assert of_type(real["effects"], "rollbackCoupon")


@source(DRY + "; no special case for a cancellation")
@needs("coupon")
def test_a_dry_cancel_without_a_payload_rolls_back_nothing(talon, target, objects):
    session_id = target.new_id("sess")
    put_session(talon, session_id, state="closed", cartItems=[SHOE], couponCodes=[objects["coupon"]["code"]])
    answer = put_session(talon, session_id, params={"dry": "true"}, state="cancelled")
    assert not of_type(answer["effects"], "rollbackCoupon", "rollbackDiscount")


@source(EVALUABLE)
@needs("disabled_campaign")
def test_a_listed_disabled_campaign_runs_in_a_dry_run(talon, target, objects):
    campaign = objects["disabled_campaign"]
    answer = put_session(talon, target.new_id("sess"), params={"dry": "true"}, cartItems=[SHOE],
                         couponCodes=[campaign["coupon"]], evaluableCampaignIds=[campaign["campaign_id"]])
    assert [e["props"]["value"] for e in of_type(answer["effects"], "acceptCoupon")] == [campaign["coupon"]]
    assert {e["campaignId"] for e in answer["effects"]} == {campaign["campaign_id"]}


@source(EVALUABLE + " (in dry runs only)")
@needs("disabled_campaign")
def test_evaluable_campaign_ids_do_nothing_without_dry(talon, target, objects):
    campaign = objects["disabled_campaign"]
    answer = put_session(talon, target.new_id("sess"), cartItems=[SHOE], couponCodes=[campaign["coupon"]],
                         evaluableCampaignIds=[campaign["campaign_id"]])
    assert not of_type(answer["effects"], "acceptCoupon")
    assert of_type(answer["effects"], "rejectCoupon")


@source(SCHEDULE + "; evaluableCampaignIds lifts only the state")
@needs("scheduled_campaign")
def test_a_listed_scheduled_campaign_waits_for_its_window(talon, target, objects):
    campaign = objects["scheduled_campaign"]
    answer = put_session(talon, target.new_id("sess"), params={"dry": "true"}, cartItems=[SHOE],
                         evaluableCampaignIds=[campaign["campaign_id"]])
    assert not from_campaign(answer["effects"], campaign["campaign_id"])


@source(NOW + "; " + SCHEDULE)
@needs("scheduled_campaign")
def test_now_inside_the_window_runs_the_scheduled_campaign(talon, target, objects):
    campaign = objects["scheduled_campaign"]
    answer = put_session(talon, target.new_id("sess"), params={"dry": "true", "now": campaign["inside"]},
                         cartItems=[SHOE], evaluableCampaignIds=[campaign["campaign_id"]])
    assert from_campaign(answer["effects"], campaign["campaign_id"])


@source(NOW + "; " + SCHEDULE + " (startTime <= now < endTime)")
@needs("scheduled_campaign")
def test_now_outside_the_window_runs_nothing_of_it(talon, target, objects):
    campaign = objects["scheduled_campaign"]
    for moment in (campaign["before"], campaign["after"]):
        answer = put_session(talon, target.new_id("sess"), params={"dry": "true", "now": moment},
                             cartItems=[SHOE], evaluableCampaignIds=[campaign["campaign_id"]])
        assert not from_campaign(answer["effects"], campaign["campaign_id"]), moment


@source(NOW)
def test_now_needs_dry(talon, target):
    assert_error(talon.put(f"/v2/customer_sessions/{target.new_id('sess')}", params={"now": future(3)},
                           json={"customerSession": {"cartItems": [SHIRT]}}), 400)


@source(NOW)
def test_now_must_be_in_the_future(talon, target):
    assert_error(talon.put(f"/v2/customer_sessions/{target.new_id('sess')}",
                           params={"dry": "true", "now": "2020-01-01T00:00:00Z"},
                           json={"customerSession": {"cartItems": [SHIRT]}}), 400)
