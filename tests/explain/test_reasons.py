"""Every CouponRejectionReason and ReferralRejectionReason of the spec, worded for a person,
with the facts the console had (uses, dates, who holds the code, the campaign's schedule)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.explain.reasons import (
    COUPON,
    COUPON_SENTENCES,
    DOCUMENTED_COUPON_REASONS,
    DOCUMENTED_REFERRAL_REASONS,
    REFERRAL,
    REFERRAL_SENTENCES,
    SPEC_COUPON_REASONS,
    SPEC_REFERRAL_REASONS,
    CodeFacts,
    code_sentence,
)
from app.talon.models import Campaign, Coupon, Referral
from tests.support.openapi import spec_dict
from tests.web.helpers import offline_app_config  # noqa: F401  (fixture)

# Dates of this year are written without the year, others with it: the cases are built so.
YEAR = datetime.now(timezone.utc).year
NOW = datetime(YEAR, 6, 15, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


@pytest.fixture
def words(app):
    """code_sentence in a request of the console (dates in its locale and time zone)."""
    def sentence(reason: str, kind: str = COUPON, **facts) -> str:
        with app.test_request_context():
            return code_sentence(CodeFacts(kind=kind, value=facts.pop("value", "VIPONLY-002"),
                                           reason=reason, now=NOW, **facts))
    return sentence


def test_the_console_words_every_reason_the_spec_enumerates():
    schemas = spec_dict()["components"]["schemas"]
    assert tuple(schemas["CouponRejectionReason"]["properties"]["reason"]["enum"]) == SPEC_COUPON_REASONS
    assert tuple(schemas["ReferralRejectionReason"]["properties"]["reason"]["enum"]) == SPEC_REFERRAL_REASONS
    assert set(SPEC_COUPON_REASONS + DOCUMENTED_COUPON_REASONS) == set(COUPON_SENTENCES)
    assert set(SPEC_REFERRAL_REASONS + DOCUMENTED_REFERRAL_REASONS) == set(REFERRAL_SENTENCES)


CAMPAIGN = Campaign(id=2, name="Summer coupons", state="enabled")
CUSTOMER = {"profile_id": "cust-0001"}

COUPON_CASES = {
    "CouponNotFound": ({"value": "SUMMER21"},
                       "No code “SUMMER21” exists in Talon.One. Check the spelling: codes are matched exactly."),
    "CouponPartOfNotRunningCampaign": (
        {"campaign": Campaign(id=7, name="Spring sale", state="enabled",
                              end_time=datetime(YEAR, 3, 2, 18, tzinfo=timezone.utc))},
        "The campaign “Spring sale” ended on 2 March: its codes no longer work."),
    "CampaignLimitReached": ({"campaign": CAMPAIGN},
                             "The campaign “Summer coupons” has reached its redemption limit: no more codes of it can be used."),
    "ProfileLimitReached": ({"coupon": Coupon(value="VIPONLY-002", profile_redemption_count=2), **CUSTOMER},
                            "This customer has used the code as often as one customer may (this customer has used it 2 times)."),
    "CouponRecipientDoesNotMatch": ({"coupon": Coupon(value="VIPONLY-002", recipient_integration_id="cust-0012"), **CUSTOMER},
                                    "This code was issued to another customer (cust-0012)."),
    "CouponExpired": ({"coupon": Coupon(value="VIPONLY-002", expiry_date=datetime(YEAR, 3, 2, 9, tzinfo=timezone.utc))},
                      "The code expired on 2 March."),
    "CouponStartDateInFuture": ({"coupon": Coupon(value="VIPONLY-002", start_date=datetime(YEAR + 1, 1, 5, 9, tzinfo=timezone.utc))},
                                f"The code is valid only from 5 January {YEAR + 1}."),
    "CouponRejectedByCondition": ({"campaign": CAMPAIGN, "rule_name": "Summer code: 20% off",
                                   "condition": "condition 2 did not hold"},
                                  "The code is valid, but the rule “Summer code: 20% off” of the campaign “Summer coupons” did not accept it: condition 2 did not hold."),
    "EffectCouldNotBeApplied": ({}, "The rules accepted the code, but its effect could not be applied: a limit of that effect (such as a discount budget) has been reached."),
    "CouponPartOfNotTriggeredCampaign": ({"campaign": CAMPAIGN},
                                         "The campaign “Summer coupons” was not evaluated for this session, so its code could not apply (it was left out of the campaigns evaluated)."),
    "CouponReservationRequired": ({"reserved_by": ("cust-0012",), **CUSTOMER},
                                  "This code is reserved for another customer: only the customers who reserved it can use it."),
    "ProfileRequired": ({}, "This code works only for a known customer, and the session has no customer profile."),
    "CouponLimitReached": ({"coupon": Coupon(value="VIPONLY-002", usage_counter=1, usage_limit=1)},
                           "Used 1 of 1 times: the code has no uses left."),
}

REFERRAL_CASES = {
    "ReferralNotFound": ({"value": "REF-ALISE"},
                         "No referral code “REF-ALISE” exists in Talon.One. Check the spelling: codes are matched exactly."),
    "ReferralRecipientIdSameAsAdvocate": ({}, "This is the customer's own referral code: an advocate cannot use their own code."),
    "ReferralPartOfNotRunningCampaign": (
        {"campaign": Campaign(id=6, name="Refer a friend", state="disabled")},
        "The campaign “Refer a friend” is switched off (disabled) in Talon.One, so its referral codes are refused."),
    "ReferralLimitReached": ({"referral": Referral(code="REF-ALICE", usage_counter=5, usage_limit=5)},
                             "Used 5 of 5 times: the referral code has no uses left."),
    "CampaignLimitReached": ({"campaign": Campaign(id=6, name="Refer a friend")},
                             "The campaign “Refer a friend” has reached its redemption limit: no more referral codes of it can be used."),
    "ProfileLimitReached": ({}, "This customer has used the referral code as often as one customer may."),
    "ReferralRecipientDoesNotMatch": ({"referral": Referral(code="REF-ALICE", friend_profile_integration_id="cust-0030")},
                                      "This referral code was made for another friend (cust-0030)."),
    "ReferralExpired": ({"referral": Referral(code="REF-ALICE", expiry_date=datetime(YEAR - 1, 11, 30, 12, tzinfo=timezone.utc))},
                        f"The referral code expired on 30 November {YEAR - 1}."),
    "ReferralStartDateInFuture": ({"referral": Referral(code="REF-ALICE", start_date=datetime(YEAR, 7, 1, 12, tzinfo=timezone.utc))},
                                  "The referral code is valid only from 1 July."),
    "ReferralRejectedByCondition": ({"campaign": Campaign(id=6, name="Refer a friend")},
                                    "The referral code is valid, but the rules of the campaign “Refer a friend” did not accept it."),
    "EffectCouldNotBeApplied": ({}, "The rules accepted the referral code, but its effect could not be applied: a limit of that effect (such as a discount budget) has been reached."),
    "ReferralPartOfNotTriggeredCampaign": ({"campaign": Campaign(id=6, name="Refer a friend")},
                                           "The campaign “Refer a friend” was not evaluated for this session, so its referral code could not apply (it was left out of the campaigns evaluated)."),
    "AdvocateNotFound": ({}, "The customer who shared this referral code is no longer known to Talon.One."),
    "ReferralCustomerAlreadyReferred": ({}, "This customer has already been referred by someone: a customer is referred only once."),
}


def test_every_reason_has_a_case_here():
    assert set(COUPON_CASES) == set(COUPON_SENTENCES)
    assert set(REFERRAL_CASES) == set(REFERRAL_SENTENCES)


@pytest.mark.parametrize("reason", sorted(COUPON_CASES))
def test_coupon_reason_in_words(words, reason):
    facts, expected = COUPON_CASES[reason]
    assert words(reason, COUPON, **facts) == expected


@pytest.mark.parametrize("reason", sorted(REFERRAL_CASES))
def test_referral_reason_in_words(words, reason):
    facts, expected = REFERRAL_CASES[reason]
    assert words(reason, REFERRAL, **dict(facts, value=facts.get("value", "REF-ALICE"))) == expected


@pytest.mark.parametrize("reason,facts,expected", [
    # a campaign that has not started, one that is on but out of the data's reach
    ("CouponPartOfNotRunningCampaign",
     {"campaign": Campaign(id=9, name="Christmas 2030", state="enabled",
                           start_time=datetime(2030, 12, 1, tzinfo=timezone.utc))},
     "The campaign “Christmas 2030” starts on 1 December 2030: its codes work from then."),
    ("CouponPartOfNotRunningCampaign", {}, "The code belongs to a campaign that is not running."),
    # a hard reservation nobody holds, and a session without a customer
    ("CouponReservationRequired", {"reserved_by": ()},
     "Only customers who reserved this code can use it, and nobody has reserved it."),
    ("CouponReservationRequired", {"reserved_by": ("cust-0012",)},
     "This code is reserved for another customer: only the customers who reserved it can use it, "
     "and the session has no customer."),
    ("CouponRecipientDoesNotMatch", {"coupon": Coupon(value="X", recipient_integration_id="cust-0012")},
     "This code was issued to one customer, and the session has no customer."),
    # facts Talon.One did not send: less is said, nothing else
    ("CouponExpired", {}, "The code has expired."),
    ("CouponLimitReached", {}, "The code has been used as often as it may be."),
    ("ProfileLimitReached", {}, "This customer has used the code as often as one customer may."),
    ("CouponRejectedByCondition", {}, "The code is valid, but the rules of its campaign did not accept it."),
])
def test_the_sentence_follows_the_facts(words, reason, facts, expected):
    assert words(reason, COUPON, **facts) == expected


def test_a_reason_talon_one_adds_later_is_named_as_it_came(words):
    assert words("CouponBudgetExhausted") == "Talon.One rejected the code (CouponBudgetExhausted)."
    assert words("", REFERRAL) == "Talon.One rejected the referral code without giving a reason."


def test_dates_are_written_in_the_consoles_time_zone(offline_app_config):
    from app import create_app

    app = create_app({**offline_app_config, "BABEL_DEFAULT_TIMEZONE": "Pacific/Auckland"})  # UTC+13 in March
    expired = Coupon(value="X", expiry_date=datetime(YEAR, 3, 2, 18, tzinfo=timezone.utc))
    with app.test_request_context():
        text = code_sentence(CodeFacts(kind=COUPON, value="X", reason="CouponExpired",
                                       coupon=expired, now=NOW))
    assert text == "The code expired on 3 March."


def test_a_date_in_another_year_names_the_year(words):
    last_year = datetime.now(timezone.utc) - timedelta(days=400)
    text = words("CouponExpired", coupon=Coupon(value="X", expiry_date=last_year))
    assert str(last_year.year) in text
