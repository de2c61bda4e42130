"""Why a coupon or referral code was rejected, in words a support agent can read out.

Every reason of the spec's CouponRejectionReason and ReferralRejectionReason enums has a
sentence, plus the three Talon.One's SDK documentation adds for the rejectCoupon and
rejectReferral effects (RejectCouponEffectProps / RejectReferralEffectProps.rejectionReason:
CouponLimitReached, AdvocateNotFound, ReferralCustomerAlreadyReferred). A sentence uses the
facts the console has about the code (its uses, dates, who holds it, its campaign) and never
claims more than those facts: where a fact is missing it says less, not something else.

    code_sentence(CodeFacts(kind="coupon", value="VIPONLY-002",
                            reason="CouponReservationRequired", ...))
    # 'This code is reserved for another customer: only the customers who reserved it can use it.'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from ..formatting import day
from ..talon.models import Campaign, Coupon, Referral

COUPON = "coupon"
REFERRAL = "referral"

#: CouponRejectionReason.reason in talon-openapi.json, in the spec's order
SPEC_COUPON_REASONS = (
    "CouponNotFound", "CouponPartOfNotRunningCampaign", "CampaignLimitReached",
    "ProfileLimitReached", "CouponRecipientDoesNotMatch", "CouponExpired",
    "CouponStartDateInFuture", "CouponRejectedByCondition", "EffectCouldNotBeApplied",
    "CouponPartOfNotTriggeredCampaign", "CouponReservationRequired", "ProfileRequired",
)
#: ReferralRejectionReason.reason in talon-openapi.json, in the spec's order
SPEC_REFERRAL_REASONS = (
    "ReferralNotFound", "ReferralRecipientIdSameAsAdvocate", "ReferralPartOfNotRunningCampaign",
    "ReferralLimitReached", "CampaignLimitReached", "ProfileLimitReached",
    "ReferralRecipientDoesNotMatch", "ReferralExpired", "ReferralStartDateInFuture",
    "ReferralRejectedByCondition", "EffectCouldNotBeApplied", "ReferralPartOfNotTriggeredCampaign",
)
#: documented for the effects' rejectionReason (a free string in the spec) but not in the enums
DOCUMENTED_COUPON_REASONS = ("CouponLimitReached",)
DOCUMENTED_REFERRAL_REASONS = ("AdvocateNotFound", "ReferralCustomerAlreadyReferred")


@dataclass(frozen=True)
class CodeFacts:
    """What the console knows about one rejected code when it words the rejection."""

    kind: str  # COUPON or REFERRAL
    value: str
    reason: str
    profile_id: str | None = None
    coupon: Coupon | None = None
    referral: Referral | None = None
    campaign: Campaign | None = None
    #: who reserved the coupon (None: not looked up)
    reserved_by: tuple[str, ...] | None = None
    #: the rule and failed condition of a "rejected by condition", in words
    rule_name: str = ""
    condition: str = ""
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def noun(self) -> str:
        return "code" if self.kind == COUPON else "referral code"

    @property
    def usage(self) -> tuple[int | None, int | None]:
        """(times used, limit) of the code; a limit of 0 means none."""
        held = self.coupon if self.kind == COUPON else self.referral
        if held is None:
            return None, None
        return held.usage_counter, held.usage_limit

    @property
    def dates(self) -> tuple[datetime | None, datetime | None]:
        held = self.coupon if self.kind == COUPON else self.referral
        return (held.start_date, held.expiry_date) if held is not None else (None, None)


def _the_campaign(facts: CodeFacts) -> str:
    """"the campaign “Summer coupons”", or "its campaign" when the campaign is not known."""
    campaign = facts.campaign
    if campaign is None:
        return "its campaign"
    return f"the campaign “{campaign.name}”" if campaign.name else f"campaign {campaign.id}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _not_found(facts: CodeFacts) -> str:
    return (f"No {facts.noun} “{facts.value}” exists in Talon.One. Check the spelling: codes "
            "are matched exactly.")


def _not_running(facts: CodeFacts) -> str:
    """The campaign is disabled, ended or not started: whichever its data shows, or less."""
    campaign = facts.campaign
    if campaign is None:
        return f"The {facts.noun} belongs to a campaign that is not running."
    name = _capital(_the_campaign(facts))
    start, end = _aware(campaign.start_time), _aware(campaign.end_time)
    if end is not None and end <= facts.now:
        return f"{name} ended on {day(end)}: its {facts.noun}s no longer work."
    if start is not None and start > facts.now:
        return f"{name} starts on {day(start)}: its {facts.noun}s work from then."
    if campaign.state and campaign.state != "enabled":
        return (f"{name} is switched off ({campaign.state}) in Talon.One, so its "
                f"{facts.noun}s are refused.")
    return f"{name} is not running."


def _campaign_limit(facts: CodeFacts) -> str:
    return (f"{_capital(_the_campaign(facts))} has reached its redemption limit: no more "
            f"{facts.noun}s of it can be used.")


def _profile_limit(facts: CodeFacts) -> str:
    used = facts.coupon.profile_redemption_count if facts.coupon is not None else None
    already = f" (this customer has used it {_times(used)})" if used else ""
    return (f"This customer has used the {facts.noun} as often as one customer may{already}.")


def _coupon_recipient(facts: CodeFacts) -> str:
    recipient = facts.coupon.recipient_integration_id if facts.coupon is not None else None
    if not facts.profile_id:
        return "This code was issued to one customer, and the session has no customer."
    if recipient:
        return f"This code was issued to another customer ({recipient})."
    return "This code was issued to another customer."


def _expired(facts: CodeFacts) -> str:
    _start, expiry = facts.dates
    return f"The {facts.noun} expired on {day(expiry)}." if expiry else f"The {facts.noun} has expired."


def _not_yet(facts: CodeFacts) -> str:
    start, _expiry = facts.dates
    if start:
        return f"The {facts.noun} is valid only from {day(start)}."
    return f"The {facts.noun} is not valid yet."


def _by_condition(facts: CodeFacts) -> str:
    rule = f"the rule “{facts.rule_name}”" if facts.rule_name else "the rules"
    text = f"The {facts.noun} is valid, but {rule} of {_the_campaign(facts)} did not accept it"
    return f"{text}: {facts.condition}." if facts.condition else f"{text}."


def _effect_failed(facts: CodeFacts) -> str:
    return (f"The rules accepted the {facts.noun}, but its effect could not be applied: a limit "
            "of that effect (such as a discount budget) has been reached.")


def _not_triggered(facts: CodeFacts) -> str:
    return (f"{_capital(_the_campaign(facts))} was not evaluated for this session, so its "
            f"{facts.noun} could not apply (it was left out of the campaigns evaluated).")


def _reservation(facts: CodeFacts) -> str:
    text = "This code is reserved for another customer: only the customers who reserved it can use it"
    if facts.reserved_by is not None and not facts.reserved_by:
        return "Only customers who reserved this code can use it, and nobody has reserved it."
    if not facts.profile_id:
        return f"{text}, and the session has no customer."
    return f"{text}."


def _profile_required(facts: CodeFacts) -> str:
    return "This code works only for a known customer, and the session has no customer profile."


def _used_up(facts: CodeFacts) -> str:
    used, limit = facts.usage
    if limit:
        return f"Used {used or 0} of {limit} times: the {facts.noun} has no uses left."
    return f"The {facts.noun} has been used as often as it may be."


def _own_code(facts: CodeFacts) -> str:
    return "This is the customer's own referral code: an advocate cannot use their own code."


def _referral_recipient(facts: CodeFacts) -> str:
    friend = facts.referral.friend_profile_integration_id if facts.referral is not None else None
    if friend:
        return f"This referral code was made for another friend ({friend})."
    return "This referral code was made for another friend."


def _no_advocate(facts: CodeFacts) -> str:
    return "The customer who shared this referral code is no longer known to Talon.One."


def _already_referred(facts: CodeFacts) -> str:
    return "This customer has already been referred by someone: a customer is referred only once."


COUPON_SENTENCES: dict[str, Callable[[CodeFacts], str]] = {
    "CouponNotFound": _not_found,
    "CouponPartOfNotRunningCampaign": _not_running,
    "CampaignLimitReached": _campaign_limit,
    "ProfileLimitReached": _profile_limit,
    "CouponRecipientDoesNotMatch": _coupon_recipient,
    "CouponExpired": _expired,
    "CouponStartDateInFuture": _not_yet,
    "CouponRejectedByCondition": _by_condition,
    "EffectCouldNotBeApplied": _effect_failed,
    "CouponPartOfNotTriggeredCampaign": _not_triggered,
    "CouponReservationRequired": _reservation,
    "ProfileRequired": _profile_required,
    "CouponLimitReached": _used_up,
}
REFERRAL_SENTENCES: dict[str, Callable[[CodeFacts], str]] = {
    "ReferralNotFound": _not_found,
    "ReferralRecipientIdSameAsAdvocate": _own_code,
    "ReferralPartOfNotRunningCampaign": _not_running,
    "ReferralLimitReached": _used_up,
    "CampaignLimitReached": _campaign_limit,
    "ProfileLimitReached": _profile_limit,
    "ReferralRecipientDoesNotMatch": _referral_recipient,
    "ReferralExpired": _expired,
    "ReferralStartDateInFuture": _not_yet,
    "ReferralRejectedByCondition": _by_condition,
    "EffectCouldNotBeApplied": _effect_failed,
    "ReferralPartOfNotTriggeredCampaign": _not_triggered,
    "AdvocateNotFound": _no_advocate,
    "ReferralCustomerAlreadyReferred": _already_referred,
}

#: reasons about the code itself or its campaign that no change to the cart, the codes sent
#: together or the customer's cards can undo (the search does not try)
FINAL_REASONS = frozenset({
    "CouponNotFound", "ReferralNotFound", "CampaignLimitReached", "ProfileLimitReached",
    "CouponExpired", "ReferralExpired", "CouponLimitReached", "ReferralLimitReached",
    "EffectCouldNotBeApplied", "ReferralRecipientIdSameAsAdvocate", "AdvocateNotFound",
    "ReferralCustomerAlreadyReferred",
})


def code_sentence(facts: CodeFacts) -> str:
    """The rejection in words; a reason Talon.One added after this console was written is
    named as it came, never mistaken for another."""
    sentences = COUPON_SENTENCES if facts.kind == COUPON else REFERRAL_SENTENCES
    wording = sentences.get(facts.reason)
    if wording is not None:
        return wording(facts)
    if not facts.reason:
        return f"Talon.One rejected the {facts.noun} without giving a reason."
    return f"Talon.One rejected the {facts.noun} ({facts.reason})."


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
