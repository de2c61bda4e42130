"""Search: each kind of ID goes to its page, several matches give a list, nothing gives a
helpful message, bad input is refused before anything is asked, suggestions while typing."""

from __future__ import annotations


import pytest

from tests.support.concurrency import overlapped
from tests.web.test_sessions_support import agent, app_config, upstream  # noqa: F401  (fixtures)
from tests.web.test_sessions_support import field_error, text


def expected_url(app, kind_url: str, fallback: str) -> str:
    endpoint, url = kind_url.split(" ")
    return url if endpoint in app.view_functions else fallback


@pytest.mark.parametrize("query,target", [
    ("cust-0001", "customers.show /customers/cust-0001"),
    ("sess-00042", "sessions.show /sessions/sess-00042"),
    ("SUMMER20", "coupons.show /coupons/SUMMER20"),
    ("VIPONLY-003", "coupons.show /coupons/VIPONLY-003"),
    ("4000-0007", "loyalty.card /loyalty/1/cards/4000-0007"),
])
def test_each_kind_of_id_goes_to_its_page(agent, app, query, target):
    response = agent.get("/search", query_string={"q": f"  {query} "})
    endpoint, url = target.split(" ")
    if endpoint in app.view_functions:
        assert response.status_code == 303
        assert response.headers["Location"] == url
    else:  # that area is not installed: the match is listed with its details
        assert response.status_code == 200 and query in text(response)


def test_the_lookups_run_in_parallel(agent, upstream, talon_sandbox):
    upstream.http.post(f"{talon_sandbox.url}/sandbox/faults", json={"rules": [], "latencyMs": 300},
                       timeout=30).raise_for_status()
    agent.get("/search", query_string={"q": "warm-up"})  # fills the loyalty program cache
    asked_before = len(upstream.log())
    agent.get("/search", query_string={"q": "no-such-thing"})
    lookups = upstream.log()[asked_before:]
    exact, prefixes = lookups[:4], lookups[4:]
    assert overlapped(exact), exact  # profile, session, coupon, card at once
    # nothing matched exactly: then the session and card lists answer IDs that begin with it
    assert {r["path"].rsplit("/", 1)[-1] for r in prefixes} <= {"sessions", "cards"}


def test_several_matches_give_a_short_list(agent, upstream, talon_sandbox):
    # a session whose integration ID is also a profile's
    upstream.http.put(f"{talon_sandbox.url}/v2/customer_sessions/cust-0003",
                      headers={"Authorization": f"ApiKey-v1 {talon_sandbox.integration_key}"},
                      json={"customerSession": {"profileId": "cust-0003", "state": "open"}},
                      timeout=30).raise_for_status()
    response = agent.get("/search", query_string={"q": "cust-0003"})
    assert response.status_code == 200
    body = text(response)
    assert "2 matches for “cust-0003”" in body
    html = response.get_data(as_text=True)
    assert 'href="/customers/cust-0003"' in html and 'href="/sessions/cust-0003"' in html


def test_nothing_found_is_explained(agent):
    response = agent.get("/search", query_string={"q": "cust-9999"})
    assert response.status_code == 200
    body = text(response)
    assert "Nothing matches “cust-9999”" in body
    assert "matched exactly" in body


@pytest.mark.parametrize("query,message", [
    ("", "Type a profile ID"),
    ("    ", "Type a profile ID"),
    ("x" * 201, "at most 200 characters"),
    ("cust\t0001", "control characters"),
])
def test_bad_queries_are_refused_before_any_lookup(agent, upstream, query, message):
    response = agent.get("/search", query_string={"q": query})
    assert response.status_code == 422
    assert message in field_error(response, "search-q")
    assert upstream.log() == []


def test_markup_in_a_query_is_shown_as_text(agent):
    response = agent.get("/search", query_string={"q": "<img src=x onerror=alert(1)>"})
    html = response.get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_lookup_that_fails_is_named_not_hidden(agent, upstream):
    upstream.fault(r"/coupons_search_advanced/", status=500)
    found = agent.get("/search", query_string={"q": "cust-0001"})
    assert found.status_code == 200  # a match, but not certain enough to jump to it
    body = text(found)
    assert "Some lookups could not be checked" in body and "Coupons: Talon.One is unavailable" in body
    assert 'href="/customers/cust-0001"' in found.get_data(as_text=True)
    nothing = agent.get("/search", query_string={"q": "no-such-id"})
    assert nothing.status_code == 502
    assert "Nothing matches" not in text(nothing)


def test_suggestions_list_ids_that_contain_the_text(agent):
    response = agent.get("/search/suggest", query_string={"q": "sess-0000"},
                         headers={"HX-Request": "true", "HX-Target": "search-suggestions-0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'role="listbox"' in html and 'id="search-suggestions-0-option-1"' in html
    assert 'data-href="/sessions/sess-00001"' in html and "Session" in html


def test_suggestions_find_customers_by_part_of_their_id(agent):
    html = agent.get("/search/suggest", query_string={"q": "cust-000"},
                     headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-href="/customers/cust-0001"' in html


def test_short_or_bad_suggestion_queries_ask_nothing(agent, upstream):
    for query in ("se", "", "x" * 300):
        response = agent.get("/search/suggest", query_string={"q": query},
                             headers={"HX-Request": "true", "HX-Target": '"><script>'})
        assert response.status_code == 200
        assert "<script>" not in response.get_data(as_text=True)
    assert upstream.log() == []


def test_recently_viewed_customers_are_listed_on_the_home_page(agent):
    agent.get("/customers/cust-0002")
    agent.get("/customers/cust-0001")
    home = agent.get("/").get_data(as_text=True)
    assert home.index('href="/customers/cust-0001"') < home.index('href="/customers/cust-0002"')


# -- what callers know on the phone (issue 16) ------------------------------------------------

@pytest.mark.parametrize("query", ["alice.archer@example.com", "Alice.Archer@Example.com",
                                   "Alice Archer", "alice archer"])
def test_a_customer_is_found_by_email_or_name(agent, query):
    response = agent.get("/search", query_string={"q": query})
    assert response.status_code == 303 and response.headers["Location"] == "/customers/cust-0001"


def test_email_and_name_are_asked_of_talon_ones_customer_search(agent, upstream):
    asked_before = len(upstream.log())
    agent.get("/search", query_string={"q": "Alice Archer"})
    searches = [r for r in upstream.log()[asked_before:] if r["path"].endswith("/customer_search")]
    assert searches and all(r["method"] == "POST" for r in searches)


def test_part_of_a_card_number_gives_a_short_list(agent):
    response = agent.get("/search", query_string={"q": "4000-003"})
    assert response.status_code == 200
    body = text(response)
    assert "these IDs begin with it" in body
    assert "4000-0031" in body and "4000-0039" in body and "4000-0001" not in body


def test_part_of_a_session_id_gives_a_short_list(agent):
    response = agent.get("/search", query_string={"q": "sess-0012"})
    body = text(response)
    assert response.status_code == 200 and "these IDs begin with it" in body
    assert "sess-00120" in body and "sess-00129" in body


def test_a_code_in_lower_case_is_found_where_the_application_ignores_case(agent, monkeypatch):
    from app.talon.models import ApplicationSettings
    from app.talon.service import TalonService

    assert agent.get("/search", query_string={"q": "summer20"}).status_code == 200  # sensitive
    # the settings as the service holds them (read once per hold period: application.py)
    monkeypatch.setattr(TalonService, "application_settings", lambda self: ApplicationSettings(
        id=1, currency="EUR", timezone="UTC", case_sensitivity="insensitive-uppercase"))
    response = agent.get("/search", query_string={"q": "summer20"})
    assert response.status_code == 303 and response.headers["Location"] == "/coupons/SUMMER20"


def test_the_application_settings_are_read_once_from_talon_one(agent, upstream):
    from app.talon import talon

    with agent.application.app_context():
        settings = talon.management.application()
        again = talon.management.application()
    assert (settings.currency, settings.timezone, settings.case_sensitivity) == ("EUR", "UTC", "sensitive")
    assert again == settings
    assert settings.coupon_code("summer20") == "summer20"


def test_the_search_attributes_are_settings(agent, app, monkeypatch):
    """CUSTOMER_EMAIL_ATTRIBUTE and CUSTOMER_NAME_ATTRIBUTE name the attributes asked."""
    import json

    from app.talon import talon

    asked = []

    def record(response, *args, **kwargs):
        if response.request.path_url.split("?")[0].endswith("/customer_search"):
            asked.append(json.loads(response.request.body)["attributes"])

    monkeypatch.setitem(app.config, "CUSTOMER_EMAIL_ATTRIBUTE", "Mail")
    monkeypatch.setitem(app.config, "CUSTOMER_NAME_ATTRIBUTE", "FullName")
    with app.app_context():
        talon.http.hooks["response"].append(record)
    try:
        # the demo's profiles keep them in Email and Name, so these attributes find nobody
        for query in ("alice.archer@example.com", "Alice Archer"):
            assert agent.get("/search", query_string={"q": query}).status_code == 200
    finally:
        with app.app_context():
            talon.http.hooks["response"].remove(record)
    assert {"Mail": "alice.archer@example.com"} in asked and {"FullName": "Alice Archer"} in asked
    assert not any({"Email", "Name"} & set(attributes) for attributes in asked)
