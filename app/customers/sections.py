"""What each section of the customer page needs from Talon.One, and how it is fetched.

The first render fetches everything at once with talon.fan_out: two calls (one page of sessions,
and the inventory that holds the profile, coupons, referrals, loyalty, giveaways and
achievements: one Integration API call for all of them), so the page is complete after one
upstream round trip. When the search has just read that inventory (app/handoff.py), the page uses
its answer and asks only for the sessions. A failed call fails only the sections built on it;
each of those shows its own error with a retry that fetches just that section (the profile alone,
or the inventory with only that part asked for).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..talon import talon
from ..talon.errors import TalonError, TalonNotFound
from ..talon.models import CustomerProfile, Inventory
from .forms import SESSIONS_PER_PAGE, SessionFilter
from .goodwill import next_free, widget_context


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    #: which upstream call the section is built from
    source: str
    #: for inventory sections, the getCustomerInventory flag that asks for it
    inventory_flag: str | None = None


SECTIONS: dict[str, Section] = {s.name: s for s in (
    Section("profile", "Profile", "profile"),
    Section("audiences", "Audiences", "profile"),
    Section("sessions", "Sessions", "sessions"),
    Section("coupons", "Coupons", "inventory", "coupons"),
    Section("loyalty", "Loyalty", "inventory", "loyalty"),
    Section("referrals", "Referrals", "inventory", "referrals"),
    Section("giveaways", "Giveaways", "inventory", "giveaways"),
    Section("achievements", "Achievements", "inventory", "achievements"),
)}
INVENTORY_FLAGS = ("referrals", "coupons", "loyalty", "giveaways", "achievements")


def _profile(integration_id: str):
    # the Integration API (no published cap), not the Management API's 3 per second
    return talon.integration.get_customer_profile(integration_id)


def _sessions(integration_id: str, filters: SessionFilter):
    return talon.management.list_sessions(
        profile=integration_id, state=filters.state, store_integration_id=filters.store,
        sort=filters.sort.param, page_size=SESSIONS_PER_PAGE, skip=filters.skip,
    )


def _inventory(integration_id: str, only: str | None = None):
    flags = {flag: only is None or flag == only for flag in INVENTORY_FLAGS}
    return talon.integration.get_customer_inventory(integration_id, profile=False, **flags)


def _calls(integration_id: str, filters: SessionFilter, sources: set[str],
           only_flag: str | None) -> dict[str, Callable[[], Any]]:
    calls = {
        "profile": lambda: _profile(integration_id),
        "sessions": lambda: _sessions(integration_id, filters),
        "inventory": lambda: _inventory(integration_id, only_flag),
    }
    if {"profile", "inventory"} <= sources:
        # the profile and every part in one call (the search reads the same: app/handoff.py)
        calls["inventory"] = lambda: talon.integration.get_customer_inventory(integration_id)
        sources = sources - {"profile"}
    return {name: call for name, call in calls.items() if name in sources}


def load(integration_id: str, filters: SessionFilter | None, only: str | None = None,
         goodwill: bool = False) -> dict[str, Any]:
    """``{source: result or TalonError}`` for the whole page, or for one section (``only``).
    Without ``filters`` (the agent's filter was invalid) the sessions are not asked for and
    read as None. With ``goodwill`` (the user may reserve), the page and the coupons section
    also look up the next free goodwill code (``results["goodwill"]``) in the same fan-out, so
    the coupons section's goodwill widget is rendered with the page."""
    calls, skip_sessions = _plan(integration_id, filters, only, goodwill)
    return _completed(talon.fan_out(calls), skip_sessions)


def start_load(integration_id: str, filters: SessionFilter | None, goodwill: bool = False,
               inventory: Inventory | None = None) -> Callable[[], dict[str, Any]]:
    """The whole page's load, started now; the returned function waits for it (the streamed
    page renders its frame in between). ``inventory``: the whole inventory, read just now by
    the request that sent the browser here (app/handoff.py), so it is not asked again."""
    calls, skip_sessions = _plan(integration_id, filters, None, goodwill)
    if inventory is not None:
        del calls["inventory"]
    pending = talon.start_fan_out(calls)

    def results() -> dict[str, Any]:
        done = pending.results()
        if inventory is not None:
            done["inventory"] = inventory
        return _completed(done, skip_sessions)

    return results


def _plan(integration_id: str, filters: SessionFilter | None, only: str | None,
          goodwill: bool) -> tuple[dict[str, Callable[[], Any]], bool]:
    if only is None:
        sources, flag = {"profile", "sessions", "inventory"}, None
    else:
        section = SECTIONS[only]
        sources, flag = {section.source}, section.inventory_flag
    skip_sessions = filters is None and "sessions" in sources
    if skip_sessions:
        sources.discard("sessions")
    calls = _calls(integration_id, filters or SessionFilter(), sources, flag)
    if goodwill and only in (None, "coupons"):
        calls["goodwill"] = lambda: next_free(shown_only=True)
    if only in (None, "coupons", "referrals"):
        # campaigns by name, not by number (a cached list: one Management read a minute)
        calls["campaigns"] = talon.management.campaign_names
    return calls, skip_sessions


def _completed(results: dict[str, Any], skip_sessions: bool) -> dict[str, Any]:
    if skip_sessions:
        results["sessions"] = None
    if "profile" not in results and "inventory" in results:
        results["profile"] = profile_of(results["inventory"])
    return results


def profile_of(inventory: Inventory | TalonError) -> CustomerProfile | TalonError:
    """The profile in a whole inventory (its failure, if it failed): Talon.One answers an
    unknown profile's inventory with a 404, or without a profile."""
    if isinstance(inventory, TalonError):
        return inventory
    if inventory.profile is None:
        return TalonNotFound("No such customer profile", status=404)
    return inventory.profile


# -- the coupons section's goodwill widget (goodwill.py) ------------------------------------


def goodwill_context(results: dict[str, Any], may_reserve: bool) -> dict[str, Any] | None:
    """What customers/_goodwill.html needs for its first render (as its own GET would give it);
    None when the lookup was not part of this load (the widget then loads itself)."""
    if may_reserve and "goodwill" not in results:
        return None
    return widget_context(results.get("goodwill") if may_reserve else None, may_reserve)


def is_unknown_customer(results: dict[str, Any]) -> bool:
    return isinstance(results.get("profile"), TalonNotFound)


def section_context(name: str, results: dict[str, Any]) -> dict[str, Any]:
    """The template variables of one section: its data, or the error that stopped it."""
    section = SECTIONS[name]
    result = results.get(section.source)
    if isinstance(result, TalonError):
        return {"error": result, "section": section}
    names = results.get("campaigns")
    return {"data": result, "section": section, "campaign_names": names if isinstance(names, dict) else {}}
