"""Loyalty cards and their limits, blocked cards, ledgers."""
from __future__ import annotations

from tests.parity.conftest import needs, source
from tests.parity.support import SHIRT, assert_error, card, new_card, new_profile, put_session

TRANSFER = ("spec: transferLoyaltyCard ('The original card is automatically blocked once the new card is "
            "created, and it cannot be activated again')")


def link(talon, program_id: int, identifier: str, profile: str):
    return talon.post(f"/v2/loyalty_programs/{program_id}/cards/{identifier}/link_profile",
                      json={"integrationId": profile})


def transfer(talon, program_id: int, identifier: str, new_identifier: str, reason: str = "Lost"):
    return talon.put(f"/v1/loyalty_programs/{program_id}/cards/{identifier}/transfer", key="management",
                     json={"newCardIdentifier": new_identifier, "blockReason": reason})


def card_id(target) -> str:
    return target.new_id("card")


@source("spec: generateLoyaltyCard (a card with the given identifier, linked to the given profiles)")
@needs("card_program")
def test_a_generated_card_is_linked_at_once(talon, target, objects):
    program, profile = objects["card_program"]["program_id"], target.new_id("prof")
    new_profile(talon, profile)
    generated = new_card(talon, program, card_id(target), [profile])
    assert [p["integrationId"] for p in generated["profiles"]] == [profile]
    assert generated["status"] == "active"


@source("spec: linkLoyaltyCardToProfile (usersPerCardLimit)")
@needs("card_program")
def test_a_card_links_at_most_its_users_per_card_limit(talon, target, objects):
    program, limit = objects["card_program"]["program_id"], objects["card_program"]["users_per_card_limit"]
    identifier = card_id(target)
    new_card(talon, program, identifier)
    profiles = [target.new_id("prof") for _ in range(limit + 1)]
    for profile in profiles:
        new_profile(talon, profile)
    for profile in profiles[:limit]:
        assert link(talon, program, identifier, profile).status_code == 200
    assert_error(link(talon, program, identifier, profiles[-1]), 400)
    assert len(card(talon, program, identifier)["profiles"]) == limit


@source("spec: linkLoyaltyCardToProfile (linking a linked profile again changes nothing)")
@needs("card_program")
def test_linking_twice_is_one_link(talon, target, objects):
    program, profile, identifier = objects["card_program"]["program_id"], target.new_id("prof"), card_id(target)
    new_profile(talon, profile)
    new_card(talon, program, identifier)
    assert link(talon, program, identifier, profile).status_code == 200
    assert link(talon, program, identifier, profile).status_code == 200
    assert [p["integrationId"] for p in card(talon, program, identifier)["profiles"]] == [profile]


@source("spec: unlinkLoyaltyCardFromProfile")
@needs("card_program")
def test_unlink_removes_the_profile(talon, target, objects):
    program, profile, identifier = objects["card_program"]["program_id"], target.new_id("prof"), card_id(target)
    new_profile(talon, profile)
    new_card(talon, program, identifier, [profile])
    response = talon.post(f"/v2/loyalty_programs/{program}/cards/{identifier}/unlink_profile",
                          json={"integrationId": profile})
    assert response.status_code == 200 and response.json()["profiles"] == []


@source("spec: updateLoyaltyCard ('set the card's status to active or inactive'); no blockReason in its request")
@needs("card_program")
def test_a_status_update_is_reversible_and_blocks_nothing(talon, target, objects):
    program, identifier = objects["card_program"]["program_id"], card_id(target)
    new_card(talon, program, identifier)
    for status in ("inactive", "active"):
        response = talon.put(f"/v1/loyalty_programs/{program}/cards/{identifier}", key="management",
                             json={"status": status})
        assert response.status_code == 200 and response.json()["status"] == status
    assert not card(talon, program, identifier).get("blockReason")


@source(TRANSFER + "; 'The default status of the new card is active'")
@needs("card_program")
def test_a_transfer_moves_profiles_and_blocks_the_card(talon, target, objects):
    program, profile, old, new = (objects["card_program"]["program_id"], target.new_id("prof"),
                                  card_id(target), card_id(target))
    new_profile(talon, profile)
    new_card(talon, program, old, [profile])
    assert transfer(talon, program, old, new, "Reported lost").status_code == 204
    moved = card(talon, program, new)
    assert moved["status"] == "active" and [p["integrationId"] for p in moved["profiles"]] == [profile]
    blocked = card(talon, program, old)
    assert blocked["blockReason"] == "Reported lost"


@source(TRANSFER)
@needs("card_program")
def test_a_blocked_card_cannot_be_activated_again(talon, target, objects):
    program, old = objects["card_program"]["program_id"], card_id(target)
    new_card(talon, program, old)
    assert transfer(talon, program, old, card_id(target)).status_code == 204
    assert_error(talon.put(f"/v1/loyalty_programs/{program}/cards/{old}", key="management",
                           json={"status": "active"}), 400)
    assert card(talon, program, old)["status"] != "active"


@source(TRANSFER + "; linkLoyaltyCardToProfile")
@needs("card_program")
def test_a_blocked_card_links_no_one(talon, target, objects):
    program, old, profile = objects["card_program"]["program_id"], card_id(target), target.new_id("prof")
    new_profile(talon, profile)
    new_card(talon, program, old)
    transfer(talon, program, old, card_id(target))
    assert_error(link(talon, program, old, profile), 400)


@source("spec: getLoyaltyCard 404 for an unknown card")
@needs("card_program")
def test_an_unknown_card_is_404(talon, target, objects):
    assert_error(talon.get(f"/v1/loyalty_programs/{objects['card_program']['program_id']}/cards/{card_id(target)}",
                           key="management"), 404)


@source("spec: getLoyaltyBalances (a profile's balances in a profile-based program after a closed session)")
@needs("profile_program")
def test_closing_a_session_adds_profile_points(talon, target, objects):
    program, profile = objects["profile_program"]["program_id"], target.new_id("prof")
    put_session(talon, target.new_id("sess"), state="closed", profileId=profile, cartItems=[SHIRT])
    response = talon.get(f"/v1/loyalty_programs/{program}/profile/{profile}/balances")
    assert response.status_code == 200
    assert response.json()["balance"]["activePoints"] > 0


@source("spec: getLoyaltyProgramProfileTransactions (the ledger lists the session's addition)")
@needs("profile_program")
def test_the_ledger_lists_the_session(talon, target, objects):
    program, profile, session_id = objects["profile_program"]["program_id"], target.new_id("prof"), target.new_id("sess")
    put_session(talon, session_id, state="closed", profileId=profile, cartItems=[SHIRT])
    response = talon.get(f"/v1/loyalty_programs/{program}/profile/{profile}/transactions")
    assert response.status_code == 200
    assert session_id in [t.get("customerSessionId") for t in response.json()["data"]]


@source("spec: rollbackAddedLoyaltyPoints (cancelling a closed session takes its points back)")
@needs("profile_program")
def test_cancelling_takes_the_points_back(talon, target, objects):
    program, profile, session_id = objects["profile_program"]["program_id"], target.new_id("prof"), target.new_id("sess")
    put_session(talon, session_id, state="closed", profileId=profile, cartItems=[SHIRT])
    put_session(talon, session_id, state="cancelled")
    balance = talon.get(f"/v1/loyalty_programs/{program}/profile/{profile}/balances").json()["balance"]
    assert balance["activePoints"] == 0
