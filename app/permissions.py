"""Who may do what: the permission table of DESIGN.md section 4, in one place.

Views declare what they need with @require("permission"); templates ask can(current_user, ...)
to hide what a role cannot use (hiding is convenience, the decorator is the enforcement).
Managers tied to a store are limited to that store's sessions by check_store.

`python -m app.permissions` prints the table as Markdown for the README.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable

from flask import abort, current_app, request

from .audit_log import record
from .models import ROLES


@dataclass(frozen=True)
class Permission:
    action: str
    roles: frozenset[str]
    # Roles that hold the permission only for their own store (see check_store).
    own_store_roles: frozenset[str] = frozenset()
    # What a refusal tells staff, where the table's wording (DESIGN.md's) names API terms.
    words: str = ""


def _roles(*names: str) -> frozenset[str]:
    unknown = set(names) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return frozenset(names)


EVERYONE = _roles(*ROLES)

PERMISSIONS: dict[str, Permission] = {
    "lookup": Permission(
        "look up customers, sessions, inventory, coupons, audiences, cards", EVERYONE),
    "preview": Permission("dry-run preview of a session", EVERYONE),
    # Not in DESIGN.md's first table: dry runs only, like the preview, so every role holds it.
    "why_not": Permission(
        "“Why not?”: explain a session or a code with dry runs (nothing is saved)", EVERYONE),
    "test_bench": Permission(
        "campaign test bench (evaluableCampaignIds, future `now`)", _roles("marketer", "admin"),
        words="the campaign test bench (dry runs of chosen campaigns, also at a future time)"),
    "return_reopen": Permission(
        "return items, reopen or cancel a session", _roles("agent", "manager", "admin"),
        own_store_roles=_roles("manager")),
    "reservations": Permission(
        "create or delete coupon reservations", _roles("agent", "marketer", "admin")),
    "audiences": Permission(
        "audiences: create, rename, delete, memberships, attributes", _roles("marketer", "admin")),
    "loyalty_cards": Permission(
        "loyalty: generate card, link or unlink a profile", _roles("agent", "manager", "admin")),
    # Not in DESIGN.md's first table: support fixes a customer's details and hands out referral
    # codes on the phone, so agents hold both; marketers run referral programmes.
    "profile_edit": Permission(
        "edit a customer's profile attributes", _roles("agent", "manager", "admin")),
    "referrals": Permission(
        "create a referral code for a customer", _roles("agent", "marketer", "admin")),
    # Not in DESIGN.md's first table (issue 17): goodwill points within the caps of
    # app/points_caps.py, which admins set.
    "loyalty_points": Permission(
        "loyalty: add or deduct points on a card or profile (within the role's caps)",
        _roles("agent", "manager", "admin")),
    "points_caps": Permission("set the caps on points added or deducted by hand", _roles("admin")),
    "delete_customer_data": Permission("delete a customer's personal data", _roles("admin")),
    "audit": Permission("audit log", _roles("manager", "admin")),
    "staff_accounts": Permission("staff accounts", _roles("admin")),
}


def resolved(user: Any) -> Any:
    """The user object behind Flask-Login's ``current_user`` proxy (any other value as it is).
    Templates ask can(current_user, ...) many times per page, and every attribute read through
    the proxy looks the user up again; reading the object once is cheaper and answers the same."""
    get_object = getattr(user, "_get_current_object", None)
    return get_object() if get_object is not None else user


def can(user: Any, permission: str) -> bool:
    """Whether the user's role holds the permission. An unknown permission name is a bug in the
    caller, so it raises KeyError instead of quietly answering False."""
    rule = PERMISSIONS[permission]
    user = resolved(user)
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return getattr(user, "role", None) in rule.roles


def store_allowed(user: Any, store_id: str | None) -> bool:
    """A manager tied to a store may act only on that store's sessions; everyone else, and a
    manager without a store, on any store."""
    user = resolved(user)
    own_store = getattr(user, "store", None)
    if getattr(user, "role", None) != "manager" or not own_store:
        return True
    return store_id == own_store


def _refuse(permission: str, target_type: str, target_id: str | None, message: str, **details) -> None:
    summary = {"permission": permission, "method": request.method, "path": request.path, **details}
    record("permission.refused", target_type, target_id, summary=summary, outcome="refused")
    abort(403, description=message)


def check_store(user: Any, store_id: str | None, *, target_type: str = "store",
                target_id: str | None = None) -> None:
    """Abort with an audited 403 when a store-bound manager acts on another store. Pass the
    session as target so the audit entry names what was refused."""
    if store_allowed(user, store_id):
        return
    _refuse(
        "own_store", target_type, target_id or store_id,
        f"This belongs to {store_id or 'no store'}; your account is limited to {user.store}.",
        store=store_id, own_store=user.store,
    )


def require(permission: str) -> Callable:
    """View decorator: 403 (page or htmx fragment) and an audited refusal unless the logged-in
    user's role holds `permission`."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            from flask_login import current_user

            user = resolved(current_user)
            if not user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not can(user, permission):
                _refuse(permission, "permission", permission,
                        f"Your role ({user.role}) may not use this: "
                        f"{PERMISSIONS[permission].words or PERMISSIONS[permission].action}.",
                        endpoint=request.endpoint)
            return view(*args, **kwargs)

        guarded.required_permission = permission
        return guarded

    return decorator


def may_use(user: Any, endpoint: str) -> bool:
    """Whether the user's role holds the permission the endpoint's view @require-s (for links
    and buttons to other pages)."""
    view = current_app.view_functions[endpoint]
    permission = getattr(view, "required_permission", None)
    return permission is None or can(user, permission)


def markdown_table() -> str:
    """The table for the README (tests/web/test_permissions.py keeps the README in sync)."""
    lines = [
        "| permission | action | " + " | ".join(ROLES) + " |",
        "|---|---|" + "---|" * len(ROLES),
    ]
    for name, rule in PERMISSIONS.items():
        cells = []
        for role in ROLES:
            if role in rule.own_store_roles:
                cells.append("✓ (own store)")
            else:
                cells.append("✓" if role in rule.roles else "")
        lines.append(f"| `{name}` | {rule.action} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
