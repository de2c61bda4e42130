"""Loyalty programs and cards: linking profiles, generating cards, and the spec's card shape."""
from __future__ import annotations

import random
import sqlite3
import uuid

from sandbox.db import Tx, load
from sandbox.errors import InvalidRequest, NotFound
from sandbox.models import ledger, profiles
from sandbox.models.common import drop_none, ts

DEFAULT_CARD_PATTERN = "####-####-####"
_random = random.SystemRandom()


def program_definition(row: sqlite3.Row) -> dict:
    return load(row["definition"])


def find_program(tx: Tx, program_id: int) -> sqlite3.Row | None:
    return tx.one("SELECT * FROM loyalty_programs WHERE id = ?", program_id)


def require_program(tx: Tx, program_id: int, *, card_based: bool | None = None,
                    missing: type = NotFound) -> sqlite3.Row:
    """The program, or `missing` (NotFound, or InvalidRequest where the spec has no 404)."""
    row = find_program(tx, program_id)
    if row is None:
        raise missing(f"Loyalty program {program_id} does not exist", resource="loyaltyProgram")
    if card_based is not None and program_definition(row)["cardBased"] != card_based:
        kind = "card-based" if card_based else "profile-based"
        raise InvalidRequest(f"Loyalty program {program_id} is not {kind}", resource="loyaltyProgram")
    return row


# Fields of a stored program that are the sandbox's own and not the spec's.
PRIVATE_FIELDS = ("pointsPlaces",)


def as_program(tx: Tx, row: sqlite3.Row) -> dict:
    """The Management API's LoyaltyProgram."""
    shown = {k: v for k, v in program_definition(row).items() if k not in PRIVATE_FIELDS}
    return {**shown, "id": row["id"], "created": row["created"]}


def points_places(tx: Tx) -> dict[int, int]:
    """Decimals of each program's points, for the engine's proportional return rollbacks."""
    return {row["id"]: program_definition(row).get("pointsPlaces", 2)
            for row in tx.all("SELECT * FROM loyalty_programs")}


def find_card(tx: Tx, program_id: int, identifier: str) -> sqlite3.Row | None:
    return tx.one("SELECT * FROM loyalty_cards WHERE program_id = ? AND identifier = ?", program_id, identifier)


def find_card_anywhere(tx: Tx, identifier: str) -> sqlite3.Row | None:
    return tx.one("SELECT * FROM loyalty_cards WHERE identifier = ? ORDER BY program_id LIMIT 1", identifier)


def require_card(tx: Tx, program_id: int, identifier: str) -> sqlite3.Row:
    require_program(tx, program_id, card_based=True)
    row = find_card(tx, program_id, identifier)
    if row is None:
        raise NotFound(f"Loyalty card {identifier!r} does not exist in program {program_id}", resource="loyaltyCard")
    return row


def is_blocked(card: sqlite3.Row) -> bool:
    return bool(card["blocked"])


def linked_profiles(tx: Tx, card_id: int) -> list[dict]:
    return [{"integrationId": r["profile_integration_id"], "timestamp": r["linked"]} for r in tx.all(
        "SELECT profile_integration_id, linked FROM card_profiles WHERE card_id = ? ORDER BY linked, rowid", card_id)]


def for_engine(tx: Tx, identifier: str) -> dict | None:
    """The card look-up the rule engine calls for each card in a session."""
    row = find_card_anywhere(tx, identifier)
    if row is None:
        return None
    return {
        "identifier": row["identifier"],
        "programId": row["program_id"],
        "status": row["status"],
        "blockReason": row["block_reason"] or "",
        "blocked": is_blocked(row),
    }


def card_balances(tx: Tx, card: sqlite3.Row, at=None) -> dict[str, ledger.Balance]:
    rows = ledger.account_rows(tx, card["program_id"], card_id=card["id"], subledger=None)
    return ledger.balances_by_subledger(rows, at or tx.now)


def as_card(tx: Tx, card: sqlite3.Row) -> dict:
    """The spec's LoyaltyCard, with its ledger and subledgers."""
    program = program_definition(find_program(tx, card["program_id"]))
    balances = card_balances(tx, card)
    return drop_none({
        "id": card["id"],
        "created": card["created"],
        "programID": card["program_id"],
        "programName": program["name"],
        "programTitle": program["title"],
        "status": card["status"],
        "blockReason": card["block_reason"],
        "identifier": card["identifier"],
        "usersPerCardLimit": card["users_per_card_limit"],
        "profiles": linked_profiles(tx, card["id"]),
        "ledger": balances[""].as_ledger_info(),
        "subledgers": {name: b.as_ledger_info() for name, b in balances.items() if name},
        "modified": card["modified"],
        "batchId": card["batch_id"],
        "newCardIdentifier": card["new_card_identifier"],
        "oldCardIdentifier": card["old_card_identifier"],
    })


def profile_balances(tx: Tx, program_id: int, profile: str, at=None) -> dict[str, ledger.Balance]:
    rows = ledger.account_rows(tx, program_id, profile=profile, subledger=None)
    return ledger.balances_by_subledger(rows, at or tx.now)


def active_points(tx: Tx, program_id: int, card_identifier: str | None, profile: str) -> float:
    """Active main-ledger points of a card, or of a profile in a profile-based program."""
    if card_identifier:
        card = find_card(tx, program_id, card_identifier)
        return card_balances(tx, card)[""].active if card is not None else 0.0
    if not profile:
        return 0.0
    return profile_balances(tx, program_id, profile)[""].active


def as_loyalty(tx: Tx, profile: str, card_identifiers: list[str] | None = None) -> dict:
    """The spec's Loyalty: the profile's programs with ledgers, and its (or the session's) cards."""
    programs = {}
    for member in tx.all("SELECT m.program_id, m.joined, p.definition FROM loyalty_members m "
                         "JOIN loyalty_programs p ON p.id = m.program_id WHERE m.profile_integration_id = ? "
                         "ORDER BY m.program_id", profile):
        definition = load(member["definition"])
        balances = profile_balances(tx, member["program_id"], profile)
        programs[str(member["program_id"])] = {
            "id": member["program_id"],
            "title": definition["title"],
            "name": definition["name"],
            "joinDate": member["joined"],
            "ledger": balances[""].as_ledger_info(),
            "subLedgers": {name: b.as_ledger_info() for name, b in balances.items() if name},
        }
    if card_identifiers is None:
        cards = tx.all("SELECT c.* FROM loyalty_cards c JOIN card_profiles l ON l.card_id = c.id "
                       "WHERE l.profile_integration_id = ? ORDER BY c.id", profile) if profile else []
    else:
        cards = [c for c in (find_card_anywhere(tx, i) for i in card_identifiers) if c is not None]
    return {"cards": [as_card(tx, card) for card in cards], "programs": programs}


def record_manual(tx: Tx, program_id: int, kind: str, amount: float, name: str, *, profile: str,
                  card_id: int | None = None, start: str | None = None, expiry: str | None = None) -> None:
    """A transaction made by hand (Talon.One's Campaign Manager), not by a session's effects."""
    if card_id is None:
        join(tx, program_id, profile)
    tx.insert("ledger", transaction_uuid=str(uuid.uuid4()), program_id=program_id, card_id=card_id,
              profile_integration_id=profile, kind=kind, name=name, amount=amount, subledger_id="",
              start_date=start, expiry_date=expiry, created=ts(tx.now), source="manual")


def join(tx: Tx, program_id: int, profile: str) -> None:
    tx.run("INSERT OR IGNORE INTO loyalty_members (program_id, profile_integration_id, joined) VALUES (?, ?, ?)",
           program_id, profile, ts(tx.now))


# --- the operations of the Integration API ---------------------------------------------------

def link(tx: Tx, program_id: int, identifier: str, integration_id: str) -> dict:
    """linkLoyaltyCardToProfile: usersPerCardLimit holds; linking twice is a no-op."""
    card = require_card(tx, program_id, identifier)
    profiles.require(tx, integration_id)
    if is_blocked(card):
        raise InvalidRequest(f"Loyalty card {identifier!r} is blocked ({card['block_reason']})",
                             resource="loyaltyCard")
    linked = [p["integrationId"] for p in linked_profiles(tx, card["id"])]
    if integration_id not in linked:
        limit = card["users_per_card_limit"]
        if limit and len(linked) >= limit:
            raise InvalidRequest(
                f"Loyalty card {identifier!r} already has {len(linked)} linked profiles, its limit "
                f"(usersPerCardLimit {limit})", pointer="/integrationId")
        tx.run("INSERT INTO card_profiles (card_id, profile_integration_id, linked) VALUES (?, ?, ?)",
               card["id"], integration_id, ts(tx.now))
        tx.run("UPDATE loyalty_cards SET modified = ? WHERE id = ?", ts(tx.now), card["id"])
    return as_card(tx, find_card(tx, program_id, identifier))


def unlink(tx: Tx, program_id: int, identifier: str, integration_id: str) -> dict:
    card = require_card(tx, program_id, identifier)
    removed = tx.run("DELETE FROM card_profiles WHERE card_id = ? AND profile_integration_id = ?",
                     card["id"], integration_id)
    if not removed:
        raise InvalidRequest(f"Customer profile {integration_id!r} is not linked to loyalty card {identifier!r}",
                             pointer="/integrationId")
    tx.run("UPDATE loyalty_cards SET modified = ? WHERE id = ?", ts(tx.now), card["id"])
    return as_card(tx, find_card(tx, program_id, identifier))


def _check_new_identifier(tx: Tx, program_id: int, identifier: str, pointer: str) -> None:
    if not all(ch.isalnum() or ch in "._%+@-" for ch in identifier) or not identifier.isascii():
        raise InvalidRequest(f"{pointer.lstrip('/')} may hold only A-Z, a-z, 0-9 and . _ % + @ -", pointer=pointer)
    if find_card(tx, program_id, identifier) is not None:
        raise InvalidRequest(f"Loyalty card {identifier!r} already exists in program {program_id}", pointer=pointer)


def _generate_identifier(tx: Tx, program_id: int, pattern: str, characters: list[str]) -> str:
    for _ in range(100):
        identifier = "".join(_random.choice(characters) if ch == "#" else ch for ch in pattern)
        if find_card(tx, program_id, identifier) is None:
            return identifier
    raise InvalidRequest("Cannot generate a unique card identifier", resource="loyaltyProgram")


def create_card(tx: Tx, program_id: int, identifier: str, *, status: str = "active", limit: int,
                block_reason: str | None = None, batch_id: str | None = None) -> sqlite3.Row:
    """A new card; one with a block_reason is created blocked (the demo's lost cards)."""
    card_id = tx.insert("loyalty_cards", program_id=program_id, identifier=identifier, status=status,
                        blocked=int(block_reason is not None), block_reason=block_reason,
                        users_per_card_limit=limit, created=ts(tx.now), batch_id=batch_id)
    return tx.one("SELECT * FROM loyalty_cards WHERE id = ?", card_id)


def generate(tx: Tx, program_id: int, body: dict) -> dict:
    """generateLoyaltyCard: a card with the given or a generated identifier, linked to profiles."""
    # The spec documents no 404 here: an unknown program is an invalid request.
    program_row = require_program(tx, program_id, card_based=True, missing=InvalidRequest)
    program = program_definition(program_row)
    limit = program.get("usersPerCardLimit", 0)
    owners = list(dict.fromkeys(body.get("customerProfileIds") or []))
    if limit and len(owners) > limit:
        raise InvalidRequest(f"At most {limit} profiles can share a card of program {program_id}",
                             pointer="/customerProfileIds")
    for integration_id in owners:
        if profiles.find(tx, integration_id) is None:
            raise InvalidRequest(f"Customer profile {integration_id!r} does not exist", pointer="/customerProfileIds")
    identifier = body.get("cardIdentifier")
    if identifier is not None:
        _check_new_identifier(tx, program_id, identifier, "/cardIdentifier")
    else:
        settings = program.get("cardCodeSettings") or {}
        identifier = _generate_identifier(tx, program_id, settings.get("couponPattern", DEFAULT_CARD_PATTERN),
                                          settings.get("validCharacters") or list("0123456789"))
    card = create_card(tx, program_id, identifier, status=body.get("status", "active"), limit=limit)
    for integration_id in owners:
        tx.run("INSERT INTO card_profiles (card_id, profile_integration_id, linked) VALUES (?, ?, ?)",
               card["id"], integration_id, ts(tx.now))
    return as_card(tx, card)


# --- the operations of the Management API -----------------------------------------------------

def update_card(tx: Tx, program_id: int, identifier: str, status: str | None) -> dict:
    """updateLoyaltyCard: "You can set the card's status to `active` or `inactive` through this
    endpoint" (its request, UpdateLoyaltyCardRequest, has no blockReason: nothing blocks here).
    A blocked card stays blocked: "The original card is automatically blocked once the new card
    is created, and it cannot be activated again" (transferLoyaltyCard)."""
    # The schema types status as a string and requires nothing; the operation: "At least one of
    # `status` or `attributes` must be provided", and the status "Can be `active` or `inactive`".
    if status is None:
        raise InvalidRequest("/status: is required (the sandbox's cards have no attributes to update)",
                             pointer="/status")
    if status not in ("active", "inactive"):
        raise InvalidRequest("/status: must be one of active, inactive", pointer="/status")
    card = require_card(tx, program_id, identifier)
    if is_blocked(card) and status == "active":
        raise InvalidRequest(f"Loyalty card {identifier!r} is blocked ({card['block_reason'] or 'transferred'}); "
                             "a blocked card cannot be activated again", pointer="/status")
    tx.run("UPDATE loyalty_cards SET status = ?, modified = ? WHERE id = ?", status, ts(tx.now), card["id"])
    return as_card(tx, find_card(tx, program_id, identifier))


def transfer(tx: Tx, program_id: int, identifier: str, new_identifier: str, block_reason: str | None) -> None:
    """transferLoyaltyCard: "Transfer loyalty card data, such as linked customers, loyalty
    balances and transactions, from a given loyalty card to a new, automatically created loyalty
    card", which is active; the original card is blocked and "cannot be activated again"."""
    card = require_card(tx, program_id, identifier)
    if is_blocked(card):
        raise InvalidRequest(f"Loyalty card {identifier!r} is blocked already; transfer its replacement instead",
                             resource="loyaltyCard")
    _check_new_identifier(tx, program_id, new_identifier, "/newCardIdentifier")
    new = create_card(tx, program_id, new_identifier, limit=card["users_per_card_limit"])
    tx.run("UPDATE card_profiles SET card_id = ? WHERE card_id = ?", new["id"], card["id"])
    tx.run("UPDATE ledger SET card_id = ? WHERE card_id = ?", new["id"], card["id"])
    tx.run("UPDATE loyalty_cards SET status = 'inactive', blocked = 1, block_reason = ?, new_card_identifier = ?, "
           "modified = ? WHERE id = ?", block_reason or "", new_identifier, ts(tx.now), card["id"])
    tx.run("UPDATE loyalty_cards SET old_card_identifier = ? WHERE id = ?", identifier, new["id"])
