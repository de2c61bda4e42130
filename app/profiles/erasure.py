"""What deleting a customer's personal data erases, read before the admin confirms: the
profile's attributes, sessions, card links, program memberships, audiences, coupons, referral
codes and achievements (Talon.One's deleteCustomerData)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..talon import talon
from ..talon.errors import TalonError
from ..talon.models import CustomerProfile, Inventory

SESSION_COUNT_LIMIT = 1000  # one page of the Management list; "1000 or more" beyond


@dataclass(frozen=True)
class Erasure:
    profile: CustomerProfile
    inventory: Inventory | None
    sessions: int | None
    more_sessions: bool = False
    problems: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, profile: CustomerProfile) -> "Erasure":
        integration_id = profile.integration_id
        results = talon.fan_out({
            "inventory": lambda: talon.integration.get_customer_inventory(integration_id),
            "sessions": lambda: talon.management.list_sessions(
                profile=integration_id, page_size=SESSION_COUNT_LIMIT),
        })
        problems = [f"The {name} could not be read: {value.message}"
                    for name, value in results.items() if isinstance(value, TalonError)]
        inventory = results["inventory"] if isinstance(results["inventory"], Inventory) else None
        sessions = results["sessions"]
        if isinstance(sessions, TalonError):
            return cls(profile, inventory, None, problems=problems)
        return cls(profile, inventory, len(sessions), sessions.has_more, problems)

    @property
    def cards(self) -> list[str]:
        return [card.identifier for card in self.inventory.loyalty_cards] if self.inventory else []

    @property
    def programs(self) -> list[str]:
        if not self.inventory:
            return []
        return [str(program.get("title") or program.get("name") or key)
                for key, program in self.inventory.loyalty_programs.items()]

    @property
    def audiences(self) -> list[str]:
        return [str(m.get("name") or m.get("id")) for m in self.profile.audience_memberships
                if isinstance(m, dict)]

    def counts(self) -> dict[str, int | str | None]:
        """Numbers only, for the audit entry: the fact and size of the erasure, no personal data."""
        inventory = self.inventory
        return {
            "attributes": len(self.profile.attributes or {}),
            "sessions": f"{self.sessions}+" if self.more_sessions else self.sessions,
            "loyalty_cards": len(self.cards) if inventory else None,
            "loyalty_programs": len(self.programs) if inventory else None,
            "audiences": len(self.audiences),
            "coupons": len(inventory.coupons) if inventory else None,
            "referral_codes": len(inventory.referrals) if inventory else None,
            "achievements": len(inventory.achievements) if inventory else None,
        }
