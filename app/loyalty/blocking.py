"""A card's status and its replacement, as Talon.One allows them.

- updateLoyaltyCard sets ``active`` or ``inactive`` and nothing else: deactivating is reversible
  and blocks nothing.
- transferLoyaltyCard is the only way to block a card: a new active card takes its linked
  profiles, balances and transactions, and "the original card is automatically blocked once
  the new card is created, and it cannot be activated again" (talon-openapi.json). So the
  console offers no unblock, and a blocked card's page says where its data went.

Every attempt is sent and audited on the card through app.changes.submit.
"""

from __future__ import annotations

from ..talon import talon
from ..talon.errors import TalonError
from ..talon.models import LoyaltyCard
from ..changes import Result, audit_refusal, submit
from .cards import card_audit_id, state_of

BLOCKED_FOR_GOOD = ("Talon.One never activates a blocked card again: its profiles, balances and "
                    "transactions moved to the card that replaced it.")


def set_status(card: LoyaltyCard, status: str) -> Result:
    return submit(
        lambda: talon.management.update_loyalty_card(card.program_id, card.identifier, status=status),
        action=f"loyalty_card.{'activate' if status == 'active' else 'deactivate'}",
        target=("loyalty_card", card_audit_id(card.program_id, card.identifier)),
        summary={"status_before": card.status})


def replace_scope(card: LoyaltyCard) -> str:
    """Where a replacement form of this card is claimed (once per form)."""
    return f"replace_card:{card.program_id}:{card.identifier}"


def replace(card: LoyaltyCard, new_identifier: str, reason: str, *, key: str) -> Result:
    """Transfer the card to ``new_identifier``, once for the form with this ``key``."""
    return submit(
        lambda: talon.management.transfer_loyalty_card(
            card.program_id, card.identifier, new_card_identifier=new_identifier, block_reason=reason),
        action="loyalty_card.replace",
        target=("loyalty_card", card_audit_id(card.program_id, card.identifier)),
        scope=replace_scope(card), key=key, payload={"new": new_identifier, "reason": reason},
        summary={"reason": reason, "replaced_by": new_identifier},
        kept=lambda _answer: {"new": new_identifier})


def status_refusal(card: LoyaltyCard, status: str) -> str | None:
    """Why setting this status makes no sense now; None when it does."""
    if state_of(card) == "blocked":
        return f"Card {card.identifier} is blocked ({card.block_reason or 'transferred'}). {BLOCKED_FOR_GOOD}"
    if card.status == status:
        return f"Card {card.identifier} is {status} already."
    return None


def replace_refusal(card: LoyaltyCard) -> str | None:
    if state_of(card) == "blocked":
        replaced_by = f" by {card.new_card_identifier}" if card.new_card_identifier else ""
        return f"Card {card.identifier} was replaced{replaced_by} already and is blocked."
    return None


def audit_card_refusal(card: LoyaltyCard, action: str, reason: str) -> None:
    audit_refusal(f"loyalty_card.{action}", "loyalty_card",
                  card_audit_id(card.program_id, card.identifier), reason)


def replaced_by(program_id: int, identifier: str, new_identifier: str) -> bool:
    """True when a re-read shows the card transferred to ``new_identifier`` (a replacement whose
    answer was lost happened); False when it was not, or cannot be read now."""
    try:
        card = talon.management.get_loyalty_card(program_id, identifier)
    except TalonError:
        return False
    return state_of(card) == "blocked" and card.new_card_identifier == new_identifier
