"""Which actions a session offers: Talon.One's state machine (DESIGN.md section 5), the user's
role, and a store-bound manager's store. The views enforce the same rules on the server; this
module is the single place that states them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..permissions import can, store_allowed

RETURNABLE = ("closed", "partially_returned")
REOPENABLE = ("closed",)
CANCELLABLE = ("open", "closed", "partially_returned")
# What a session update may move each state to (reopen and returns have their own endpoints).
UPDATE_TARGETS = {
    "open": ("open", "closed", "cancelled"),
    "closed": ("cancelled",),
    "partially_returned": ("cancelled",),
    "cancelled": (),
}


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    permission: str
    states: tuple[str, ...] | None  # None: any state
    store_bound: bool
    refusal: str  # why a state cannot take it ({state} is filled in)

    def state_allows(self, state: str) -> bool:
        return self.states is None or state in self.states

    def why_not(self, state: str) -> str:
        return self.refusal.format(state=state.replace("_", " "))


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("preview", "Dry-run preview", "preview", None, False, ""),
    Action("return", "Return items", "return_reopen", RETURNABLE, True,
           "Only closed or partially returned sessions take returns; this session is {state}."),
    Action("reopen", "Reopen", "return_reopen", REOPENABLE, True,
           "Only a closed session can be reopened; this session is {state}."),
    Action("cancel", "Cancel", "return_reopen", CANCELLABLE, True,
           "A {state} session cannot be cancelled."),
)}


def allowed(action: str, state: str, store: str | None, user: Any) -> bool:
    rule = ACTIONS[action]
    return (rule.state_allows(state) and can(user, rule.permission)
            and (not rule.store_bound or store_allowed(user, store)))


def offered(state: str, store: str | None, user: Any) -> list[Action]:
    """The actions to show on the session page, in display order."""
    return [a for a in ACTIONS.values() if allowed(a.name, state, store, user)]


def preview_targets(state: str) -> list[str]:
    """States a dry run may aim at. A dry update evaluates the payload as a new session
    (open or closed); cancelling previews the rollbacks of this very session."""
    targets = ["open", "closed"]
    if "cancelled" in UPDATE_TARGETS.get(state, ()):
        targets.append("cancelled")
    return targets


def default_preview_target(state: str) -> str:
    return "open" if state == "open" else "closed"
