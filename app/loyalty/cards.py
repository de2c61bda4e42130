"""Programs and cards for the loyalty views: look-ups, the rules a link must pass before it is
sent (a blocked card, a card at its usersPerCardLimit), and what a generate request holds."""

from __future__ import annotations

from dataclasses import replace

from flask import abort
from wtforms import SelectChoice

from ..customer_profiles import find_profile
from ..talon import talon
from ..talon.errors import TalonError, TalonNotFound
from ..talon.models import LoyaltyCard, LoyaltyProgram
from ..changes import Result, audit_refusal

SEARCH_LIMIT = 20
ALL_PROGRAMS = 0


def audit_id(card: LoyaltyCard) -> str:
    """How the audit log names a card (target_type "loyalty_card"): program and identifier."""
    return card_audit_id(card.program_id, card.identifier)


def card_audit_id(program_id: int, identifier: str) -> str:
    return f"{program_id}/{identifier}"


def state_of(card: LoyaltyCard) -> str:
    """active, inactive or blocked: a blocked card was transferred to a new card (it names it,
    newCardIdentifier) and carries the reason (blockReason)."""
    if card.block_reason or card.new_card_identifier or card.status == "blocked":
        return "blocked"
    return card.status or "unknown"


# -- programs -------------------------------------------------------------------------------


def programs_or_error() -> tuple[list[LoyaltyProgram], TalonError | None]:
    """The programs, or none and why (the page still offers the search)."""
    try:
        return list(talon.management.list_loyalty_programs()), None
    except TalonError as error:
        return [], error


def offer_programs(search, lookup, listed: list[LoyaltyProgram]) -> None:
    """Fill the program choices of the card search (card-based) and the profile look-up."""
    search.program.choices = [SelectChoice(ALL_PROGRAMS, "all card-based programs")] + [
        SelectChoice(p.id, p.title or p.name) for p in listed if p.card_based]
    lookup.program.choices = [SelectChoice(p.id, p.title or p.name) for p in listed if not p.card_based]


def program_name(programs, program_id: int) -> str:
    if program_id == ALL_PROGRAMS:
        return "any card-based program"
    return next((p.title or p.name for p in programs if p.id == program_id), f"program {program_id}")


def program_or_404(program_id: int) -> LoyaltyProgram:
    try:
        return talon.management.get_loyalty_program(program_id)
    except TalonNotFound:
        abort(404, description=f"There is no loyalty program {program_id}.")


def card_program_or_404(program_id: int) -> LoyaltyProgram:
    program = program_or_404(program_id)
    if not program.card_based:
        abort(404, description=f"{program.title or program.name} is profile-based: it has no cards.")
    return program


def find_cards(identifier: str, program_id: int) -> list[LoyaltyCard]:
    """Cards whose identifier matches, in one program or in every card-based one."""
    if program_id == ALL_PROGRAMS:
        ids = [p.id for p in talon.management.list_loyalty_programs() if p.card_based]
    else:
        ids = [program_id]
    found: list[LoyaltyCard] = []
    for pid in ids:
        page = talon.management.list_loyalty_cards(pid, identifier=identifier, page_size=SEARCH_LIMIT)
        found.extend(card if card.program_id else _with_program(card, pid) for card in page)
    return found


def _with_program(card: LoyaltyCard, program_id: int) -> LoyaltyCard:
    return replace(card, program_id=program_id)


def reread(card: LoyaltyCard) -> LoyaltyCard:
    """The card as it is now (after a refused change), or as it was if it cannot be read."""
    try:
        return talon.management.get_loyalty_card(card.program_id, card.identifier)
    except TalonError:
        return card


# -- linking --------------------------------------------------------------------------------


def link_refusal(card: LoyaltyCard, profile_id: str) -> str | None:
    """Why Talon.One would refuse to link this profile, in words; None when it should not."""
    if state_of(card) == "blocked":
        reason = f" ({card.block_reason})" if card.block_reason else ""
        return (f"Card {card.identifier} is blocked{reason}. A blocked card cannot be linked to a "
                f"profile; generate a replacement card instead.")
    if profile_id not in card.linked_profile_ids and card.at_user_limit:
        return (f"Card {card.identifier} already has {len(card.profiles)} of "
                f"{card.users_per_card_limit} linked profiles, as many as its program allows per card. "
                f"Unlink a profile first.")
    return None


def audit_link_refusal(card: LoyaltyCard, profile_id: str, reason: str) -> None:
    audit_refusal("loyalty_card.link", "loyalty_card", audit_id(card), reason,
                  {"profile": profile_id})


def upstream_refusal(card: LoyaltyCard, profile_id: str, sent: Result) -> str:
    """Talon.One refused (or never answered): say why in the card's terms when the card shows it."""
    if sent.may_have_happened:
        return sent.message
    return link_refusal(card, profile_id) or sent.message


# -- generating -----------------------------------------------------------------------------


def generate_defaults(args) -> dict:
    """Prefill from a link (?profile_id=...)."""
    return {"profile_id": (args.get("profile_id") or "")[:300]}


def check_generate(form, program_id: int) -> bool:
    """What only Talon.One can tell: the profile exists, the chosen identifier is free. Problems
    go next to their fields."""
    try:
        if form.profile_id.data and find_profile(form.profile_id.data) is None:
            form.profile_id.errors.append(f"Talon.One has no customer profile {form.profile_id.data}.")
        if form.identifier.data and card_exists(program_id, form.identifier.data):
            form.identifier.errors.append(f"Card {form.identifier.data} exists already; choose "
                                          f"another identifier or leave it empty.")
    except TalonError as error:
        form.identifier.errors.append(f"Could not check with Talon.One: {error.message}")
    return not (form.profile_id.errors or form.identifier.errors)


def card_exists(program_id: int, identifier: str) -> bool:
    try:
        talon.management.get_loyalty_card(program_id, identifier)
    except TalonNotFound:
        return False
    return True


def generate_request(form) -> dict:
    """generate_loyalty_card's arguments."""
    return {
        "status": form.status.data,
        "customer_profile_ids": [form.profile_id.data] if form.profile_id.data else None,
        "card_identifier": form.identifier.data or None,
    }


def generated_message(card: LoyaltyCard, form) -> str:
    text = f"Card {card.identifier} generated"
    if form.profile_id.data:
        text += f" and linked to {form.profile_id.data}"
    return text + "."
