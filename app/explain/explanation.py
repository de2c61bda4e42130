""""Why not?": one dry run of a session (or of a code for a customer), read for people.

    explain(Scenario.of_session(session), budget=8, look_ahead=False)

1. The scenario is evaluated as a dry run asking for ``ruleFailureReasons`` (and the triggered
   campaigns, the coupons and the referral it processed).
2. Each code in it is accepted or rejected; a rejection is worded from its reason and the
   code's facts (reasons.py): its uses and dates from the answer's ``coupons`` (a Management
   lookup only when the answer lacks them), its campaign's schedule from the cached campaign,
   who reserved it from the Integration API.
3. Each campaign that did not apply is listed with the rule and condition that failed.
4. What would change the outcome is searched by at most ``budget`` extra dry runs (search.py).

Nothing is saved: every call is a dry run or a read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable

from ..formatting import effect_wording
from ..talon import talon
from ..talon.errors import TalonError
from ..talon.models import Campaign, Coupon, Effect, Referral, RuleFailure
from . import search as probes
from .reasons import COUPON, FINAL_REASONS, REFERRAL, CodeFacts, code_sentence
from .scenario import Outcome, Scenario
from .search import Goal, Report, Search

#: how many categories, SKUs or thresholds of one goal's hints are tried
HINTS_TRIED = 2
NOTHING_APPLIES = "none of the changes the search tries applies to what failed"


@dataclass
class CodeVerdict:
    kind: str  # COUPON or REFERRAL
    value: str
    accepted: bool
    reason: str  # Talon.One's rejection reason ("" when accepted)
    sentence: str
    campaign_id: int | None = None
    campaign_name: str = ""
    rule_name: str = ""
    condition: str = ""
    note: str = ""
    goal: Goal | None = None


@dataclass
class FailedRule:
    rule_name: str
    rule_index: int | None
    condition_index: int | None
    effect_index: int | None
    details: str
    code: str = ""

    @property
    def what(self) -> str:
        """Which part of the rule failed, counted from 1 as people count."""
        if self.effect_index is not None:
            return f"effect {self.effect_index + 1} could not be applied"
        if self.condition_index is not None:
            return f"condition {self.condition_index + 1} did not hold"
        return "it did not apply"


@dataclass
class MissedCampaign:
    campaign_id: int
    name: str
    rules: list[FailedRule]
    goal: Goal | None = None
    #: the campaign owns a code rejected above, which says why
    explained_by_code: str = ""


@dataclass
class AppliedCampaign:
    campaign_id: int
    name: str
    effects: list[str]


@dataclass
class Explanation:
    scenario: Scenario
    codes: list[CodeVerdict]
    missed: list[MissedCampaign]
    applied: list[AppliedCampaign]
    report: Report
    notes: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> list[CodeVerdict]:
        return [c for c in self.codes if not c.accepted]

    def audit_summary(self) -> dict:
        scenario = self.scenario
        return {
            "evaluated": {"state": scenario.state, "profile": scenario.profile_id,
                          "items": len(scenario.cart_items), "subtotal": str(scenario.subtotal),
                          "coupon_codes": list(scenario.coupon_codes),
                          "referral_code": scenario.referral_code},
            "rejected": {c.value: c.reason for c in self.rejected},
            "missed_campaigns": [m.campaign_id for m in self.missed],
            "dry_runs": 1 + self.report.used,
            "search_budget": self.report.budget,
            "stopped_by_budget": self.report.stopped_by_budget,
            "findings": [f.change for f in self.report.findings],
        }


def explain(scenario: Scenario, *, budget: int, look_ahead: bool = False,
            focus: str | None = None, accepted_before: Iterable[str] = ()) -> Explanation:
    """Evaluate and explain ``scenario`` (raises TalonError when its own dry run fails).

    ``look_ahead``: the search may evaluate at a later ``now`` and list a disabled campaign
    (the test bench's powers). ``focus``: only this code and its campaign are explained (a code
    typed for a customer), not every campaign the cart misses. ``accepted_before``: codes the
    session's own stored effects accepted (a closed session counts its own use now)."""
    baseline = scenario.evaluate()
    reader = _Reader(scenario, baseline)
    codes = reader.codes(set(accepted_before))
    if focus is not None:
        codes = [c for c in codes if c.value == focus]
    missed = reader.missed(codes, focus_campaign=codes[0].campaign_id if focus and codes else None,
                           focused=focus is not None)
    search = Search(scenario, budget, describe=reader.gives)
    goals = _plan(search, reader, codes, missed, look_ahead)
    report = search.run(goals)
    return Explanation(scenario, codes, missed, reader.applied(), report, reader.notes)


class _Reader:
    """The explanation's own dry run, read with whatever else it takes: campaign names and
    schedules (cached Management reads), a coupon's facts, who reserved it, the customer's
    wallet (Integration reads), each at most once."""

    def __init__(self, scenario: Scenario, outcome: Outcome) -> None:
        self.scenario = scenario
        self.outcome = outcome
        self.now = datetime.now(timezone.utc)
        self.notes: list[str] = []
        self._campaigns: dict[int, Campaign | None] = {}
        self._wallet: probes.Customer | None = None
        try:
            self.names = talon.management.campaign_names()
        except TalonError:
            self.names = {}
        self.wording = effect_wording(cart_items=list(scenario.cart_items), campaign_names=self.names)

    # -- look-ups ---------------------------------------------------------------------------

    def campaign(self, campaign_id: int | None) -> Campaign | None:
        if not campaign_id:
            return None
        if campaign_id not in self._campaigns:
            try:
                self._campaigns[campaign_id] = talon.management.get_campaign(campaign_id)
            except TalonError:
                self._campaigns[campaign_id] = None
        return self._campaigns[campaign_id]

    def name(self, campaign_id: int | None, fallback: str = "") -> str:
        if not campaign_id:
            return fallback
        return self.names.get(campaign_id) or fallback or f"campaign {campaign_id}"

    def wallet(self) -> probes.Customer:
        """The customer's cards and codes (their inventory), for the search to offer."""
        if self._wallet is None:
            self._wallet = probes.Customer()
            if self.scenario.profile_id:
                try:
                    inventory = talon.integration.get_customer_inventory(
                        self.scenario.profile_id, profile=False, referrals=False, coupons=True,
                        loyalty=True, giveaways=False, achievements=False)
                    self._wallet = probes.Customer(inventory.loyalty_cards, inventory.coupons)
                except TalonError as error:
                    self.notes.append(f"The customer's cards and codes could not be read, so the "
                                      f"search did not offer them ({error.headline}).")
        return self._wallet

    # -- codes ------------------------------------------------------------------------------

    def codes(self, accepted_before: set[str]) -> list[CodeVerdict]:
        verdicts = [self._coupon(code, accepted_before) for code in self.scenario.coupon_codes]
        if self.scenario.referral_code:
            verdicts.append(self._referral(self.scenario.referral_code))
        return verdicts

    def _coupon(self, code: str, accepted_before: set[str]) -> CodeVerdict:
        rejection = self.outcome.coupon_rejections.get(code)
        if rejection is None:
            accepted = self.outcome.coupon_accepted(code)
            campaign_id = next((e.campaign_id for e in self.outcome.state.effects_of_type("acceptCoupon")
                                if e.prop("value") == code), None)
            sentence = (self._accepted_sentence(campaign_id) if accepted else
                        "Talon.One neither accepted nor rejected this code in its answer.")
            return CodeVerdict(COUPON, code, accepted, "", sentence, campaign_id,
                               self.name(campaign_id))
        reason = str(rejection.prop("rejectionReason") or "")
        coupon = self._coupon_facts(code, reason)
        campaign_id = rejection.campaign_id or (coupon.campaign_id if coupon else None)
        verdict = self._rejected(COUPON, code, reason, rejection, campaign_id, coupon=coupon)
        if code in accepted_before and reason in ("CouponLimitReached", "ProfileLimitReached"):
            verdict.note = ("This session itself redeemed the code when it was evaluated; a "
                            "re-evaluation counts that use too.")
        return verdict

    def _accepted_sentence(self, campaign_id: int | None) -> str:
        gives = self._effect_lines(self.outcome, campaign_id or 0)
        return f"It works: {'; '.join(gives)}." if gives else "It works."

    def _coupon_facts(self, code: str, reason: str) -> Coupon | None:
        """The coupon's uses and dates: from the dry run's ``coupons``, else looked up (one
        Management call) when the reason's wording needs them."""
        coupon = self.outcome.coupon(code)
        if coupon is not None or reason in ("CouponNotFound", "CouponReservationRequired",
                                             "CouponRejectedByCondition"):
            return coupon
        try:
            return talon.management.find_coupon(code)
        except TalonError:
            return None

    def _referral(self, code: str) -> CodeVerdict:
        rejection = self.outcome.referral_rejection
        if rejection is None:
            accepted = self.outcome.referral_accepted(code)
            campaign_id = next((e.campaign_id for e in self.outcome.state.effects_of_type("acceptReferral")),
                               None)
            return CodeVerdict(REFERRAL, code, accepted, "", self._accepted_sentence(campaign_id)
                               if accepted else
                               "Talon.One neither accepted nor rejected this code in its answer.",
                               campaign_id, self.name(campaign_id))
        reason = str(rejection.prop("rejectionReason") or "")
        referral = self.outcome.state.referral
        referral = referral if isinstance(referral, Referral) and referral.code == code else None
        campaign_id = rejection.campaign_id or (referral.campaign_id if referral else None)
        return self._rejected(REFERRAL, code, reason, rejection, campaign_id, referral=referral)

    def _rejected(self, kind: str, code: str, reason: str, rejection: Effect,
                  campaign_id: int | None, *, coupon: Coupon | None = None,
                  referral: Referral | None = None) -> CodeVerdict:
        campaign = self.campaign(campaign_id)
        reserved_by = self.reserved_by(code) if reason == "CouponReservationRequired" else None
        failure = self._failure_of(code, campaign_id, rejection)
        condition = _condition_words(rejection, failure)
        facts = CodeFacts(kind=kind, value=code, reason=reason, profile_id=self.scenario.profile_id,
                          coupon=coupon, referral=referral, campaign=campaign,
                          reserved_by=reserved_by, rule_name=rejection.rule_name or
                          (failure.rule_name if failure else ""), condition=condition, now=self.now)
        goal = Goal(kind, code, campaign_id or None, f"{code} is accepted")
        return CodeVerdict(kind, code, False, reason, code_sentence(facts), campaign_id or None,
                           self.name(campaign_id, campaign.name if campaign else ""),
                           facts.rule_name, condition, goal=goal)

    def reserved_by(self, code: str) -> tuple[str, ...] | None:
        try:
            return talon.integration.get_reserved_customers(code).integration_ids
        except TalonError:
            return None

    def _failure_of(self, code: str, campaign_id: int | None, rejection: Effect) -> RuleFailure | None:
        """The rule failure reason that names this code, else the one of the rejection's rule."""
        failures = self.outcome.failures_of(campaign_id) if campaign_id else ()
        named = [f for f in failures if code in (f.coupon_value, f.referral_value)]
        same_rule = [f for f in failures if f.rule_index == rejection.rule_index
                     and f.rule_name == rejection.rule_name]
        return next(iter(named or same_rule), None)

    # -- campaigns --------------------------------------------------------------------------

    def missed(self, codes: list[CodeVerdict], *, focus_campaign: int | None,
               focused: bool) -> list[MissedCampaign]:
        by_campaign: dict[int, list[RuleFailure]] = {}
        for failure in self.outcome.failures:
            if failure.campaign_id and failure.campaign_id not in self.outcome.triggered_campaign_ids:
                by_campaign.setdefault(failure.campaign_id, []).append(failure)
        owners = {c.campaign_id: c.value for c in codes if not c.accepted and c.campaign_id}
        missed = []
        for campaign_id, failures in by_campaign.items():
            if focused and campaign_id != focus_campaign:
                continue
            rules = [FailedRule(f.rule_name, f.rule_index, f.condition_index, f.effect_index,
                                f.details, f.coupon_value or f.referral_value or "")
                     for f in failures]
            name = self.name(campaign_id, failures[0].campaign_name)
            explained = owners.get(campaign_id, "")
            goal = None if explained else Goal("campaign", str(campaign_id), campaign_id,
                                               f"“{name}” applies")
            missed.append(MissedCampaign(campaign_id, name, rules, goal, explained))
        return missed

    def applied(self) -> list[AppliedCampaign]:
        return [AppliedCampaign(cid, self.name(cid), self._effect_lines(self.outcome, cid))
                for cid in sorted(self.outcome.triggered_campaign_ids)]

    def _effect_lines(self, outcome: Outcome, campaign_id: int) -> list[str]:
        """What the campaign gave, in words (a code's acceptance goes without saying)."""
        return [self.wording.describe(e).text for e in outcome.effects_of(campaign_id)
                if e.effect_type not in ("acceptCoupon", "acceptReferral")]

    def gives(self, outcome: Outcome, goal: Goal) -> list[str]:
        """What a probe's dry run gave for the goal, in words."""
        campaign_id = goal.campaign_id
        if goal.kind in (COUPON, REFERRAL):
            accept = "acceptCoupon" if goal.kind == COUPON else "acceptReferral"
            campaign_id = next((e.campaign_id for e in outcome.state.effects_of_type(accept)
                                if str(e.prop("value") or "").upper() == goal.key.upper()),
                               campaign_id)
        return self._effect_lines(outcome, campaign_id) if campaign_id else []


def _condition_words(rejection: Effect, failure: RuleFailure | None) -> str:
    index = rejection.prop("conditionIndex")
    if index is None and failure is not None:
        index = failure.condition_index
    details = str(rejection.prop("details") or "") or (failure.details if failure else "")
    where = f"condition {int(index) + 1}" if isinstance(index, int) else ""
    if where and details:
        return f"{where} did not hold (Talon.One: “{details}”)"
    if details:
        return f"Talon.One: “{details}”"
    return f"{where} did not hold" if where else ""


# -- the search's plan --------------------------------------------------------------------------


def _plan(search: Search, reader: _Reader, codes: list[CodeVerdict], missed: list[MissedCampaign],
          look_ahead: bool) -> list[Goal]:
    """Probes in order: the codes first (the question asked), then the campaigns by their
    hints, then one open amount search for goals whose failures say nothing."""
    goals: list[Goal] = []
    quiet: list[Goal] = []
    for verdict in codes:
        if verdict.goal is None:
            continue
        goals.append(verdict.goal)
        if not _plan_code(search, reader, verdict, look_ahead, quiet):
            search.report.nothing_to_try.append((verdict.goal, _final_why(verdict)))
    for campaign in missed:
        if campaign.goal is None:
            continue
        goals.append(campaign.goal)
        details = [rule.details for rule in campaign.rules]
        if not any(details):
            quiet.append(campaign.goal)
        elif not _plan_hinted(search, reader, campaign.goal, details):
            search.report.nothing_to_try.append((campaign.goal, _why_nothing(details)))
    probes.plan_open_amount(search, quiet)
    return goals


def _plan_code(search: Search, reader: _Reader, verdict: CodeVerdict, look_ahead: bool,
               quiet: list[Goal]) -> bool:
    """Plan the probes a rejected code's reason allows; False when none applies."""
    goal, reason = verdict.goal, verdict.reason
    outcome = reader.outcome
    if reason in FINAL_REASONS and reason not in ("CouponNotFound", "ReferralNotFound"):
        return False
    if reason in ("CouponNotFound", "ReferralNotFound"):
        before = len(search.queue)
        probes.plan_spelling(search, goal, verdict.kind)
        return len(search.queue) > before
    if reason == "CouponReservationRequired":
        holders = [p for p in (reader.reserved_by(goal.key) or ()) if p != reader.scenario.profile_id]
        probes.plan_other_customer(search, goal, holders, "who reserved it")
        return bool(holders)
    if reason == "CouponRecipientDoesNotMatch":
        coupon = outcome.coupon(goal.key) or reader._coupon_facts(goal.key, reason)
        recipient = coupon.recipient_integration_id if coupon else None
        if recipient:
            probes.plan_other_customer(search, goal, [recipient], "to whom it was issued")
        return bool(recipient)
    if reason == "ReferralRecipientDoesNotMatch":
        friend = outcome.state.referral.friend_profile_integration_id if outcome.state.referral else None
        if friend:
            probes.plan_other_customer(search, goal, [friend], "for whom it was made")
        return bool(friend)
    if reason in ("CouponStartDateInFuture", "ReferralStartDateInFuture"):
        held = outcome.coupon(goal.key) if verdict.kind == COUPON else outcome.state.referral
        start = held.start_date if held is not None else None
        if look_ahead and start is not None:
            probes.plan_later(search, goal, start, "the code becomes valid")
        return look_ahead and start is not None
    if reason in ("CouponPartOfNotRunningCampaign", "ReferralPartOfNotRunningCampaign"):
        return look_ahead and _plan_not_running(search, reader, verdict)
    details = [verdict.condition] + [f.details for f in outcome.failures_of(verdict.campaign_id or 0)]
    if not any(details):
        quiet.append(goal)
        return True
    return _plan_hinted(search, reader, goal, details)


def _plan_not_running(search: Search, reader: _Reader, verdict: CodeVerdict) -> bool:
    campaign = reader.campaign(verdict.campaign_id)
    if campaign is None or campaign.id is None:
        return False
    start = campaign.start_time
    if start is not None and (start if start.tzinfo else start.replace(tzinfo=timezone.utc)) > reader.now:
        probes.plan_later(search, verdict.goal, start, f"“{campaign.name}” starts")
        return True
    ended = campaign.end_time is not None and (
        campaign.end_time if campaign.end_time.tzinfo else
        campaign.end_time.replace(tzinfo=timezone.utc)) <= reader.now
    if campaign.state != "enabled" and not ended:
        probes.plan_enabled(search, verdict.goal, campaign.id, campaign.name)
        return True
    return False


def _plan_hinted(search: Search, reader: _Reader, goal: Goal, details: list[str]) -> bool:
    """Probes for what the failure details name; False when they name nothing it can try."""
    hints = probes.hints_from(details, search.baseline.subtotal)
    before = len(search.queue)
    for threshold in sorted(hints.thresholds)[:1]:
        probes.plan_threshold(search, goal, threshold)
    for category in hints.categories[:HINTS_TRIED]:
        probes.plan_item(search, goal, category=category, units=hints.units.get(f"category:{category}"))
    for sku in hints.skus[:HINTS_TRIED]:
        probes.plan_item(search, goal, sku=sku, units=hints.units.get(f"sku:{sku}"))
    if hints.card:
        probes.plan_card(search, goal, reader.wallet().cards)
    if hints.coupon and goal.kind == "campaign":
        probes.plan_own_coupon(search, goal, reader.wallet().coupons)
    if hints.state and search.baseline.state == "open":
        probes.plan_closing(search, goal)
    return len(search.queue) > before


def _final_why(verdict: CodeVerdict) -> str:
    if verdict.reason in FINAL_REASONS:
        return "no change to the session undoes this reason"
    if verdict.reason in ("CouponStartDateInFuture", "ReferralStartDateInFuture",
                          "CouponPartOfNotRunningCampaign", "ReferralPartOfNotRunningCampaign"):
        return ("a later date or a disabled campaign is tried for marketers and admins only (the "
                "test bench's powers), and only where the campaign's dates leave one to try")
    return NOTHING_APPLIES


def _why_nothing(_details: list[str]) -> str:
    return NOTHING_APPLIES
