"""The balance-over-time chart: geometry for an inline SVG, computed on the server from the
transactions (no chart library, no script).

The line is the running net of the transactions (additions minus subtractions), one line per
subledger. Lines differ by dash pattern and marker shape as well as by label, so the chart reads
without colour; the template also offers the same points as a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable

from ..talon import effects
from ..talon.models import Transaction

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 44  # margins for the axis labels
MAIN_LEDGER = "main ledger"
# (stroke-dasharray, marker) per series, in order: distinguishable in greyscale.
STYLES = (("", "circle"), ("8 4", "square"), ("2 3", "triangle"), ("12 3 2 3", "diamond"))


@dataclass(frozen=True)
class ChartPoint:
    when: datetime
    change: float
    balance: float
    name: str
    session: str | None
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Series:
    label: str
    points: tuple[ChartPoint, ...]
    dash: str
    marker: str
    end_x: float = 0.0  # where the line stops: now

    @property
    def path(self) -> str:
        """A step line: the balance holds until the next transaction, the last one until now."""
        if not self.points:
            return ""
        first = self.points[0]
        parts = [f"M{first.x:.1f},{first.y:.1f}"]
        for point in self.points[1:]:
            parts.append(f"H{point.x:.1f}V{point.y:.1f}")
        parts.append(f"H{self.end_x:.1f}")
        return " ".join(parts)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass
class BalanceChart:
    series: list[Series] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    zero_y: float | None = None
    truncated: bool = False
    #: the locale its numbers are written for (app.talon.effects.points)
    locale: str = "en"
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)

    def number(self, value: float) -> str:
        return effects.points(value, self.locale)

    @property
    def summary(self) -> str:
        """The chart in one sentence, for the SVG's <desc>."""
        parts = []
        for s in self.series:
            if not s.points:
                continue
            low = min(p.balance for p in s.points)
            high = max(p.balance for p in s.points)
            parts.append(
                f"{s.label}: {len(s.points)} transactions from {s.points[0].when:%Y-%m-%d} to "
                f"{s.points[-1].when:%Y-%m-%d}, lowest {self.number(low)}, "
                f"highest {self.number(high)}, now {self.number(s.points[-1].balance)} points")
        return "; ".join(parts) or "No transactions."


def _signed(transaction: Transaction) -> float:
    amount = float(transaction.amount or 0)
    return -abs(amount) if (transaction.type or "").lower() == "subtraction" else amount


def _aware(moment: datetime) -> datetime:
    """In UTC, the zone the chart's axis and table are labelled in."""
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def nice_step(span: float, target_ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about target_ticks ticks."""
    if span <= 0:
        return 1.0
    raw = span / target_ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def build_chart(transactions: Iterable[Transaction], *, truncated: bool = False,
                now: datetime | None = None, locale: str = "en") -> BalanceChart:
    """The chart of these transactions (any order; those without a time are skipped), its
    numbers written for ``locale``."""
    chart = BalanceChart(truncated=truncated, locale=str(locale))
    by_ledger: dict[str, list[Transaction]] = {}
    for t in transactions:
        if t.created is None:
            continue
        by_ledger.setdefault(t.subledger_id or "", []).append(t)
    if not by_ledger:
        return chart

    raw_series: list[tuple[str, list[ChartPoint]]] = []
    for ledger in sorted(by_ledger, key=lambda name: (name != "", name)):
        rows = sorted(by_ledger[ledger], key=lambda t: (_aware(t.created), t.id or 0))
        balance, points = 0.0, []
        for t in rows:
            change = _signed(t)
            balance += change
            points.append(ChartPoint(_aware(t.created), change, round(balance, 2), t.name,
                                     t.customer_session_id))
        raw_series.append((ledger or MAIN_LEDGER, points))

    everything = [p for _, points in raw_series for p in points]
    start = min(p.when for p in everything)
    end = max(max(p.when for p in everything), _aware(now or datetime.now(timezone.utc)))
    low = min(0.0, min(p.balance for p in everything))
    high = max(0.0, max(p.balance for p in everything))
    step = nice_step(high - low)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    if high == low:
        high = low + step
    seconds = max((end - start).total_seconds(), 1.0)

    def x_of(moment: datetime) -> float:
        return chart.left + (moment - start).total_seconds() / seconds * (chart.plot_right - chart.left)

    def y_of(value: float) -> float:
        return chart.plot_bottom - (value - low) / (high - low) * (chart.plot_bottom - chart.top)

    for index, (label, points) in enumerate(raw_series):
        dash, marker = STYLES[index % len(STYLES)]
        placed = tuple(ChartPoint(p.when, p.change, p.balance, p.name, p.session,
                                  x_of(p.when), y_of(p.balance)) for p in points)
        chart.series.append(Series(label, placed, dash, marker, x_of(end)))

    value = low
    while value <= high + step / 2:
        chart.y_ticks.append(Tick(y_of(value), chart.number(value)))
        value += step
    chart.zero_y = y_of(0.0)
    for i in range(5):
        moment = start + (end - start) * (i / 4)
        chart.x_ticks.append(Tick(x_of(moment), f"{moment:%Y-%m-%d}"))
    return chart
