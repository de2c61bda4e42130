"""The header navigation, in one list. Areas add their entry here; an entry shows only when its
endpoint exists (the area's blueprint is registered) and the user's role holds its permission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for

from .permissions import can, resolved


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    permission: str


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Search", "main.home", "lookup"),
    NavItem("Coupons", "coupons.index", "lookup"),
    NavItem("Audiences", "audiences.index", "lookup"),
    NavItem("Loyalty", "loyalty.programs", "lookup"),
    NavItem("Test bench", "campaigns.test_bench", "test_bench"),
    NavItem("Audit log", "audit.index", "audit"),
    NavItem("Staff", "admin.users", "staff_accounts"),
)


def visible_nav(user: Any) -> list[dict[str, str]]:
    views = current_app.view_functions
    user = resolved(user)  # once, not once per entry through the current_user proxy
    return [
        {"label": item.label, "url": url_for(item.endpoint), "endpoint": item.endpoint}
        for item in NAV_ITEMS
        if item.endpoint in views and can(user, item.permission)
    ]
