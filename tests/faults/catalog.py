"""Every page and action of the console, read from app.url_map, with demo IDs for its URL.

The fault, bad-input and security suites all start from this list, so a route that another area
adds is covered by all three without touching them. A URL variable this file has no demo value
for fails loudly (UnknownVariable), which is the signal to add one here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import requests

PUBLIC_ENDPOINTS = frozenset({"auth.login", "main.healthz", "static"})
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ROLES = ("agent", "marketer", "manager", "admin")
MANAGER_STORE = "store-berlin"
OTHER_STORE = "store-hamburg"


# Views serving two methods with different permissions, where @require on the view names the
# GET's and the view requires the other for the changing method itself (with the same audited
# 403). The inventory checks that the behaviour matches this table.
METHOD_PERMISSIONS: dict[tuple[str, str], str] = {}


class UnknownVariable(LookupError):
    pass


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    rule: str
    variables: tuple[str, ...]
    permission: str | None

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule}"

    @property
    def public(self) -> bool:
        return self.endpoint in PUBLIC_ENDPOINTS or self.endpoint.endswith(".static")

    @property
    def changes(self) -> bool:
        return self.method in CHANGING_METHODS

    @property
    def is_session_route(self) -> bool:
        return any("session" in name for name in self.variables)


def inventory_config(tmp: Path | None = None) -> dict:
    """A console config good enough to read the URL map (no database or upstream needed)."""
    from tests.conftest import console_config

    class Offline:
        url = "http://127.0.0.1:9"
        integration_key = "offline-integration-key"
        management_key = "offline-management-key"

    return console_config(Offline(), Path(tmp or "/nonexistent") / "inventory.db",
                          SQLALCHEMY_DATABASE_URI="sqlite://")


@lru_cache(maxsize=1)
def all_routes() -> tuple[Route, ...]:
    """(endpoint, method) pairs of the app as it is now, sorted, HEAD and OPTIONS left out."""
    from app import create_app
    from app.talon import talon

    # create_app makes the new app's service the one `talon` uses outside any app context;
    # the inventory app must not take that place from a test's console.
    fallback = talon._fallback
    app = create_app(inventory_config())
    talon._fallback = fallback
    routes = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append(Route(
                endpoint=rule.endpoint, method=method, rule=rule.rule,
                variables=tuple(rule.arguments),
                permission=METHOD_PERMISSIONS.get((rule.endpoint, method), getattr(view, "required_permission", None)),
            ))
    return tuple(sorted(routes, key=lambda r: (r.rule, r.method)))


def protected_routes() -> list[Route]:
    return [r for r in all_routes() if not r.public]


def pages() -> list[Route]:
    return [r for r in protected_routes() if r.method == "GET"]


def actions() -> list[Route]:
    return [r for r in protected_routes() if r.changes]


# --- demo IDs --------------------------------------------------------------------------------

# Variables whose meaning depends on the route.
ENDPOINT_VALUES = {
    ("customers.section", "name"): "profile",
    ("sessions.section", "name"): "details",
    ("profiles.history", "target_type"): "customer",
    ("profiles.history", "target_id"): "cust-0001",
}


# Objects of the console's own database (bulk jobs, test-bench cases, suites and runs, stored
# results of returns): none exists in a fresh database, so these values name missing ones. The
# security suite needs no more (permissions are checked before the lookup); the fault suite
# leaves such pages out (see needs_console_object).
CONSOLE_OBJECTS = {"job_id": 1, "case_id": 1, "run_id": 1, "suite_id": 1, "key": "0" * 32}


def needs_console_object(route: Route) -> bool:
    return any(name in CONSOLE_OBJECTS for name in route.variables)


@dataclass
class DemoIds:
    """IDs from the sandbox's demo data (CONTRIBUTING.md, "Demo data"); sessions are looked up
    in the sandbox so that their store and state are known, not guessed."""

    profile: str = "cust-0001"
    coupon: str = "SUMMER20"
    program: int = 1
    profile_program: int = 2
    card: str = "4000-0001"
    audience: int = 1
    campaign: int = 1
    achievement: int = 1
    username: str = "agent"
    closed_session: str = "sess-00001"
    other_store_session: str = "sess-00002"
    extra: dict = field(default_factory=dict)

    def value(self, route: Route, name: str, *, other_store: bool = False):
        lowered = name.lower()
        if lowered in self.extra:
            return self.extra[lowered]
        if (route.endpoint, name) in ENDPOINT_VALUES:
            return ENDPOINT_VALUES[(route.endpoint, name)]
        if "session" in lowered:
            return self.other_store_session if other_store else self.closed_session
        if lowered in ("integration_id", "profile_id", "customer_id", "profile", "customer") or "customer" in lowered:
            return self.profile
        if "coupon" in lowered or lowered == "code":
            return self.coupon
        if "program" in lowered:
            return self.profile_program if "/customers/" in route.rule else self.program
        if "card" in lowered or lowered == "identifier":
            return self.card
        if "audience" in lowered:
            return self.audience
        if "campaign" in lowered:
            return self.campaign
        if "achievement" in lowered:
            return self.achievement
        if lowered in ("username", "user", "name"):
            return self.username
        if lowered in ("filename", "path"):
            return "app.css"
        if lowered in CONSOLE_OBJECTS:
            return CONSOLE_OBJECTS[lowered]
        raise UnknownVariable(
            f"no demo value for <{name}> in {route.rule} ({route.endpoint}): add one to "
            "tests/faults/catalog.py DemoIds")

    def path(self, route: Route, *, other_store: bool = False, override: dict | None = None) -> str:
        from werkzeug.routing import Map, Rule

        values = {name: (override or {}).get(name, self.value(route, name, other_store=other_store))
                  for name in route.variables}
        # Build with werkzeug so that converters quote values as the app's url_for would.
        rule = Rule(route.rule, endpoint=route.endpoint)
        Map([rule])
        return rule.build(values, append_unknown=False)[1]


def discover_demo_ids(sandbox) -> DemoIds:
    """Demo IDs, with the session ones found through the sandbox's Management API: a closed
    session of the manager's store and a closed session of another store."""
    ids = DemoIds()
    http = requests.Session()
    http.headers["Authorization"] = f"ManagementKey-v1 {sandbox.management_key}"
    closed: dict[str, str] = {}
    skip = 0
    while len(closed) < 2 and skip < 2000:
        page = http.get(f"{sandbox.url}/v1/applications/1/sessions",
                        params={"pageSize": 1000, "skip": skip, "state": "closed"}, timeout=30)
        page.raise_for_status()
        rows = page.json().get("data") or []
        for session in rows:
            store = session.get("storeIntegrationId") or ""
            if session.get("state") == "closed" and store in (MANAGER_STORE, OTHER_STORE):
                closed.setdefault(store, session["integrationId"])
        if len(rows) < 1000:
            break
        skip += 1000
    http.close()
    if MANAGER_STORE in closed:
        ids.closed_session = closed[MANAGER_STORE]
    if OTHER_STORE in closed:
        ids.other_store_session = closed[OTHER_STORE]
    return ids


# --- forms on a page -------------------------------------------------------------------------

_ATTR = re.compile(r'([\w:-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s>]+))')


def attributes(tag: str) -> dict[str, str]:
    import html

    return {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
            for m in _ATTR.finditer(tag)}
