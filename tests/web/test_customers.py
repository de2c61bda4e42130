"""The customer page: every section, fetched in parallel; each section fails on its own with a
retry; the sessions filter and its bad input; unknown and malformed IDs."""

from __future__ import annotations

import re

import pytest

from tests.support.concurrency import overlapped
from tests.web.test_sessions_support import agent, app_config, upstream  # noqa: F401  (fixtures)
from tests.web.test_sessions_support import field_error, text

INVENTORY_SECTIONS = ("coupons", "loyalty", "referrals", "giveaways", "achievements")


def test_every_section_of_the_richest_customer(agent):
    page = agent.get("/customers/cust-0001")
    assert page.status_code == 200
    body = text(page)
    assert "Alice Archer" in body and "alice.archer@example.com" in body
    assert "Closed sessions 5" in body and "Total sales" in body
    assert "sess-00001" in body and "sess-00006" in body
    # campaigns by name (issue 16: a bare number told staff nothing)
    assert "VIPONLY-001 Summer coupons #2 hard" in body and "GOODWILL-001 Summer coupons #2 soft" in body
    assert "used 1 of 1" in body and "REF-ALICE Refer a friend #6" in body
    assert re.search(r"Members Points [\d,]+ \d+", body) and "4000-0001 Store Card active" in body
    assert "REF-ALICE" in body and "cust-0050" in body
    assert "GIFT-0001" in body
    assert "Three purchases" in body and "3 of 3" in body
    assert "VIP" in body and "Newsletter" in body


def test_the_sections_are_fetched_in_parallel(agent, upstream, talon_sandbox):
    upstream.http.post(f"{talon_sandbox.url}/sandbox/faults", json={"rules": [], "latencyMs": 400},
                       timeout=30).raise_for_status()
    page = agent.get("/customers/cust-0001")
    assert page.status_code == 200 and "Alice Archer" in text(page)  # read: the page is streamed
    calls = sorted(upstream.log(), key=lambda e: e["started"])
    assert len(calls) >= 3
    # profile, sessions and inventory: each started before any of them finished
    assert overlapped(calls[:3]), calls


def test_a_failing_inventory_fails_only_its_sections(agent, upstream):
    # The profile is read through the inventory too (the Integration API, not one of the
    # Management API's 3 requests per second), so its sections fail with it; sessions do not.
    upstream.fault(r"/inventory$", "GET", status=500)
    page = agent.get("/customers/cust-0001")
    assert page.status_code == 200
    body = text(page)
    assert "sess-00001" in body and "Profile: Talon.One is unavailable" in body
    html = page.get_data(as_text=True)
    for name in INVENTORY_SECTIONS:
        assert f'hx-get="/customers/cust-0001/sections/{name}"' in html
        assert f"{name.capitalize()}: Talon.One is unavailable" in body
    upstream.clear_faults()
    retry = agent.get("/customers/cust-0001/sections/coupons", headers={"HX-Request": "true"})
    assert retry.status_code == 200
    assert "VIPONLY-001" in text(retry) and "<html" not in retry.get_data(as_text=True)
    assert 'id="customer-coupons"' in retry.get_data(as_text=True)
    sent = upstream.log("GET", r"/inventory$")[-1]["query"]
    assert "coupons=true" in sent and "loyalty=false" in sent  # the retry asks only for its part


def test_failing_sessions_do_not_blank_the_page(agent, upstream):
    upstream.fault(r"/sessions$", "GET", status=503)
    body = text(agent.get("/customers/cust-0001"))
    assert "Sessions: Talon.One is unavailable" in body
    assert "Alice Archer" in body and "VIPONLY-001" in body


def test_filtering_sessions_by_state_and_store(agent, upstream):
    body = text(agent.get("/customers/cust-0001/sections/sessions",
                          query_string={"state": "closed", "store": "store-berlin"},
                          headers={"HX-Request": "true"}))
    assert "sess-00001" in body and "sess-00002" in body
    assert "sess-00003" not in body and "sess-00006" not in body
    query = upstream.log("GET", r"/sessions$")[-1]["query"]
    assert "state=closed" in query and "storeIntegrationId=store-berlin" in query and "sort=-created" in query
    none = text(agent.get("/customers/cust-0001", query_string={"state": "cancelled"}))
    assert "No sessions match this filter" in none


@pytest.mark.parametrize("args,field_id,message", [
    ({"store": "<b>x</b>"}, "store", "holds only letters"),
    ({"store": "s" * 101}, "store", "at most 100 characters"),
    ({"state": "lost"}, "state", "Not a valid choice"),
    ({"page": "0"}, "page", None),
    ({"page": "abc"}, "page", None),
])
def test_a_bad_filter_is_explained_and_not_sent(agent, upstream, args, field_id, message):
    page = agent.get("/customers/cust-0001", query_string=args)
    assert page.status_code == 200
    body = text(page)
    if message:
        assert message in field_error(page, field_id)
    assert "Fix the filter above to see the sessions" in body
    assert upstream.log("GET", r"/sessions$") == []
    assert "<b>x</b>" not in page.get_data(as_text=True)


def test_an_unknown_customer_says_so_and_offers_the_search(agent):
    # the page is streamed, so its status left before Talon.One said "no such profile"
    page = agent.get("/customers/cust-9999")
    assert page.status_code == 200 and "<title>Customer cust-9999 · Talon Desk</title>" in page.get_data(as_text=True)
    assert "No customer “cust-9999”" in text(page)
    assert 'action="/search"' in page.get_data(as_text=True)


@pytest.mark.parametrize("bad_id", ["cust 0001", "<script>alert(1)", 'cust"0001', "c" * 256])
def test_a_malformed_profile_id_is_refused_before_asking_talon_one(agent, upstream, bad_id):
    page = agent.get(f"/customers/{bad_id}")
    assert page.status_code == 404
    assert "This is not a valid customer ID" in text(page)
    assert "<script>alert" not in page.get_data(as_text=True)
    assert upstream.log() == []


def test_a_section_url_without_htmx_goes_to_the_page(agent):
    response = agent.get("/customers/cust-0001/sections/sessions", query_string={"state": "open"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/customers/cust-0001?state=open"
    assert agent.get("/customers/cust-0001/sections/secrets", headers={"HX-Request": "true"}).status_code == 404


def test_links_to_other_areas_only_when_they_exist(agent, app):
    html = agent.get("/customers/cust-0001").get_data(as_text=True)
    assert ('href="/coupons/VIPONLY-001"' in html) == ("coupons.show" in app.view_functions)
    assert ('href="/loyalty/1/cards/4000-0001"' in html) == ("loyalty.card" in app.view_functions)
    # the goodwill widget is rendered with the page (its form posts to its own route)
    assert ('hx-post="/customers/cust-0001/goodwill-coupon"' in html) == ("customers.goodwill_widget" in app.view_functions)
