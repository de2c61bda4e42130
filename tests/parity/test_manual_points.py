"""Points added and deducted by hand through the Management API (the console's goodwill points,
issue 17): what the balances and the ledger then say, and what is refused."""
from __future__ import annotations

from tests.parity.conftest import needs, source
from tests.parity.support import assert_error, new_card, new_profile

NOW = {"pendingDuration": "immediate", "validityDuration": "unlimited"}


def fresh_profile(talon, target, objects) -> tuple[int, str]:
    """The profile program's ID and a new profile in it."""
    profile = target.new_id("prof")
    new_profile(talon, profile)
    return objects["profile_program"]["program_id"], profile


def profile_points(talon, program: int, profile: str, verb: str, points: float, **body):
    return talon.put(f"/v1/loyalty_programs/{program}/profile/{profile}/{verb}_points", key="management",
                     json={"points": points, "name": "Parity goodwill", **body})


def card_points(talon, program: int, identifier: str, verb: str, points: float, **body):
    return talon.put(f"/v1/loyalty_programs/{program}/cards/{identifier}/{verb}_points", key="management",
                     json={"points": points, "name": "Parity goodwill", **body})


def profile_active(talon, program: int, profile: str) -> float:
    response = talon.get(f"/v1/loyalty_programs/{program}/profile/{profile}/balances")
    assert response.status_code == 200, response.text
    return response.json()["balance"]["activePoints"]


def card_active(talon, program: int, identifier: str) -> float:
    response = talon.get(f"/v1/loyalty_programs/{program}/cards/{identifier}/balances")
    assert response.status_code == 200, response.text
    return response.json()["balance"]["activePoints"]


@source("spec: addLoyaltyPoints (204, no body; `pendingDuration: immediate` points are active at once)")
@needs("profile_program")
def test_added_profile_points_are_active_at_once(talon, target, objects):
    program, profile = fresh_profile(talon, target, objects)
    response = profile_points(talon, program, profile, "add", 30, **NOW)
    assert response.status_code == 204 and not response.content
    assert profile_active(talon, program, profile) == 30


@source("spec: removeLoyaltyPoints (204; the deduction leaves the rest active)")
@needs("profile_program")
def test_deducted_profile_points_leave_the_rest(talon, target, objects):
    program, profile = fresh_profile(talon, target, objects)
    assert profile_points(talon, program, profile, "add", 30, **NOW).status_code == 204
    assert profile_points(talon, program, profile, "deduct", 12).status_code == 204
    assert profile_active(talon, program, profile) == 18


@source("spec: removeLoyaltyPoints ('Only active points can be deducted')")
@needs("profile_program")
def test_more_than_the_active_points_is_refused(talon, target, objects):
    program, profile = fresh_profile(talon, target, objects)
    assert profile_points(talon, program, profile, "add", 10, **NOW).status_code == 204
    assert_error(profile_points(talon, program, profile, "deduct", 25), 400)
    assert profile_active(talon, program, profile) == 10


@source("spec: getLoyaltyProgramProfileTransactions (loyaltyTransactionType `manual`: "
        "'Loyalty transaction that was done manually')")
@needs("profile_program")
def test_the_ledger_lists_points_given_by_hand_as_manual(talon, target, objects):
    program, profile = fresh_profile(talon, target, objects)
    assert profile_points(talon, program, profile, "add", 7, **NOW).status_code == 204
    response = talon.get(f"/v1/loyalty_programs/{program}/profile/{profile}/transactions",
                         params={"loyaltyTransactionType": "manual"})
    assert response.status_code == 200
    assert [(t["amount"], t["name"]) for t in response.json()["data"]] == [(7, "Parity goodwill")]


@source("spec: addLoyaltyCardPoints and deductLoyaltyCardPoints (204; getLoyaltyCardBalances shows them)")
@needs("card_program")
def test_card_points_added_and_deducted(talon, target, objects):
    program, identifier = objects["card_program"]["program_id"], target.new_id("card")
    new_card(talon, program, identifier)
    assert card_points(talon, program, identifier, "add", 40, **NOW).status_code == 204
    assert card_points(talon, program, identifier, "deduct", 15).status_code == 204
    assert card_active(talon, program, identifier) == 25


@source("spec: addLoyaltyPoints (`validUntil`: 'If passed, `validityDuration` should be omitted')")
@needs("profile_program")
def test_both_expiry_forms_at_once_are_refused(talon, target, objects):
    program, profile = fresh_profile(talon, target, objects)
    assert_error(profile_points(talon, program, profile, "add", 5, validityDuration="5D",
                                validUntil="2031-01-01T00:00:00Z"), 400)
    assert profile_active(talon, program, profile) == 0
