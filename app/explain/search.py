"""What would change the outcome: a search by a bounded number of extra dry runs.

A goal is something that did not happen (a code accepted, a campaign applied). A probe is one
change to the evaluated session (more money in the cart, an item of a category, the customer's
card or code, another customer, a later time) sent as one more dry run. A change is reported
only when a dry run with it reached the goal and the dry run without it (the explanation's own)
did not; for an amount, a second dry run with one cent less shows that it is the smallest. The
search never guesses: what it could not prove it says it did not try, or that its budget of dry
runs stopped it.

Where the probes come from:
- the code's own facts: who reserved it or was issued it, a start date, a disabled campaign, the
  code written in capitals;
- the rule failure reasons' ``details``: a number next to "subtotal" or "total" is taken as a
  threshold to try, "category X" / "SKU X" as an item to add, "loyalty card" and "coupon" as
  the customer's own cards and codes. These are only where to look first; the dry run decides.
  Talon.One words ``details`` freely, so with other wording fewer probes are planned;
- without a hint, one dry run with much more money in the cart, then halving the difference
  while the budget lasts.

Every dry run of one search checks every goal still open, so one probe can settle several.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from datetime import timedelta
from typing import Callable, Iterable

from ..formatting import day, money
from ..talon.errors import TalonError, TalonRateLimited, TalonUnavailable
from ..talon_failures import read_message
from ..talon.models import CartItem, Coupon, LoyaltyCard
from .scenario import CENT, Outcome, Scenario, cents

PROBE_SKU = "WHYNOT-PROBE"
#: the price of an item added to test a category or SKU: too small to move a threshold
PROBE_ITEM_PRICE = CENT
#: without a hint, the first extra amount tried: this much, or the cart's value if larger
OPEN_AMOUNT = Decimal(100)
#: at most this many other customers are tried for a reserved code
PROFILES_TRIED = 2

_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w])")
_MONEY_WORDS = re.compile(r"subtotal|total|amount|value|spend|spent", re.I)
_CATEGORY = re.compile(r"categor(?:y|ies)\s+[\"'“]?([\w\-]+)", re.I)
_SKU = re.compile(r"\bSKU\s+[\"'“]?([\w\-./]+)", re.I)
_NEEDS = re.compile(r"(?:needs|at least|minimum of|min\.?)\s+(\d+)", re.I)
_CARD = re.compile(r"loyalty card", re.I)
_COUPON = re.compile(r"coupon", re.I)
_STATE = re.compile(r"\bstate\b", re.I)


@dataclass(frozen=True)
class Goal:
    """Something that did not happen in the explanation's dry run."""

    kind: str  # "coupon", "referral" or "campaign"
    key: str  # the code, or the campaign ID
    campaign_id: int | None
    label: str  # "VIPONLY-002 is accepted", "“Welcome discount” applies"

    def reached(self, outcome: Outcome) -> bool:
        if self.kind == "coupon":
            return outcome.coupon_accepted(self.key)
        if self.kind == "referral":
            return outcome.referral_accepted(self.key)
        return self.campaign_id in outcome.triggered_campaign_ids


@dataclass
class Run:
    """One extra dry run, numbered from 1 in the order sent."""

    number: int
    change: str
    reached: list[Goal] = field(default_factory=list)
    error: str | None = None


@dataclass
class Finding:
    goal: Goal
    change: str  # what to do, for a person: "Add €1.50 to the cart (€20.00 in all)"
    proof: str  # how it was found: which dry runs, and what they answered
    runs: list[int]
    #: the goal's effects in that dry run, in words (what the change would give)
    gives: list[str] = field(default_factory=list)
    #: True when a run proved the change is the least that works (amounts)
    exact: bool = True


@dataclass
class Report:
    budget: int
    runs: list[Run] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: (goal, why nothing was tried for it)
    nothing_to_try: list[tuple[Goal, str]] = field(default_factory=list)
    #: (goal, what was tried without reaching it)
    not_found: list[tuple[Goal, str]] = field(default_factory=list)
    #: probes the budget left unsent, in words
    untried: list[str] = field(default_factory=list)
    stopped_by_budget: bool = False
    #: why the search ended early other than its budget (Talon.One unavailable, rate limited)
    stopped_by_error: str | None = None

    @property
    def used(self) -> int:
        return len(self.runs)

    def findings_for(self, goal: Goal) -> list[Finding]:
        return [f for f in self.findings if f.goal == goal]


# -- hints ----------------------------------------------------------------------------------


@dataclass
class Hints:
    """What a goal's failure details suggest trying (only where to look: a dry run decides)."""

    thresholds: list[Decimal] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    #: "category:shoes" / "sku:RUN-100" → the units a condition asks for ("needs 2")
    units: dict[str, int] = field(default_factory=dict)
    card: bool = False
    coupon: bool = False
    state: bool = False


@dataclass(frozen=True)
class Customer:
    """What the search may offer from the customer's own wallet (their inventory)."""

    cards: tuple[LoyaltyCard, ...] = ()
    coupons: tuple[Coupon, ...] = ()


def hints_from(details: Iterable[str], subtotal: Decimal) -> Hints:
    hints = Hints()
    for text in details:
        if not text:
            continue
        if _MONEY_WORDS.search(text):
            for number in _NUMBER.findall(text):
                value = cents(Decimal(number))
                if value > subtotal and value not in hints.thresholds:
                    hints.thresholds.append(value)
        needed = _NEEDS.search(text)
        for kind, found, known in (("category", _CATEGORY.findall(text), hints.categories),
                                   ("sku", _SKU.findall(text), hints.skus)):
            for value in found:
                if value not in known:
                    known.append(value)
                if needed:
                    hints.units[f"{kind}:{value}"] = int(needed.group(1))
        hints.card = hints.card or bool(_CARD.search(text))
        hints.coupon = hints.coupon or bool(_COUPON.search(text))
        hints.state = hints.state or bool(_STATE.search(text))
    return hints


# -- the search -----------------------------------------------------------------------------

Settle = Callable[["Search", Run, Outcome, list[Goal]], None]


@dataclass
class Probe:
    change: str  # the change in words: "add €1.50 to the cart (€20.00 in all)"
    scenario: Scenario
    goals: tuple[Goal, ...]
    #: what the dry run's answer means; by default a finding for each of ``goals`` it reached
    settle: Settle | None = None
    #: a follow-up (a proof, a halving step): sent before anything planned earlier
    urgent: bool = False
    #: what is known anyway when the budget stops the search before this probe is sent
    unsent: Callable[["Search"], None] | None = None


class Search:
    """Sends probes in order until every goal is reached, nothing is left to try, or the budget
    of dry runs is spent."""

    def __init__(self, baseline: Scenario, budget: int, *,
                 describe: Callable[[Outcome, Goal], list[str]] = lambda _outcome, _goal: [],
                 evaluate: Callable[[Scenario], Outcome] = Scenario.evaluate) -> None:
        self.baseline = baseline
        self.report = Report(budget=budget)
        self.queue: list[Probe] = []
        self.open: list[Goal] = []
        self._describe = describe
        self._evaluate = evaluate  # one dry run (tests count them)

    def add(self, probe: Probe) -> None:
        if probe.urgent:
            self.queue.insert(0, probe)
            return
        same = next((p for p in self.queue if p.settle is None and probe.settle is None
                     and p.change == probe.change and p.scenario == probe.scenario), None)
        if same is not None:  # one dry run answers for every goal that asks the same
            same.goals = (*same.goals, *(g for g in probe.goals if g not in same.goals))
        else:
            self.queue.append(probe)

    def find(self, goal: Goal, change: str, proof: str, runs: list[int], outcome: Outcome | None,
             *, exact: bool = True) -> None:
        gives = self._describe(outcome, goal) if outcome is not None else []
        self.report.findings.append(Finding(goal, change, proof, runs, gives, exact))
        if goal in self.open:
            self.open.remove(goal)

    def missed(self, goal: Goal, tried: str) -> None:
        """A probe for ``goal`` did not reach it (said when nothing else reaches it either)."""
        self.report.not_found.append((goal, tried))

    def run(self, goals: Iterable[Goal]) -> Report:
        self.open = list(dict.fromkeys(goals))
        while self.queue and self.open:
            probe = self.queue.pop(0)
            if not any(goal in self.open for goal in probe.goals):
                continue
            if self.report.used >= self.report.budget:
                self._stop_for_budget(probe)
                break
            self._send(probe)
            if self.report.stopped_by_error:
                break
        reached = {f.goal for f in self.report.findings}
        self.report.not_found = [(g, t) for g, t in self.report.not_found if g not in reached]
        return self.report

    def _send(self, probe: Probe) -> None:
        run = Run(self.report.used + 1, probe.change)
        self.report.runs.append(run)
        try:
            outcome = self._evaluate(probe.scenario)
        except (TalonRateLimited, TalonUnavailable) as error:
            run.error = self.report.stopped_by_error = read_message(error)
            return
        except TalonError as error:
            run.error = read_message(error)
            return
        run.reached = [goal for goal in self.open if goal.reached(outcome)]
        if probe.settle is not None:
            probe.settle(self, run, outcome, run.reached)
            return
        for goal in probe.goals:
            if goal in run.reached:
                self.find(goal, _sentence(probe.change), f"dry run {run.number}", [run.number],
                          outcome)
            elif goal in self.open:
                self.missed(goal, f"dry run {run.number} ({probe.change})")

    def _stop_for_budget(self, probe: Probe) -> None:
        self.report.stopped_by_budget = True
        left = [p for p in (probe, *self.queue) if any(g in self.open for g in p.goals)]
        self.report.untried = [p.change for p in left]
        for unsent in [p.unsent for p in left if p.unsent is not None]:
            unsent(self)


def _sentence(change: str) -> str:
    return change[:1].upper() + change[1:]


# -- amounts --------------------------------------------------------------------------------


def money_text(amount: Decimal) -> str:
    return money(float(amount))


def amount_item(amount: Decimal) -> CartItem:
    return CartItem(sku=PROBE_SKU, name="Any other item", quantity=1, price=float(amount))


def _adding(amount: Decimal, subtotal: Decimal) -> str:
    return f"add {money_text(amount)} to the cart ({money_text(subtotal + amount)} in all)"


def _amount_probe(search: Search, amount: Decimal, goals: tuple[Goal, ...], settle: Settle, *,
                  urgent: bool = False, unsent: Callable[[Search], None] | None = None) -> Probe:
    return Probe(_adding(amount, search.baseline.subtotal),
                 search.baseline.with_item(amount_item(amount)), goals, settle, urgent, unsent)


def plan_threshold(search: Search, goal: Goal, threshold: Decimal) -> None:
    """A hinted threshold: the exact difference (then one cent less, to prove it is the least);
    if it does not reach the goal, one cent more (a strict "more than")."""
    subtotal = search.baseline.subtotal
    delta = cents(threshold - subtotal)
    if delta <= 0:
        return

    def first(search: Search, run: Run, outcome: Outcome, reached: list[Goal]) -> None:
        if goal in reached:
            _prove_least(search, goal, delta, run, outcome)
            return
        search.missed(goal, f"dry run {run.number} ({run.change})")
        more = delta + CENT

        def second(search: Search, run2: Run, outcome2: Outcome, reached2: list[Goal]) -> None:
            if goal in reached2:
                total = subtotal + more
                search.find(goal, f"Add {money_text(more)} to the cart, to more than "
                                  f"{money_text(total - CENT)}",
                            f"dry run {run2.number} with {money_text(total)} in the cart reached "
                            f"it; dry run {run.number} with {money_text(total - CENT)} did not",
                            [run.number, run2.number], outcome2)
            else:
                search.missed(goal, f"dry run {run2.number} ({run2.change})")

        search.add(_amount_probe(search, more, (goal,), second, urgent=True))

    search.add(_amount_probe(search, delta, (goal,), first))


def _prove_least(search: Search, goal: Goal, amount: Decimal, worked: Run, outcome: Outcome) -> None:
    """``amount`` more reached the goal: one cent less shows whether it is the least."""
    total = search.baseline.subtotal + amount
    reached_it = f"dry run {worked.number} with {money_text(total)} in the cart reached it"
    if amount <= CENT:
        search.find(goal, f"Add {money_text(amount)} to the cart", reached_it, [worked.number], outcome)
        return

    def settle(search: Search, run: Run, _less: Outcome, reached: list[Goal]) -> None:
        if goal in reached:
            search.find(goal, f"Add at most {money_text(amount)} to the cart",
                        f"{reached_it}, and so did dry run {run.number} with one cent less: less "
                        "may do", [worked.number, run.number], outcome, exact=False)
        else:
            search.find(goal, f"Add {money_text(amount)} to the cart, to reach {money_text(total)}",
                        f"{reached_it}; dry run {run.number} with {money_text(total - CENT)} did "
                        "not", [worked.number, run.number], outcome)

    def unsent(search: Search) -> None:
        search.find(goal, f"Add at most {money_text(amount)} to the cart",
                    f"{reached_it}; the budget stopped the search before trying one cent less",
                    [worked.number], outcome, exact=False)

    search.add(_amount_probe(search, amount - CENT, (goal,), settle, urgent=True, unsent=unsent))


def plan_open_amount(search: Search, goals: list[Goal]) -> None:
    """No threshold hinted: one dry run with much more money shows whether money matters at all;
    halving the difference then narrows it down while the budget lasts."""
    if not goals:
        return
    subtotal = search.baseline.subtotal
    high = cents(max(OPEN_AMOUNT, subtotal))

    def first(search: Search, run: Run, outcome: Outcome, reached: list[Goal]) -> None:
        hits = [g for g in goals if g in reached]
        for goal in goals:
            if goal not in hits:
                search.missed(goal, f"dry run {run.number} ({run.change})")
        if hits:
            _bisect(search, hits[0], Decimal(0), high, None, run, outcome)

    search.add(_amount_probe(search, high, tuple(goals), first))


def _bisect(search: Search, goal: Goal, low: Decimal, high: Decimal, low_run: Run | None,
            high_run: Run, high_outcome: Outcome) -> None:
    """``low`` more does not reach the goal (0: the explanation's own dry run), ``high`` does."""
    subtotal = search.baseline.subtotal
    missed = (f"dry run {low_run.number} with {money_text(subtotal + low)} did not" if low_run
              else "the cart as it is did not")
    reached_it = f"dry run {high_run.number} with {money_text(subtotal + high)} in the cart reached it"
    runs = [r.number for r in (low_run, high_run) if r is not None]
    if high - low <= CENT:
        search.find(goal, f"Add {money_text(high)} to the cart, to reach {money_text(subtotal + high)}",
                    f"{reached_it}; {missed}", runs, high_outcome)
        return
    middle = cents((low + high) / 2, rounding=ROUND_HALF_UP)

    def settle(search: Search, run: Run, outcome: Outcome, reached: list[Goal]) -> None:
        if goal in reached:
            _bisect(search, goal, low, middle, low_run, run, outcome)
        else:
            _bisect(search, goal, middle, high, run, high_run, high_outcome)

    def unsent(search: Search) -> None:
        search.find(goal, f"Add more than {money_text(low)} and at most {money_text(high)} to the "
                          "cart", f"{reached_it}; {missed}; the budget stopped the search before "
                          "narrowing it down further", runs, high_outcome, exact=False)

    search.add(_amount_probe(search, middle, (goal,), settle, urgent=True, unsent=unsent))


# -- items, cards, codes, customers, times ------------------------------------------------------


def plan_item(search: Search, goal: Goal, *, category: str | None = None, sku: str | None = None,
              units: int | None = None) -> None:
    """Add what a failed condition names: units of a category or a SKU, at one cent each."""
    present = sum(item.quantity for item in search.baseline.cart_items
                  if (category is not None and item.category == category)
                  or (sku is not None and item.sku == sku))
    more = max(1, (units or 0) - present)
    what = f"of category {category}" if category is not None else f"with SKU {sku}"
    item = CartItem(sku=sku or PROBE_SKU, name=f"Any item {what}", quantity=more,
                    price=float(PROBE_ITEM_PRICE), category=category)
    noun = "an item" if more == 1 else f"{more} items"
    search.add(Probe(f"add {noun} {what} (at {money_text(PROBE_ITEM_PRICE)} each, so that the "
                     "amount does not count)", search.baseline.with_item(item), (goal,)))


def plan_closing(search: Search, goal: Goal) -> None:
    """An open session evaluated as closed: what placing the order would give."""
    search.add(Probe("the same session when it closes (the order is placed)",
                     search.baseline.but(state="closed"), (goal,)))


def plan_card(search: Search, goal: Goal, cards: Iterable[LoyaltyCard]) -> None:
    """The customer's own card, if the session has none of theirs."""
    held = set(search.baseline.loyalty_cards)
    usable = [c for c in cards if c.identifier not in held and c.status == "active"
              and not c.block_reason]
    if usable:
        card = usable[0]
        search.add(Probe(f"scan the customer's loyalty card {card.identifier}",
                         search.baseline.but(loyalty_cards=(*search.baseline.loyalty_cards,
                                                            card.identifier)), (goal,)))


def plan_own_coupon(search: Search, goal: Goal, coupons: Iterable[Coupon]) -> None:
    """A code the customer holds (reserved or issued to them) of the goal's campaign."""
    held = set(search.baseline.coupon_codes)
    mine = [c for c in coupons if c.campaign_id == goal.campaign_id and c.value not in held
            and c.uses_left != 0]
    if mine:
        code = mine[0].value
        search.add(Probe(f"use the customer's own code {code}",
                         search.baseline.but(coupon_codes=(*search.baseline.coupon_codes, code)),
                         (goal,)))


def _reporting(goal: Goal, change: str, proof: str) -> Settle:
    """A finding (``change``, proven by "dry run N ``proof``") when the goal was reached."""
    def settle(search: Search, run: Run, outcome: Outcome, reached: list[Goal]) -> None:
        if goal in reached:
            search.find(goal, change, f"dry run {run.number} {proof}", [run.number], outcome)
        else:
            search.missed(goal, f"dry run {run.number} ({run.change})")
    return settle


def plan_other_customer(search: Search, goal: Goal, profile_ids: Iterable[str], why: str) -> None:
    """The same session for the customers who hold the code (``why``: "who reserved it")."""
    for profile_id in [p for p in profile_ids if p != search.baseline.profile_id][:PROFILES_TRIED]:
        search.add(Probe(f"the same cart for {profile_id}, {why}",
                         search.baseline.but(profile_id=profile_id), (goal,),
                         _reporting(goal, f"This code works for {profile_id}, {why}",
                                    f"evaluated the same cart for {profile_id} and accepted the code")))


def plan_later(search: Search, goal: Goal, moment, what: str) -> None:
    """A dry run at a later time (``now``), for a code or campaign that starts then."""
    later = moment + timedelta(minutes=1)
    search.add(Probe(f"the same session on {day(later)}, when {what}",
                     search.baseline.but(now=later), (goal,),
                     _reporting(goal, f"It will work from {day(later)}, when {what}",
                                "evaluated the same session at that time and reached it")))


def plan_enabled(search: Search, goal: Goal, campaign_id: int, name: str) -> None:
    """A disabled campaign evaluated anyway (``evaluableCampaignIds``: dry runs only)."""
    search.add(Probe(f"the same session with “{name}” evaluated although it is disabled",
                     search.baseline.but(evaluable_campaign_ids=(campaign_id,)), (goal,),
                     _reporting(goal, f"It would work if “{name}” were enabled",
                                "evaluated the campaign although it is disabled "
                                "(evaluableCampaignIds) and reached it")))


def plan_spelling(search: Search, goal: Goal, kind: str) -> None:
    """A code not found, written in capitals, when that differs (some Applications match codes
    case-sensitively)."""
    written = goal.key.upper()
    if written == goal.key:
        return
    if kind == "coupon":
        codes = tuple(written if c == goal.key else c for c in search.baseline.coupon_codes)
        scenario = search.baseline.but(coupon_codes=codes)
    else:
        scenario = search.baseline.but(referral_code=written)
    respelled = Goal(goal.kind, written, goal.campaign_id, goal.label)

    def settle(search: Search, run: Run, outcome: Outcome, _reached: list[Goal]) -> None:
        if respelled.reached(outcome):
            search.find(goal, f"Type it in capitals: {written}",
                        f"dry run {run.number} with {written} accepted it", [run.number], outcome)
        else:
            search.missed(goal, f"dry run {run.number} ({run.change})")

    search.add(Probe(f"the code written {written}", scenario, (goal,), settle))
