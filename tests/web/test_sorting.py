"""Paged lists sorted on the server by their column headings (app/sorting.py): the whole list is
in order across its pages (Talon.One's `sort` for a customer's sessions and an audience's
members, the database query for the audit log), the order is in the URL and kept by paging and
filters, the sorted heading has aria-sort, and a bad ?sort= is ignored with a word, never a 500.
A card's transactions, which Talon.One cannot sort, say so instead."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.web.test_sessions_support import agent, app_config, upstream  # noqa: F401  (fixtures)
from tests.web.test_sessions_support import text

SESSION_ROW = re.compile(r'<tr>\s*<td><a href="/sessions/([^"]+)">')
MEMBER_ROW = re.compile(r'<tr>\s*<td><a href="/customers/([^"]+)">')


def headings(body: str) -> dict[str, str]:
    """{heading text: the <th> element's HTML} of a page's tables."""
    found = {}
    for th in re.findall(r"<th\b.*?</th>", body, re.S):
        label = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", th))).strip()
        found[label.split(" ↕")[0].split(" ▲")[0].split(" ▼")[0]] = th
    return found


def sort_link(th: str) -> str:
    return html.unescape(re.search(r'href="([^"]+)"', th).group(1))


def listed_sessions(upstream, profile: str, sort: str) -> list[dict]:
    answer = upstream.http.get(f"{upstream.sandbox.url}/v1/applications/1/sessions", timeout=30,
                               params={"profile": profile, "sort": sort, "pageSize": 1000},
                               headers={"Authorization": f"ManagementKey-v1 {upstream.sandbox.management_key}"})
    answer.raise_for_status()
    return answer.json()["data"]


@pytest.fixture
def small_pages(monkeypatch):
    """Two sessions and three members a page, so the demo's lists have several pages."""
    from app.audiences import service
    from app.customers import forms, sections

    monkeypatch.setattr(forms, "SESSIONS_PER_PAGE", 2)
    monkeypatch.setattr(sections, "SESSIONS_PER_PAGE", 2)
    monkeypatch.setattr(service, "MEMBERS_PER_PAGE", 3)


# -- a customer's sessions (getApplicationSessions' sort) ---------------------------------------

def test_sessions_sorted_by_total_are_in_order_across_every_page(agent, upstream, small_pages):
    whole = [s["integrationId"] for s in listed_sessions(upstream, "cust-0001", "total")]
    assert len(whole) > 4
    shown = []
    for page in (1, 2, 3):
        response = agent.get("/customers/cust-0001/sections/sessions", headers={"HX-Request": "true"},
                             query_string={"sort": "total", "page": page})
        assert response.status_code == 200
        shown += SESSION_ROW.findall(response.get_data(as_text=True))
    assert shown == whole[:6]
    asked = upstream.log("GET", r"^/v1/applications/1/sessions$")
    assert asked and all("sort=total" in (r.get("query") or "") for r in asked[-3:])


def test_the_sorted_heading_has_aria_sort_and_links_keep_filters_and_start_at_page_one(agent, small_pages):
    body = agent.get("/customers/cust-0001", query_string={"sort": "-total", "state": "closed",
                                                            "page": 2}).get_data(as_text=True)
    th = headings(body)
    assert 'aria-sort="descending"' in th["Total"]
    assert "aria-sort" not in th["Created"] and "aria-sort" not in th["Items"]
    assert sort_link(th["Total"]) == "/customers/cust-0001?state=closed&sort=total"  # the other way
    assert sort_link(th["Created"]) == "/customers/cust-0001?state=closed"  # the default order
    assert "href" not in th["Items"] and "href" not in th["Coupon"]  # no field sorts them
    # paging and the filter form keep the order
    assert re.search(r'rel="prev" href="[^"]*sort=-total', body)
    assert '<input type="hidden" name="sort" value="-total">' in body


def test_the_default_order_is_newest_first_with_aria_sort(agent):
    body = agent.get("/customers/cust-0001").get_data(as_text=True)
    assert 'aria-sort="descending"' in headings(body)["Created"]
    assert "data-sortable" not in body


@pytest.mark.parametrize("bad", ["colour", "<script>alert(1)</script>", "--created", "-", "x" * 500,
                                 "total;DROP", "items", "created\x00"])
def test_a_bad_sort_is_ignored_with_a_word(agent, upstream, bad):
    response = agent.get("/customers/cust-0001", query_string={"sort": bad})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "cannot be sorted by" in text(response) and "It can be sorted by Session, State" in text(response)
    assert "<script>alert" not in body
    assert 'aria-sort="descending"' in headings(body)["Created"]
    asked = upstream.log("GET", r"^/v1/applications/1/sessions$")
    assert "sort=-created" in (asked[-1].get("query") or "")


def test_a_sort_talon_one_refuses_is_said_in_the_section(agent, upstream):
    upstream.fault(r"^/v1/applications/1/sessions$", "GET", status=400)
    response = agent.get("/customers/cust-0001/sections/sessions", headers={"HX-Request": "true"},
                         query_string={"sort": "store"})
    assert response.status_code < 500


# -- an audience's members (getAudienceMemberships' sort) ---------------------------------------

def test_members_sorted_by_last_activity_across_pages(agent, upstream, small_pages):
    answer = upstream.http.get(f"{upstream.sandbox.url}/v1/audiences/2/memberships", timeout=30,
                               params={"pageSize": 1000, "sort": "-lastActivity"},
                               headers={"Authorization": f"ManagementKey-v1 {upstream.sandbox.management_key}"})
    whole = [m["integrationId"] for m in answer.json()["data"]]
    shown = []
    for page in (1, 2):
        response = agent.get("/audiences/2/members", headers={"HX-Request": "true"},
                             query_string={"sort": "-activity", "page": page})
        body = response.get_data(as_text=True)
        shown += MEMBER_ROW.findall(body)
        assert 'aria-sort="descending"' in headings(body)["Last activity"]
        assert f'page={page + 1}&amp;sort=-activity' in body  # the next page keeps the order
    assert shown == whole[:6]


def test_members_page_without_javascript_is_sorted_and_deep_linkable(agent, small_pages):
    body = agent.get("/audiences/2", query_string={"sort": "-profile"}).get_data(as_text=True)
    th = headings(body)
    assert 'aria-sort="descending"' in th["Profile"]
    assert sort_link(th["Profile"]) == "/audiences/2"  # back to the default (ascending)
    assert sort_link(th["Last activity"]) == "/audiences/2?sort=-activity"
    assert "href" not in th["Name"]  # an attribute: Talon.One's sort does not take it
    ids = MEMBER_ROW.findall(body)
    assert ids == sorted(ids, reverse=True)
    redirect = agent.get("/audiences/2/members", query_string={"sort": "-activity", "page": 2})
    assert redirect.status_code == 303 and redirect.headers["Location"] == "/audiences/2?page=2&sort=-activity"


def test_a_bad_member_sort_is_ignored_with_a_word(agent):
    response = agent.get("/audiences/2", query_string={"sort": "name"})
    assert response.status_code == 200 and "cannot be sorted by “name”" in text(response)


# -- a card's transactions: Talon.One takes no sort ---------------------------------------------

def test_transactions_say_they_cannot_be_sorted(agent):
    response = agent.get("/loyalty/1/cards/4000-0001", query_string={"sort": "points"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "cannot sort transactions by a column" in text(response)
    assert 'class="sort-link"' not in body.split('id="loyalty-transactions"')[1].split("</section>")[0]


# -- the audit log (the database query) -------------------------------------------------------

def add_entries(app, count: int = 7) -> None:
    from app.extensions import db
    from app.models import AuditEntry

    actors = ["mallory", "alice", "zed", "bob", "carol", "yann", "dave"]
    with app.app_context():
        for n in range(count):
            db.session.execute(sa.insert(AuditEntry).values(
                actor=actors[n % len(actors)], actor_role="agent", action=f"test.step{n}",
                target_type="session", target_id=f"sess-{n:05d}", dry_run=False,
                outcome="success", created_at=datetime(2030, 1, 1) + timedelta(hours=n)))
        db.session.commit()


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def audit_actors(response) -> list[str]:
    body = response.get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]
    return [re.sub(r"<[^>]+>", "", cell).strip().split()[0]
            for cell in re.findall(r"<tr>\s*<td>.*?</td>\s*<td>(.*?)</td>", body, re.S)]


def test_the_audit_log_sorted_by_actor_is_in_order_across_pages(app, admin, monkeypatch):
    add_entries(app)
    monkeypatch.setitem(app.config, "AUDIT_PAGE_SIZE", 3)
    filters = {"action": "test."}
    shown = []
    for page in (1, 2, 3):
        response = admin.get("/audit", query_string={**filters, "sort": "actor", "page": page})
        assert response.status_code == 200
        shown += audit_actors(response)
    assert shown == sorted(["mallory", "alice", "zed", "bob", "carol", "yann", "dave"])
    body = admin.get("/audit", query_string={**filters, "sort": "-actor"}).get_data(as_text=True)
    assert audit_actors(admin.get("/audit", query_string={**filters, "sort": "-actor"}))[0] == "zed"
    th = headings(body)
    assert 'aria-sort="descending"' in th["Actor"] and "aria-sort" not in th["Time"]
    assert sort_link(th["Actor"]) == "/audit?action=test.&sort=actor"
    assert sort_link(th["Time"]) == "/audit?action=test."
    assert "href" not in th["Details"]
    assert re.search(r'href="/audit\?[^"]*sort=-actor[^"]*page=2', body)  # paging keeps the order


def test_the_audit_log_is_newest_first_by_default(app, admin):
    add_entries(app)
    body = admin.get("/audit", query_string={"action": "test."}).get_data(as_text=True)
    assert 'aria-sort="descending"' in headings(body)["Time"]
    assert audit_actors(admin.get("/audit", query_string={"action": "test."}))[0] == "dave"


@pytest.mark.parametrize("bad", ["details", "<img src=x onerror=alert(1)>", "-", "summary", "id"])
def test_a_bad_audit_sort_is_ignored_with_a_word(app, admin, bad):
    add_entries(app)
    response = admin.get("/audit", query_string={"action": "test.", "sort": bad})
    assert response.status_code == 200
    assert "cannot be sorted by" in text(response)
    assert "<img src=x" not in response.get_data(as_text=True)
    assert audit_actors(response)[0] == "dave"
