"""Effects for people: grouped by campaign, each in words (app.talon.effects), with the raw
JSON kept alongside for the <details> one click away."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from ..talon.effects import EffectLine, EffectWording
from ..talon.models import Effect, as_wire, build

DISCOUNT_TYPES = ("setDiscount", "setDiscountPerItem", "setDiscountPerAdditionalCost",
                  "setDiscountPerAdditionalCostPerItem")


def effect_wire(effect: Effect) -> dict[str, Any]:
    """The effect as Talon.One sent it (known fields under their wire names, plus extras)."""
    return as_wire(effect)


def effect_from_wire(data: dict[str, Any]) -> Effect:
    return build(Effect, data)


@dataclass(frozen=True)
class EffectRow:
    line: EffectLine
    raw: dict[str, Any]


@dataclass
class CampaignGroup:
    campaign_id: int | None
    title: str
    rows: list[EffectRow] = field(default_factory=list)


def describe(effects: Iterable[Effect], wording: EffectWording) -> list[EffectRow]:
    return [EffectRow(wording.describe(e), effect_wire(e)) for e in effects]


def group_by_campaign(effects: Iterable[Effect], wording: EffectWording) -> list[CampaignGroup]:
    """Campaigns in ID order, effects without a campaign last. Talon.One does not guarantee the
    order of effects, so the page imposes one."""
    groups: dict[int | None, CampaignGroup] = {}
    for effect in effects:
        group = groups.get(effect.campaign_id)
        if group is None:
            title = wording.campaign(effect) or "Not tied to a campaign"
            group = groups[effect.campaign_id] = CampaignGroup(effect.campaign_id, title)
        group.rows.append(EffectRow(wording.describe(effect), effect_wire(effect)))
    return sorted(groups.values(), key=lambda g: (g.campaign_id is None, g.campaign_id or 0))


def amount(effects: Iterable[Effect], *types: str) -> float:
    """The sum of the ``value`` prop of effects of these types."""
    total = 0.0
    for effect in effects:
        if effect.effect_type in types:
            try:
                total += float(effect.prop("value") or 0)
            except (TypeError, ValueError):
                continue
    return round(total, 2)
