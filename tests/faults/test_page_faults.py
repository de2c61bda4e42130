"""Every page (each GET route of app.url_map, with demo IDs) and the htmx sections it loads, under
each of the seven upstream faults.

For every (page, fault) case: never a 500, a stack trace or a key; the page frame still renders
(a failing section never blanks the page) with a specific message for the fault; a page that
needs nothing from Talon.One keeps working as if nothing happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from tests.faults.catalog import attributes, discover_demo_ids, needs_console_object, pages
from tests.faults.counts import count_checks
from tests.faults.faults import (
    FAULT_IDS,
    FAULTS,
    HELD_ONLY_READ_TIMEOUT,
    FaultyConsole,
    assert_human_message,
    assert_safe_answer,
    clear,
    inject,
    sandbox_requests,
)

# Query strings that make a page show something (pages with required query arguments).
PAGE_QUERIES = {
    "search.search": "q=cust-0001",
    "search.suggest": "q=cust-000",
    "loyalty.change_status": "status=inactive",
}
# Not pages: files and downloads (the CSV export is covered by the audit area's own tests).
NOT_PAGES = frozenset({"audit.export_csv"})
# The header of base.html: present when the page frame rendered.
FRAME = 'class="site-header"'

PAGES = [r for r in pages() if r.endpoint not in NOT_PAGES and not needs_console_object(r)]
LAZY = re.compile(r"<[^>]+\shx-get=[^>]*>", re.S)


def lazy_sections(html: str) -> list[str]:
    """URLs of the sections the page loads by itself (hx-trigger load/revealed/intersect)."""
    urls = []
    for tag in LAZY.findall(html):
        attrs = attributes(tag)
        trigger = attrs.get("hx-trigger", "")
        if any(word in trigger for word in ("load", "revealed", "intersect")) and attrs["hx-get"].startswith("/"):
            urls.append(attrs["hx-get"])
    return list(dict.fromkeys(urls))


@pytest.fixture(scope="module")
def demo_ids(sandbox):
    return discover_demo_ids(sandbox)


@pytest.fixture(scope="module", params=FAULTS, ids=FAULT_IDS)
def faulty(request, sandbox, tmp_path_factory):
    """A console (and an admin logged in to it) for one fault, shared by that fault's cases.
    Every Talon.One call of a case is made under the fault, so the timeout fault's console may
    give up as soon as HELD_ONLY_READ_TIMEOUT: the sandbox holds each call for a second."""
    return FaultyConsole(request.param, sandbox, tmp_path_factory.mktemp(f"fault-{request.param.name}"),
                         read_timeout=HELD_ONLY_READ_TIMEOUT)


@pytest.fixture
def fault_case(faulty, talon_sandbox):
    """Per case: the sandbox back at its seed, the console's circuit breaker closed again (each
    case starts from a healthy console, as the first agent to meet the fault would)."""
    faulty.reset_circuit()
    return faulty


def page_url(route, demo_ids) -> str:
    path = demo_ids.path(route)
    query = PAGE_QUERIES.get(route.endpoint)
    return f"{path}?{query}" if query else path


APPLICATION_SETTINGS = re.compile(r"/v1/applications/[0-9]+")


@dataclass
class Baseline:
    status: int
    sections: list[str]
    needs_talon: bool
    # A section route: the browser never opens it as a page, htmx swaps it into one.
    htmx: bool
    # A whole page (with the site header), not a fragment that a page loads into itself.
    whole_page: bool


class Baselines:
    """Each page as it is without faults, read once through a healthy console: its status, the
    sections it loads, and whether it calls Talon.One at all."""

    def __init__(self, sandbox, db_path) -> None:
        from tests.conftest import console_config, make_console, read_csrf_token

        self.sandbox = sandbox
        # No read cache: a page that reads a cached program or campaign list still needs Talon.One,
        # whichever page happened to fill the cache first (the cases run in any order).
        self.client = make_console(console_config(sandbox, db_path, TALON_CACHE_TTL=0)).test_client()
        response = self.client.post("/login", data={"username": "admin", "password": "demo",
                                                    "csrf_token": read_csrf_token(self.client)})
        assert response.status_code == 303
        self.pages: dict[str, Baseline] = {}

    def of(self, url: str) -> Baseline:
        if url not in self.pages:
            calls_before = len(sandbox_requests(self.sandbox))
            response = self.client.get(url)
            htmx = 300 <= response.status_code < 400
            if htmx:
                response = self.client.get(url, headers={"HX-Request": "true"})
            html = response.get_data(as_text=True)
            # The Application's settings (currency, time zone) are read once per hold period
            # by whichever page comes first and fall back to the configuration without a word
            # (app/talon/application.py): that read does not make a page one that needs Talon.One.
            calls = [entry for entry in sandbox_requests(self.sandbox)[calls_before:]
                     if not APPLICATION_SETTINGS.fullmatch(entry["path"])]
            self.pages[url] = Baseline(response.status_code, lazy_sections(html), bool(calls),
                                       htmx, FRAME in html)
        return self.pages[url]


@pytest.fixture(scope="module")
def baselines(sandbox, tmp_path_factory):
    return Baselines(sandbox, tmp_path_factory.mktemp("baseline") / "console.db")


# Known bugs: {endpoint: (fault ids, where and a proposed fix)}. Strict: when a fix makes the
# case pass, it fails as XPASS until its entry here is removed. None at the moment.
KNOWN_BUGS: dict[str, tuple[tuple[str, ...], str]] = {}


@pytest.fixture(autouse=True)
def _mark_known_bugs(request):
    if "route" in request.fixturenames and "fault_case" in request.fixturenames:
        route = request.getfixturevalue("route")
        faults, reason = KNOWN_BUGS.get(route.endpoint, ((), ""))
        if request.getfixturevalue("faulty").fault.name in faults:
            request.node.add_marker(pytest.mark.xfail(reason=reason, strict=True))


@pytest.mark.parametrize("route", PAGES, ids=lambda r: r.id)
def test_page_under_fault(route, fault_case, demo_ids, baselines):
    sandbox, fault, admin = fault_case.sandbox, fault_case.fault, fault_case.admin
    url = page_url(route, demo_ids)
    baseline = baselines.of(url)
    assert baseline.status < 400, f"{url} is not a working page without faults ({baseline.status})"
    page_headers = {"HX-Request": "true"} if baseline.htmx else {}

    inject(sandbox, fault)
    try:
        answers = [(f"{fault.name} {url}", admin.get(url, headers=page_headers))]
        for section in baseline.sections:
            answers.append((f"{fault.name} section {section}",
                            admin.get(section, headers={"HX-Request": "true"})))
    finally:
        clear(sandbox, fault)

    bodies = [assert_safe_answer(response, what, fault_case.secrets) for what, response in answers]
    page_response = answers[0][1]
    rendered = not 300 <= page_response.status_code < 400
    if rendered and baseline.whole_page:
        assert FRAME in bodies[0], f"{url} under {fault.name}: the page frame did not render"
    if not baseline.needs_talon:
        assert page_response.status_code == baseline.status, (
            f"{url} needs nothing from Talon.One, yet answered {page_response.status_code} under {fault.name}")
    elif rendered:
        assert_human_message("\n".join(bodies), fault, url)
    count_checks("fault cases (page x fault)", 1)
