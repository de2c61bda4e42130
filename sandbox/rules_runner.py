"""Running one campaign: each rule's conditions in order, then its effects.

A rule whose condition fails reports a RuleFailureReason and remembers, for the codes it would
have redeemed, where it failed (for CouponRejectedByCondition). Rules of a campaign run
independently of each other, as Talon.One's rules in one ruleset do.
"""
from __future__ import annotations

from sandbox.rules_codes import note_code_failures
from sandbox.rules_conditions import first_failure
from sandbox.rules_context import EvaluationContext, RuleScope
from sandbox.rules_effects import EFFECTS


def run_campaign(context: EvaluationContext, campaign: dict) -> bool:
    """Evaluate every rule of the campaign; True when at least one rule's conditions held."""
    triggered = False
    for rule_index, rule in enumerate(campaign.get("rules", [])):
        scope = RuleScope(campaign=campaign, rule_index=rule_index, rule=rule)
        failure = first_failure(context, scope)
        if failure is not None:
            condition_index, details = failure
            context.fail(scope, details, condition_index=condition_index)
            note_code_failures(context, scope, condition_index)
            continue
        triggered = True
        for effect_index, spec in enumerate(rule.get("effects", [])):
            EFFECTS[spec["type"]](context, scope, effect_index, spec)
    return triggered
