"""Customer-profile operations: updates (single and bulk), the inventory, deleting personal data."""
from __future__ import annotations

from sandbox.db import Tx
from sandbox.errors import InvalidRequest
from sandbox.models import (achievements, audiences, coupons, evaluation, events, giveaways, loyalty, profiles,
                            referrals)
from sandbox.models.effects import Commit, apply
from sandbox.models.responses import Outcome, base
from sandbox.store import Store


def _check_audiences(tx: Tx, changes: dict) -> None:
    # updateCustomerProfileV2 documents no 404: an unknown audience is an invalid request.
    for kind in ("adds", "deletes"):
        for index, audience_id in enumerate(changes.get(kind, [])):
            if tx.one("SELECT id FROM audiences WHERE id = ?", audience_id) is None:
                raise InvalidRequest(f"Audience {audience_id} does not exist",
                                     pointer=f"/audiencesChanges/{kind}/{index}")


def run_rules_for_profile(store: Store, tx: Tx, profile: str, *, store_id: str = "",
                          loyalty_cards: list[str] | None = None, attributes: dict | None = None,
                          evaluable: list[int] | None = None) -> Outcome:
    """Evaluate the campaigns outside a session and commit their effects at once."""
    result = evaluation.evaluate_outside_session(tx, store.campaigns(tx), profile, store_id=store_id,
                                                 loyalty_cards=loyalty_cards, attributes=attributes,
                                                 evaluable_campaign_ids=evaluable)
    commit = Commit(tx, "", profile)
    apply(commit, result.effects)
    return Outcome(effects=result.effects, triggered_campaign_ids=result.triggered_campaign_ids,
                   rule_failure_reasons=result.rule_failure_reasons, created_coupon_ids=commit.created_coupons)


def update_profile(store: Store, integration_id: str, body: dict, *, run_rule_engine: bool, dry: bool) -> dict:
    """updateCustomerProfileV2: create or update, optionally through the rule engine."""
    content = body.get("responseContent") or []
    if content and not run_rule_engine:
        raise InvalidRequest("responseContent needs runRuleEngine=true", pointer="/responseContent")
    evaluable = body.get("evaluableCampaignIds") if dry else None
    locks = [] if dry else [("profile", integration_id)]
    with store.locks.hold(*locks), store.write(dry=dry) as tx:
        row = profiles.ensure(tx, integration_id)
        if body.get("attributes"):
            row = profiles.merge_attributes(tx, row, body["attributes"])
        if body.get("audiencesChanges"):
            _check_audiences(tx, body["audiencesChanges"])
            audiences.apply_profile_changes(tx, row, body["audiencesChanges"])
        profiles.touch(tx, integration_id)
        outcome = run_rules_for_profile(store, tx, integration_id, evaluable=evaluable) if run_rule_engine \
            else Outcome()
        outcome.event_id = events.record(tx, "talon_profile_updated", profile=integration_id,
                                         attributes=body.get("attributes") or {}, effects=outcome.effects,
                                         rule_failure_reasons=outcome.rule_failure_reasons)
        # Without the rule engine there is no responseContent, and Talon.One answers the profile.
        shown = content if run_rule_engine else ["customerProfile"]
        return base(tx, outcome, integration_id, shown)


def update_profiles(store: Store, body: dict) -> dict:
    """updateCustomerProfilesV2: create or update up to 1000 profiles; no rules run."""
    items = body.get("customerProfiles") or []
    ids = [item["integrationId"] for item in items]
    with store.locks.hold(*[("profile", i) for i in dict.fromkeys(ids)]), store.write() as tx:
        states = []
        for item in items:
            row = profiles.ensure(tx, item["integrationId"])
            if item.get("attributes"):
                row = profiles.merge_attributes(tx, row, item["attributes"])
            states.append({"customerProfile": profiles.as_customer_profile(tx, row)})
        return {"integrationStates": states}


def inventory(tx: Tx, campaigns: list[dict], integration_id: str, flags: dict) -> dict:
    """getCustomerInventory: only the parts its flags ask for."""
    row = profiles.require(tx, integration_id)
    shown: dict = {}
    if flags.get("profile"):
        shown["profile"] = profiles.as_customer_profile(tx, row)
    if flags.get("loyalty"):
        shown["loyalty"] = loyalty.as_loyalty(tx, integration_id)
    if flags.get("referrals"):
        shown["referrals"] = referrals.inventory(tx, integration_id)
    if flags.get("coupons"):
        shown["coupons"] = coupons.inventory(tx, integration_id, {c["id"]: c for c in campaigns})
    if flags.get("giveaways"):
        shown["giveaways"] = giveaways.inventory(tx, integration_id)
    if flags.get("achievements"):
        shown["achievements"] = achievements.inventory(tx, integration_id)
    return shown


def delete_data(store: Store, integration_id: str) -> None:
    """deleteCustomerData: the profile and everything personal that hangs on it."""
    with store.locks.hold(("profile", integration_id)), store.write() as tx:
        row = profiles.require(tx, integration_id)
        session_ids = [r[0] for r in tx.all("SELECT id FROM sessions WHERE profile_integration_id = ?", integration_id)]
        for session_id in session_ids:
            tx.run("DELETE FROM returns WHERE session_id = ?", session_id)
        tx.run("DELETE FROM sessions WHERE profile_integration_id = ?", integration_id)
        tx.run("DELETE FROM events WHERE profile_integration_id = ?", integration_id)
        tx.run("DELETE FROM coupon_reservations WHERE profile_integration_id = ?", integration_id)
        tx.run("DELETE FROM card_profiles WHERE profile_integration_id = ?", integration_id)
        tx.run("DELETE FROM loyalty_members WHERE profile_integration_id = ?", integration_id)
        tx.run("DELETE FROM ledger WHERE profile_integration_id = ? AND card_id IS NULL", integration_id)
        tx.run("DELETE FROM achievement_progress WHERE profile_integration_id = ?", integration_id)
        tx.run("UPDATE giveaways SET profile_integration_id = NULL WHERE profile_integration_id = ?", integration_id)
        tx.run("DELETE FROM audience_members WHERE profile_id = ?", row["id"])
        tx.run("DELETE FROM profiles WHERE id = ?", row["id"])


def track_event(store: Store, body: dict, *, dry: bool) -> dict:
    """trackEventV2: record a custom event and run the rules for its profile."""
    profile = body.get("profileId") or ""
    content = body.get("responseContent") or []
    evaluable = body.get("evaluableCampaignIds") if dry else None
    locks = [("profile", profile)] if profile and not dry else []
    with store.locks.hold(*locks), store.write(dry=dry) as tx:
        if profile:
            profiles.ensure(tx, profile)
            profiles.touch(tx, profile)
        outcome = run_rules_for_profile(store, tx, profile, store_id=body.get("storeIntegrationId") or "",
                                        loyalty_cards=body.get("loyaltyCards"), attributes=body.get("attributes"),
                                        evaluable=evaluable)
        outcome.event_id = events.record(tx, body["type"], profile=profile, store=body.get("storeIntegrationId"),
                                         attributes=body.get("attributes") or {}, effects=outcome.effects,
                                         rule_failure_reasons=outcome.rule_failure_reasons)
        return base(tx, outcome, profile, content, loyalty_cards=body.get("loyaltyCards"))
