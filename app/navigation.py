"""The header navigation, in one list. Areas add their entry here; an entry shows only when its
endpoint exists (the area's blueprint is registered) and the user's role holds its permission.

The page frame's fixed links (these entries, the static files base.html loads) are built with
``fixed_url``: once per process outside debug mode, not on every page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for

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
        {"label": item.label, "url": fixed_url(item.endpoint), "endpoint": item.endpoint}
        for item in NAV_ITEMS
        if item.endpoint in views and can(user, item.permission)
    ]


_FIXED_URLS = "talon_desk_fixed_urls"
FIXED_URLS_HELD = 256  # far more than the frame's links; a bound all the same


def fixed_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)`` for a link that depends on nothing of the request but its
    script root (the static files every page loads, the header's pages), held per app and script
    root. A page's frame builds 16 of them, 8-20 us each through url_for (issue 19). In debug
    mode each is built anew: a static file's version follows its edits there (app.assets)."""
    app = current_app._get_current_object()
    if app.debug:
        return url_for(endpoint, **values)
    held = app.extensions.setdefault(_FIXED_URLS, {})
    key = (request.script_root, endpoint, *sorted(values.items()))
    url = held.get(key)
    if url is None:
        if len(held) >= FIXED_URLS_HELD:
            held.clear()
        url = held[key] = url_for(endpoint, **values)
    return url
