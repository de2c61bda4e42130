"""Customer sessions: the update state machine, closing, cancelling and reopening.

States and the only legal moves (DESIGN.md section 5, the spec's NewCustomerSessionV2.state):
    new     -> open | closed                    (update)
    open    -> open | closed | cancelled        (update)
    closed  -> cancelled                        (update)
    closed  -> partially_returned               (returns only, see returns.py)
    closed  -> open                             (reopen only)
    partially_returned -> cancelled             (update)
Closing commits the effects; cancelling and reopening apply the engine's rollback effects.
A dry run is the same code in a transaction that is rolled back, and it evaluates the payload
alone: "When set to `true`: The endpoint considers **only** the payload that you pass"
(updateCustomerSessionV2's `dry`). An open or closed dry run is the payload as a new session. A
dry cancellation is the one dry run that needs the stored session, for its state alone (only a
placed session has anything to roll back, and no session is created cancelled): its effects are
the rollbacks of what the payload gives as the closed order, with nothing of the stored cart,
codes or effects. To preview a cancellation, send the session's own payload.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime

from sandbox import engine
from sandbox.db import Tx, dump, load
from sandbox.errors import InvalidRequest, NotFound
from sandbox.models import achievements, carts, events, evaluation, loyalty, profiles, return_log
from sandbox.models.common import drop_none, money, ts
from sandbox.models.effects import Commit, apply
from sandbox.models.responses import Outcome, session_state
from sandbox.store import APPLICATION_ID, Store

ALLOWED_UPDATES = {
    None: ("open", "closed"),
    "open": ("open", "closed", "cancelled"),
    "closed": ("cancelled",),
    "partially_returned": ("cancelled",),
    "cancelled": (),
}
PLACED = ("closed", "partially_returned")
# Fields of NewCustomerSessionV2 that an update replaces when present and keeps when omitted.
SESSION_FIELDS = ("couponCodes", "referralCode", "loyaltyCards", "cartItems", "additionalCosts", "identifiers",
                  "attributes")
EVENT_TYPES = {"open": "talon_session_updated", "closed": "talon_session_closed",
               "cancelled": "talon_session_cancelled"}


def find(tx: Tx, integration_id: str) -> sqlite3.Row | None:
    return tx.one("SELECT * FROM sessions WHERE integration_id = ?", integration_id)


def require(tx: Tx, integration_id: str, *, missing: type = NotFound) -> sqlite3.Row:
    row = find(tx, integration_id)
    if row is None:
        raise missing(f"Customer session {integration_id!r} does not exist", resource="customerSession")
    return row


def require_existing(tx: Tx, integration_id: str) -> sqlite3.Row:
    """The session an Integration API read, return or reopen names. getCustomerSession,
    returnCartItems and reopenCustomerSession document 200, 400 and 401 and no 404 (spec, and the
    SDKs' "HTTP response details"), so an unknown session is Talon.One's 400."""
    return require(tx, integration_id, missing=InvalidRequest)


def as_customer_session(row: sqlite3.Row) -> dict:
    """The spec's CustomerSessionV2."""
    data = load(row["data"], {})
    return drop_none({
        "id": row["id"],
        "created": row["created"],
        "integrationId": row["integration_id"],
        "applicationId": APPLICATION_ID,
        "profileId": row["profile_integration_id"],
        "storeIntegrationId": row["store_integration_id"],
        "couponCodes": data.get("couponCodes", []),
        "referralCode": data.get("referralCode", ""),
        "loyaltyCards": data.get("loyaltyCards", []),
        "state": row["state"],
        "cartItems": data.get("cartItems", []),
        "additionalCosts": data.get("additionalCosts", {}),
        "identifiers": data.get("identifiers", []),
        "attributes": data.get("attributes", {}),
        "firstSession": bool(row["first_session"]),
        "updateCount": row["update_count"],
        "total": money(row["total"]),
        "cartItemTotal": money(row["cart_item_total"]),
        "additionalCostTotal": money(row["additional_cost_total"]),
        "updated": row["updated"],
    })


def effective_effects(tx: Tx, row: sqlite3.Row) -> list[dict]:
    """The session's effects, without those that a cancel or reopen rolled back."""
    return load(row["effects"], [])


def as_application_session(tx: Tx, row: sqlite3.Row) -> dict:
    """The Management API's ApplicationSession."""
    data = load(row["data"], {})
    profile_id = tx.scalar("SELECT id FROM profiles WHERE integration_id = ?", row["profile_integration_id"]) \
        if row["profile_integration_id"] else None
    return_rollbacks = [e for r in tx.all("SELECT effects FROM returns WHERE session_id = ?", row["id"])
                        for e in load(r["effects"], [])]
    return drop_none({
        "id": row["id"],
        "created": row["created"],
        "integrationId": row["integration_id"],
        "storeIntegrationId": row["store_integration_id"],
        "applicationId": APPLICATION_ID,
        "profileId": profile_id,
        "profileintegrationid": row["profile_integration_id"],
        "coupon": row["coupon"],
        "referral": row["referral"],
        "state": row["state"],
        "cartItems": data.get("cartItems", []),
        "discounts": carts.discounts_by_name(effective_effects(tx, row) + return_rollbacks),
        "totalDiscounts": money(row["total_discounts"]),
        "total": money(row["total"]),
        "attributes": data.get("attributes", {}),
    })


def get(tx: Tx, integration_id: str) -> dict:
    """getCustomerSession: the session and its effects."""
    row = require_existing(tx, integration_id)
    return {"customerSession": as_customer_session(row), "effects": effective_effects(tx, row)}


def _discount_total(effects: list[dict]) -> float:
    return money(sum(carts.discounts_by_name(effects).values()))


def _check_now(now: datetime | None, dry: bool, wall_clock: datetime) -> None:
    if now is None:
        return
    if not dry:
        raise InvalidRequest("now can only be used with dry=true", parameter="now")
    if now <= wall_clock:
        raise InvalidRequest("now must be a time in the future", parameter="now")


def _merged_data(tx: Tx, existing: sqlite3.Row | None, payload: dict, dry: bool) -> dict:
    """The session's content after this update. A dry run considers the payload alone."""
    data = {} if existing is None or dry else load(existing["data"], {})
    for name in SESSION_FIELDS:
        if name in payload:
            data[name] = payload[name]
    data["cartItems"] = carts.normalize(tx, data.get("cartItems") or [])
    data.setdefault("couponCodes", [])
    data.setdefault("referralCode", "")
    data.setdefault("loyaltyCards", [])
    return data


def _profile_for(existing: sqlite3.Row | None, payload: dict, dry: bool) -> str:
    stored = existing["profile_integration_id"] if existing is not None else ""
    requested = payload.get("profileId")
    if requested is None:
        return "" if dry else stored
    if stored and requested != stored and not dry:
        raise InvalidRequest(f"The session belongs to profile {stored!r}; its profile cannot change",
                             pointer="/customerSession/profileId")
    return requested


def _save(tx: Tx, existing: sqlite3.Row | None, integration_id: str, *, profile: str, store_id: str | None,
          state: str, data: dict, effects: list[dict], first_session: bool) -> sqlite3.Row:
    sums = carts.totals(data)
    columns = dict(
        updated=ts(tx.now), profile_integration_id=profile, store_integration_id=store_id, state=state,
        first_session=int(first_session), coupon=",".join(data.get("couponCodes") or []),
        referral=data.get("referralCode") or "", total=sums["total"], cart_item_total=sums["cartItemTotal"],
        additional_cost_total=sums["additionalCostTotal"], total_discounts=_discount_total(effects),
        data=data, effects=effects)
    if existing is None:
        session_id = tx.insert("sessions", integration_id=integration_id, created=ts(tx.now), update_count=1, **columns)
    else:
        session_id = existing["id"]
        tx.update("sessions", session_id, update_count=existing["update_count"] + 1, **columns)
    return tx.one("SELECT * FROM sessions WHERE id = ?", session_id)


def _order_value(row: sqlite3.Row) -> float:
    """What the customer pays for the units not returned (returns already took off the rest)."""
    items = load(row["data"], {}).get("cartItems", [])
    kept = sum(float(item.get("price") or 0) * item["remainingQuantity"] for item in items)
    return kept + row["additional_cost_total"] - row["total_discounts"]


def _count_order(tx: Tx, row: sqlite3.Row, sign: int) -> None:
    """Closing counts the order on the profile (closedSessions, totalSales); undoing uncounts it."""
    if row["profile_integration_id"]:
        tx.run("UPDATE profiles SET closed_sessions = max(closed_sessions + ?, 0), "
               "total_sales = max(total_sales + ?, 0) WHERE integration_id = ?",
               sign, sign * _order_value(row), row["profile_integration_id"])


def _rollbacks_of(tx: Tx, effects: list[dict], items: list[dict], *, returned: bool, profile: str,
                  progress=None) -> list[dict]:
    """The rollback effects that undo `effects`, committed by an order with these cart items."""
    full = engine.rollback_effects(effects, profile_integration_id=profile, achievement_progress=progress)
    if not returned:
        return full
    # Returns already rolled back their share of discounts and earned points: roll back the
    # share of the units that remain, plus everything returns never touch.
    remaining = {item["position"]: item["remainingQuantity"] for item in items if item["remainingQuantity"] > 0}
    by_share = engine.return_rollback_effects(effects, items, remaining, points_places=loyalty.points_places(tx)) \
        if remaining else []
    share_types = {"rollbackDiscount", "rollbackAddedLoyaltyPoints"}
    return [e for e in full if e["effectType"] not in share_types] + by_share


def rollbacks_for(tx: Tx, row: sqlite3.Row) -> list[dict]:
    """The rollback effects that undo what is still committed of a closed or returned session."""
    profile = row["profile_integration_id"]
    return _rollbacks_of(tx, load(row["committed"], []), load(row["data"], {}).get("cartItems", []),
                         returned=row["state"] == "partially_returned", profile=profile,
                         progress=lambda achievement_id: achievements.progress_value(tx, achievement_id, profile))


def _payload_rollbacks(store: Store, tx: Tx, existing: sqlite3.Row, payload: dict) -> list[dict]:
    """A dry cancellation's effects: the rollbacks of what the payload alone gives as the closed
    order, evaluated after the stored order's own commitments were undone in this dry
    transaction (so its coupons and points do not count against it)."""
    if existing["state"] not in PLACED:
        return []  # an open session committed nothing
    data = _merged_data(tx, None, payload, dry=True)
    # Units already returned stay returned: the payload carries quantities, the stored session
    # knows how many of each position came back.
    stored_items = {item["position"]: item for item in load(existing["data"], {}).get("cartItems", [])}
    for item in data["cartItems"]:
        stored = stored_items.get(item["position"])
        if stored is not None and stored["sku"] == item["sku"]:
            item["returnedQuantity"] = min(stored["returnedQuantity"], item["quantity"])
            item["remainingQuantity"] = item["quantity"] - item["returnedQuantity"]
    profile = payload.get("profileId") or ""
    evaluated = {
        "integrationId": existing["integration_id"], "profileId": profile,
        "storeIntegrationId": payload.get("storeIntegrationId") or "", "state": "closed",
        **data, **carts.totals(data), "updateCount": existing["update_count"],
    }
    result = evaluation.evaluate(tx, store.campaigns(tx), evaluated, "open", tx.now)
    # Progress is read from the effects: the live value was already rolled back above.
    return _rollbacks_of(tx, result.effects, data["cartItems"], profile=profile,
                         returned=any(item["returnedQuantity"] for item in data["cartItems"]))


def undo_close(tx: Tx, row: sqlite3.Row) -> list[dict]:
    """Apply the rollbacks of a closed or returned session; answer them."""
    rollbacks = rollbacks_for(tx, row)
    apply(Commit(tx, row["integration_id"], row["profile_integration_id"]), rollbacks)
    _count_order(tx, row, -1)
    kept = [e for e in load(row["effects"], []) if not engine.is_rolled_back(e["effectType"])]
    tx.run("UPDATE sessions SET committed = '[]', effects = ?, total_discounts = 0 WHERE id = ?",
           dump(kept), row["id"])
    return rollbacks


def _cancel(tx: Tx, existing: sqlite3.Row, content: list[str], preview=None) -> dict:
    """Cancel the session; `preview` (a dry cancellation) computes the effects to answer once
    the stored order is undone."""
    rollbacks = undo_close(tx, existing) if existing["state"] in PLACED else []
    if preview is not None:
        rollbacks = preview()
    if existing["state"] == "open":
        tx.run("UPDATE sessions SET effects = '[]', total_discounts = 0 WHERE id = ?", existing["id"])
    tx.run("UPDATE sessions SET state = 'cancelled', updated = ?, update_count = update_count + 1 WHERE id = ?",
           ts(tx.now), existing["id"])
    row = require(tx, existing["integration_id"])
    event_id = events.record(tx, EVENT_TYPES["cancelled"], profile=row["profile_integration_id"],
                             store=row["store_integration_id"], session=row["integration_id"], effects=rollbacks)
    outcome = Outcome(effects=rollbacks, event_id=event_id)
    return session_state(tx, outcome, as_customer_session(row), content)


def update(store: Store, integration_id: str, body: dict, *, dry: bool, now: datetime | None) -> dict:
    """updateCustomerSessionV2."""
    payload = body["customerSession"]
    content = body.get("responseContent") or []
    state = payload.get("state", "open")
    _check_now(now, dry, store.clock.now())
    # Dry runs change nothing, so they never collide with a real update.
    lock_keys = [] if dry else [("session", integration_id)]
    if payload.get("profileId") and not dry:
        lock_keys.append(("profile", payload["profileId"]))
    with store.locks.hold(*lock_keys), store.write(dry=dry, now=now) as tx:
        existing = find(tx, integration_id)
        stored_state = existing["state"] if existing is not None else None
        if dry and state != "cancelled":
            stored_state = None  # a dry evaluation treats the payload as a new session
        if state not in ALLOWED_UPDATES[stored_state]:
            raise InvalidRequest(
                f"Cannot move session {integration_id!r} from {existing['state'] if existing else 'new'} to {state}"
                + ("; use the reopen endpoint" if state == "open" and stored_state == "closed" else "")
                + ("; use the returns endpoint" if state == "partially_returned" else ""),
                pointer="/customerSession/state")
        if state == "cancelled":
            preview = (lambda: _payload_rollbacks(store, tx, existing, payload)) if dry else None
            return _cancel(tx, existing, content, preview)
        profile = _profile_for(existing, payload, dry)
        data = _merged_data(tx, existing, payload, dry)
        store_id = payload.get("storeIntegrationId", None if dry or existing is None else existing["store_integration_id"])
        if profile:
            profiles.ensure(tx, profile)
            profiles.touch(tx, profile)
        evaluated = {
            "integrationId": integration_id, "profileId": profile, "storeIntegrationId": store_id or "",
            "state": state, **data, **carts.totals(data),
            "updateCount": (existing["update_count"] if existing is not None else 0) + 1,
        }
        campaigns = store.campaigns(tx)
        previous = stored_state or ""
        evaluable = payload.get("evaluableCampaignIds") if dry else None
        result = evaluation.evaluate(tx, campaigns, evaluated, previous, tx.now, evaluable)
        context = evaluation.profile_context(tx, profile, integration_id)
        first = not profile or context.get("closed_session_count", 0) == 0
        row = _save(tx, None if dry and existing is None else existing, integration_id, profile=profile,
                    store_id=store_id, state=state, data=data, effects=result.effects, first_session=first)
        outcome = Outcome(effects=result.effects, triggered_campaign_ids=result.triggered_campaign_ids,
                          rule_failure_reasons=result.rule_failure_reasons)
        if state == "closed":
            commit = Commit(tx, integration_id, profile)
            apply(commit, result.effects)
            outcome.created_coupon_ids = commit.created_coupons
            tx.run("UPDATE sessions SET committed = ?, closed = ? WHERE id = ?", dump(result.effects), ts(tx.now),
                   row["id"])
            _count_order(tx, require(tx, integration_id), 1)
        event_type = "talon_session_created" if existing is None and state == "open" else EVENT_TYPES[state]
        outcome.event_id = events.record(tx, event_type, profile=profile, store=store_id, session=integration_id,
                                         effects=result.effects, rule_failure_reasons=result.rule_failure_reasons)
        shown = as_customer_session(require(tx, integration_id))
        if dry and evaluable is not None:
            shown["evaluableCampaignIds"] = evaluable
        answer = session_state(tx, outcome, shown, content)
        if "previousReturns" in content:
            answer["previousReturns"] = return_log.previous(tx, row["id"])
        return answer


def reopen(store: Store, integration_id: str) -> dict:
    """reopenCustomerSession: closed -> open, rolling back what closing committed."""
    with store.locks.hold(("session", integration_id)), store.write() as tx:
        row = require_existing(tx, integration_id)
        if row["state"] != "closed":
            raise InvalidRequest(f"Only a closed session can be reopened; session {integration_id!r} is {row['state']}",
                                 resource="customerSession")
        rollbacks = undo_close(tx, row)
        tx.run("UPDATE sessions SET state = 'open', updated = ?, update_count = update_count + 1 WHERE id = ?",
               ts(tx.now), row["id"])
        events.record(tx, "talon_session_reopened", profile=row["profile_integration_id"],
                      store=row["store_integration_id"], session=integration_id, effects=rollbacks)
        return {"effects": rollbacks}
