"""The "what would change the outcome" search: it never sends more dry runs than its budget,
says when the budget stopped it, and reports only what a dry run showed.

These tests give the search a stand-in for Talon.One (a function from the evaluated session to
an answer) and count the dry runs it sends; tests/explain/test_why_not.py runs it against the
sandbox."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.explain import search as probes
from app.explain.scenario import Outcome, Scenario
from app.explain.search import Goal, Search
from app.talon.errors import TalonBadRequest, TalonUnavailable
from app.talon.models import Campaign, CartItem, IntegrationState
from tests.web.helpers import offline_app_config  # noqa: F401  (fixture)

WELCOME = Goal("campaign", "1", 1, "“Welcome discount” applies")
POINTS = Goal("campaign", "10", 10, "“Members points” applies")
CART = (CartItem(sku="SOCK-001", quantity=2, price=9.25),)  # 18.50


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():  # money and dates are worded in the console's locale
        yield


class StandIn:
    """Talon.One as the tests need it: campaign 1 applies from ``threshold`` of subtotal,
    campaign 10 when the session is closed. Counts the dry runs."""

    def __init__(self, threshold: str = "20.00", *, fail: dict[int, Exception] | None = None):
        self.threshold = Decimal(threshold)
        self.sent: list[Scenario] = []
        self.fail = fail or {}

    def __call__(self, scenario: Scenario) -> Outcome:
        self.sent.append(scenario)
        if len(self.sent) in self.fail:
            raise self.fail[len(self.sent)]
        triggered = []
        if scenario.subtotal >= self.threshold:
            triggered.append(Campaign(id=1, name="Welcome discount"))
        if scenario.state == "closed":
            triggered.append(Campaign(id=10, name="Members points"))
        return Outcome.of(IntegrationState(triggered_campaigns=tuple(triggered)))


def search_with(stand_in: StandIn, budget: int) -> Search:
    return Search(Scenario(profile_id="cust-0100", cart_items=CART), budget, evaluate=stand_in)


def test_a_hinted_threshold_is_proven_the_least_by_one_cent_less():
    stand_in = StandIn("20.00")
    search = search_with(stand_in, budget=8)
    probes.plan_threshold(search, WELCOME, Decimal("20.00"))
    report = search.run([WELCOME])

    assert len(stand_in.sent) == report.used == 2
    assert [s.subtotal for s in stand_in.sent] == [Decimal("20.00"), Decimal("19.99")]
    (finding,) = report.findings
    assert finding.exact and finding.runs == [1, 2]
    assert finding.change == "Add €1.50 to the cart, to reach €20.00"
    assert finding.proof == ("dry run 1 with €20.00 in the cart reached it; dry run 2 with €19.99 "
                             "did not")
    assert not report.stopped_by_budget


def test_a_strict_threshold_takes_one_cent_more():
    stand_in = StandIn("20.01")  # "more than 20.00"
    search = search_with(stand_in, budget=8)
    probes.plan_threshold(search, WELCOME, Decimal("20.00"))
    report = search.run([WELCOME])
    assert [s.subtotal for s in stand_in.sent] == [Decimal("20.00"), Decimal("20.01")]
    assert report.findings[0].change == "Add €1.51 to the cart, to more than €20.00"


def test_the_budget_stops_the_proof_and_says_so():
    stand_in = StandIn("20.00")
    search = search_with(stand_in, budget=1)
    probes.plan_threshold(search, WELCOME, Decimal("20.00"))
    report = search.run([WELCOME])

    assert len(stand_in.sent) == 1
    assert report.stopped_by_budget
    assert report.untried == ["add €1.49 to the cart (€19.99 in all)"]
    (finding,) = report.findings
    assert not finding.exact
    assert finding.change == "Add at most €1.50 to the cart"
    assert "the budget stopped the search before trying one cent less" in finding.proof


def test_without_a_hint_the_amount_is_halved_down_to_the_cent_within_the_budget():
    stand_in = StandIn("57.31")  # 38.81 more than the cart
    search = search_with(stand_in, budget=20)
    probes.plan_open_amount(search, [WELCOME])
    report = search.run([WELCOME])

    assert report.used == len(stand_in.sent) <= 20
    (finding,) = report.findings
    assert finding.exact
    assert finding.change == "Add €38.81 to the cart, to reach €57.31"
    assert not report.stopped_by_budget


@pytest.mark.parametrize("budget", [0, 1, 2, 3, 5, 8])
def test_the_open_search_never_sends_more_than_its_budget(budget):
    stand_in = StandIn("57.31")
    search = search_with(stand_in, budget=budget)
    probes.plan_open_amount(search, [WELCOME])
    report = search.run([WELCOME])

    assert len(stand_in.sent) == report.used == budget
    assert report.stopped_by_budget
    assert report.untried, "it names what it did not try"
    if budget == 0:
        assert report.findings == []
        return
    (finding,) = report.findings
    assert not finding.exact
    # the bracket it reports is what the dry runs showed: the threshold lies inside it
    low, high = [Decimal(part.split("€")[1].split(" ")[0]) for part in
                 finding.change.removeprefix("Add more than ").split(" and at most ")]
    assert low < Decimal("38.81") <= high


def test_money_that_does_not_help_is_said_not_to():
    stand_in = StandIn("1000000")
    search = search_with(stand_in, budget=8)
    probes.plan_open_amount(search, [WELCOME])
    report = search.run([WELCOME])
    assert report.used == 1 and report.findings == []
    assert report.not_found == [(WELCOME, "dry run 1 (add €100.00 to the cart (€118.50 in all))")]


def test_one_dry_run_answers_every_goal_that_asks_the_same():
    stand_in = StandIn("1000000")
    search = search_with(stand_in, budget=8)
    probes.plan_closing(search, POINTS)
    probes.plan_closing(search, Goal("campaign", "7", 7, "“Three purchases” applies"))
    report = search.run([POINTS, Goal("campaign", "7", 7, "“Three purchases” applies")])
    assert len(stand_in.sent) == 1
    assert [f.goal for f in report.findings] == [POINTS]
    assert [g for g, _tried in report.not_found] == [Goal("campaign", "7", 7, "“Three purchases” applies")]


def test_once_every_goal_is_reached_nothing_more_is_sent():
    stand_in = StandIn("20.00")
    search = search_with(stand_in, budget=8)
    probes.plan_closing(search, POINTS)
    probes.plan_open_amount(search, [POINTS])
    report = search.run([POINTS])
    assert len(stand_in.sent) == 1 and not report.stopped_by_budget and report.untried == []


def test_a_refused_dry_run_counts_and_the_search_goes_on():
    stand_in = StandIn("20.00", fail={1: TalonBadRequest("refused", status=400)})
    search = search_with(stand_in, budget=8)
    probes.plan_closing(search, POINTS)
    probes.plan_threshold(search, WELCOME, Decimal("20.00"))
    report = search.run([POINTS, WELCOME])
    assert report.runs[0].error and report.used == 3
    assert [f.goal for f in report.findings] == [WELCOME]


def test_an_unavailable_talon_one_ends_the_search_and_says_why():
    stand_in = StandIn("20.00", fail={1: TalonUnavailable("down", status=503)})
    search = search_with(stand_in, budget=8)
    probes.plan_closing(search, POINTS)
    probes.plan_threshold(search, WELCOME, Decimal("20.00"))
    report = search.run([POINTS, WELCOME])
    assert report.used == 1 and report.stopped_by_error and report.findings == []


@pytest.mark.parametrize("details,thresholds,categories,skus", [
    (["cart subtotal 18.50 is not >= 20.00"], [Decimal("20.00")], [], []),
    (["cart has 0 of category shoes, needs 2"], [], ["shoes"], []),
    (["cart has 1 of SKU RUN-100, needs 1"], [], [], ["RUN-100"]),
    (["profile has 150 closed sessions"], [], [], []),  # a number, but not an amount
    ([""], [], [], []),
])
def test_hints_are_read_only_where_the_details_name_them(details, thresholds, categories, skus):
    hints = probes.hints_from(details, Decimal("18.50"))
    assert (hints.thresholds, hints.categories, hints.skus) == (thresholds, categories, skus)


def test_an_item_probe_adds_only_what_is_missing_at_one_cent():
    stand_in = StandIn()
    search = Search(Scenario(profile_id="c", cart_items=(CartItem(sku="RUN-100", quantity=1, price=89.9,
                                                                  category="shoes"),)), 8,
                    evaluate=stand_in)
    probes.plan_item(search, WELCOME, category="shoes", units=3)
    (probe,) = search.queue
    added = probe.scenario.cart_items[-1]
    assert (added.category, added.quantity, added.price) == ("shoes", 2, 0.01)
    assert probe.change.startswith("add 2 items of category shoes")


@pytest.mark.parametrize("price, quantity", [(1e308, 10**18), (9.99e27, 3), (1e-320, 1)])
def test_a_cart_beyond_the_decimal_context_is_searched_without_failing(price, quantity):
    """The spec bounds neither a price nor a quantity (the contract fuzz found a 500 here)."""
    huge = Scenario(profile_id="c", cart_items=(CartItem(sku="X", quantity=quantity, price=price),))
    assert huge.subtotal == Decimal(str(price)) * quantity or huge.subtotal.as_tuple().exponent == -2
    stand_in = StandIn("20.00")
    search = Search(huge, 4, evaluate=stand_in)
    probes.plan_threshold(search, WELCOME, Decimal("20.00"))
    probes.plan_open_amount(search, [POINTS])
    report = search.run([WELCOME, POINTS])
    assert report.used == len(stand_in.sent) <= 4
