"""Before and after a dry run: totals side by side, and each effect marked as added, removed,
changed or unchanged (in words, so the difference never relies on colour alone)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from ..talon.effects import EffectWording
from ..talon.models import CartItem, Effect, Session
from .effect_view import DISCOUNT_TYPES, EffectRow, amount, effect_wire

# Props that differ on every evaluation without meaning anything to an agent (a new transaction
# ID, dates computed from "now").
VOLATILE_PROPS = frozenset({"transactionUUID", "startDate", "expiryDate", "id"})
# Props that tell two effects of the same rule apart (which item, which code, which card).
# A flattened cart's per-item effects come once per unit: the sub-position is part of the subject.
SUBJECT_PROPS = ("position", "subPosition", "cartItemPosition", "cartItemSubPosition", "value_code",
                 "cardIdentifier", "sku", "couponValue", "achievementId", "audienceId", "path")
CODE_EFFECTS = frozenset({"acceptCoupon", "rejectCoupon", "rollbackCoupon", "couponCreated",
                          "acceptReferral", "rejectReferral", "redeemReferral", "rollbackReferral"})

ADDED, REMOVED, CHANGED, SAME = "added", "removed", "changed", "unchanged"


@dataclass(frozen=True)
class Totals:
    items: float
    additional_costs: float
    discounts: float
    points_earned: float
    item_count: int

    @property
    def to_pay(self) -> float:
        return round(self.items + self.additional_costs - self.discounts, 2)


def cart_value(items: Iterable[CartItem]) -> float:
    return round(sum((i.price or 0.0) * i.quantity for i in items), 2)


def totals_of(session: Session | None, items: Sequence[CartItem], effects: Sequence[Effect]) -> Totals:
    item_total = session.cart_item_total if session and session.cart_item_total is not None else None
    return Totals(
        items=round(item_total if item_total is not None else cart_value(items), 2),
        additional_costs=round((session.additional_cost_total or 0.0) if session else 0.0, 2),
        discounts=amount(effects, *DISCOUNT_TYPES),
        points_earned=amount(effects, "addLoyaltyPoints"),
        item_count=sum(i.quantity for i in items),
    )


@dataclass(frozen=True)
class TotalLine:
    label: str
    before: float
    after: float
    is_money: bool = True

    @property
    def status(self) -> str:
        return SAME if round(self.before - self.after, 2) == 0 else CHANGED

    @property
    def delta(self) -> float:
        return round(self.after - self.before, 2)


def compare_totals(before: Totals, after: Totals) -> list[TotalLine]:
    return [
        TotalLine("Items", before.item_count, after.item_count, is_money=False),
        TotalLine("Cart value", before.items, after.items),
        TotalLine("Additional costs", before.additional_costs, after.additional_costs),
        TotalLine("Discounts", before.discounts, after.discounts),
        TotalLine("To pay", before.to_pay, after.to_pay),
        TotalLine("Loyalty points earned", before.points_earned, after.points_earned, is_money=False),
    ]


@dataclass(frozen=True)
class EffectChange:
    status: str
    before: EffectRow | None
    after: EffectRow | None
    changed_props: tuple[str, ...] = ()

    @property
    def campaign(self) -> str | None:
        row = self.after or self.before
        return row.line.campaign if row else None


def _identity(effect: Effect) -> tuple:
    props = effect.props if isinstance(effect.props, dict) else {}
    subject = []
    for key in SUBJECT_PROPS:
        if key == "value_code":
            if effect.effect_type in CODE_EFFECTS:
                subject.append(props.get("value"))
            continue
        subject.append(props.get(key))
    return (effect.campaign_id, effect.rule_index, effect.effect_type, tuple(map(str, subject)))


def _meaningful(effect: Effect) -> dict[str, Any]:
    props = effect.props if isinstance(effect.props, dict) else {}
    return {k: v for k, v in props.items() if k not in VOLATILE_PROPS}


def compare_effects(before: Sequence[Effect], after: Sequence[Effect],
                    wording_before: EffectWording, wording_after: EffectWording) -> list[EffectChange]:
    """Pair effects by rule and subject; the rest were added or removed. The list keeps the
    after-order, with removed effects at the end."""
    waiting: dict[tuple, list[Effect]] = {}
    for effect in before:
        waiting.setdefault(_identity(effect), []).append(effect)
    changes: list[EffectChange] = []
    for effect in after:
        after_row = EffectRow(wording_after.describe(effect), effect_wire(effect))
        candidates = waiting.get(_identity(effect))
        if not candidates:
            changes.append(EffectChange(ADDED, None, after_row))
            continue
        old = candidates.pop(0)
        before_row = EffectRow(wording_before.describe(old), effect_wire(old))
        old_props, new_props = _meaningful(old), _meaningful(effect)
        differing = tuple(sorted(k for k in set(old_props) | set(new_props)
                                 if old_props.get(k) != new_props.get(k)))
        changes.append(EffectChange(CHANGED if differing else SAME, before_row, after_row, differing))
    for leftovers in waiting.values():
        for old in leftovers:
            changes.append(EffectChange(REMOVED, EffectRow(wording_before.describe(old), effect_wire(old)), None))
    return changes


def summary_counts(changes: Iterable[EffectChange]) -> dict[str, int]:
    counts = {ADDED: 0, REMOVED: 0, CHANGED: 0, SAME: 0}
    for change in changes:
        counts[change.status] += 1
    return counts
