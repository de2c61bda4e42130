"""The balance chart's geometry (app/loyalty/chart.py): pure, no app needed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from app.loyalty.chart import build_chart, nice_step
from app.talon.models import Transaction

START = datetime(2025, 3, 1, 12, tzinfo=timezone.utc)


def tx(day: int, amount: float, kind: str = "addition", subledger: str = "", n: int = 0) -> Transaction:
    return Transaction(id=day * 10 + n, created=START + timedelta(days=day), amount=amount, type=kind,
                       subledger_id=subledger, name=f"t{day}")


def test_running_net_of_additions_and_subtractions():
    chart = build_chart([tx(2, 30, "subtraction"), tx(0, 100), tx(5, 20)], now=START + timedelta(days=10))
    (series,) = chart.series
    assert [p.balance for p in series.points] == [100, 70, 90]
    assert [p.change for p in series.points] == [100, -30, 20]
    assert series.label == "main ledger" and series.dash == "" and series.marker == "circle"
    xs = [p.x for p in series.points]
    assert xs == sorted(xs) and xs[0] == chart.left
    assert series.end_x == chart.plot_right, "the line runs on to now"
    assert series.path.startswith(f"M{chart.left:.1f},") and series.path.endswith(f"H{chart.plot_right:.1f}")


def test_higher_balances_are_drawn_higher_and_zero_is_on_the_axis():
    chart = build_chart([tx(0, 50), tx(1, 100)], now=START + timedelta(days=2))
    low, high = chart.series[0].points
    assert high.y < low.y
    assert chart.zero_y == chart.plot_bottom
    assert chart.y_ticks[0].label == "0" and chart.y_ticks[-1].label == "150"


def test_negative_balances_extend_the_axis_below_zero():
    chart = build_chart([tx(0, 10), tx(1, 40, "subtraction")], now=START + timedelta(days=2))
    assert chart.series[0].points[-1].balance == -30
    assert chart.y_ticks[0].label.startswith("-")
    assert chart.top < chart.zero_y < chart.plot_bottom


def test_each_subledger_is_its_own_line_told_apart_without_colour():
    chart = build_chart([tx(0, 10), tx(1, 5, subledger="vip"), tx(2, 7, subledger="beta")])
    labels = [s.label for s in chart.series]
    assert labels == ["main ledger", "beta", "vip"]
    assert len({(s.dash, s.marker) for s in chart.series}) == 3
    assert "main ledger: 1 transactions" in chart.summary


def test_no_transactions_is_an_empty_chart():
    chart = build_chart([])
    assert chart.empty and chart.summary == "No transactions."


def test_transactions_without_a_time_are_skipped():
    chart = build_chart([Transaction(amount=5, type="addition"), tx(0, 1)])
    assert len(chart.series[0].points) == 1


def test_nice_steps():
    assert nice_step(100) == 20
    assert nice_step(7) == 2
    assert nice_step(0) == 1
