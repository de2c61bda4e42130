"""What the session page shows, built from Talon.One's answers: the cart, totals, effects by
campaign, the actions on offer, the events timeline and the return history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ..formatting import effect_wording, event_title
from .. import changes
from ..models import IdempotencyRecord
from ..talon.effects import EffectLine, EffectWording
from ..talon.errors import TalonError
from ..talon.models import CartItem, Event, IntegrationState, build
from .comparison import totals_of
from .effect_view import describe, effect_from_wire, effect_wire, group_by_campaign
from .state_machine import offered

def wording_for(cart_items: Sequence[CartItem], campaign_names: Any = None) -> EffectWording:
    names = campaign_names if isinstance(campaign_names, dict) else None
    return effect_wording(cart_items=cart_items, campaign_names=names)


@dataclass
class EventRow:
    event: Event
    title: str
    lines: list[EffectLine]
    returned: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_return(self) -> bool:
        return bool(self.returned)


def returned_items(event: Event, cart: Sequence[CartItem]) -> list[dict[str, Any]]:
    """The items a return event names, with their names from the cart."""
    rows = (event.attributes or {}).get("returnedCartItems") if isinstance(event.attributes, dict) else None
    items = []
    for row in rows or ():
        if not isinstance(row, dict):
            continue
        position = row.get("position")
        name = row.get("sku") or ""
        if isinstance(position, (int, float)) and 0 <= int(position) < len(cart):
            name = cart[int(position)].label
        items.append({"position": position, "quantity": row.get("quantity"), "name": name,
                      "sku": row.get("sku")})
    return items


def event_rows(events: Iterable[Event], wording: EffectWording, cart: Sequence[CartItem]) -> list[EventRow]:
    return [EventRow(e, event_title(e.type), wording.describe_all(e.effects), returned_items(e, cart))
            for e in events]


def page_context(session_id: str, results: dict[str, Any], user: Any) -> dict[str, Any]:
    details = results.get("details")
    events = results.get("events")
    names = results.get("campaigns")
    state = details if isinstance(details, IntegrationState) else None
    session = state.session if state else None
    cart = session.cart_items if session else ()
    wording = wording_for(cart, names)
    context: dict[str, Any] = {
        "session_id": session_id,
        "state": state,
        "session": session,
        "details_error": details if isinstance(details, TalonError) else None,
        "events_error": events if isinstance(events, TalonError) else None,
        "events": None,
        "returns": [],
    }
    if session is not None:
        context.update(
            groups=group_by_campaign(state.effects, wording),
            raw_effects=[effect_wire(e) for e in state.effects],
            totals=totals_of(session, cart, state.effects),
            actions=offered(session.state, session.store_integration_id, user),
        )
    if events is not None and not isinstance(events, TalonError):
        rows = event_rows(events.items, wording, cart)
        context.update(events=rows, returns=[r for r in rows if r.is_return],
                       more_events=events.has_more)
    return context


# -- stored results of returns, reopens and cancels -------------------------------------------

RESULT_KINDS = ("return", "reopen", "cancel")


def scope_for(kind: str, session_id: str) -> str:
    """Where the form of a return, reopen or cancel of this session is claimed (app.changes)."""
    return f"session-{kind}:{session_id}"[:255]


def find_result(session_id: str, key: str) -> IdempotencyRecord | None:
    """The stored result of a return, reopen or cancel of this session, for the result page."""
    return changes.find((scope_for(kind, session_id) for kind in RESULT_KINDS), key)


def cart_snapshot(items: Sequence[CartItem]) -> list[dict[str, Any]]:
    """The cart as stored with a result (what the result page needs, JSON-safe)."""
    return [{"position": i.position, "sku": i.sku, "name": i.name, "quantity": i.quantity,
             "returnedQuantity": i.returned_quantity, "remainingQuantity": i.remaining_quantity,
             "price": i.price} for i in items]


@dataclass
class StoredResult:
    kind: str
    status: str
    data: dict[str, Any]
    cart: list[CartItem]
    effect_rows: list

    @property
    def session_state(self) -> str | None:
        return self.data.get("session_state")


def stored_result(record: IdempotencyRecord) -> StoredResult:
    data = dict(record.response or {})
    cart = [build(CartItem, row) for row in data.get("cart") or () if isinstance(row, dict)]
    effects = [effect_from_wire(e) for e in data.get("effects") or () if isinstance(e, dict)]
    rows = describe(effects, wording_for(cart))
    kind = data.get("kind") or record.scope.split(":", 1)[0].removeprefix("session-")
    return StoredResult(kind=kind, status=data.get("status", ""), data=data, cart=cart, effect_rows=rows)
