"""Loyalty pages against the sandbox: programs, card search, the card page and its sections,
link / unlink / generate with their refusals, and upstream faults on the changes."""

from __future__ import annotations

import re

import pytest
import requests

from tests.conftest import console_config
from tests.faults.faults import release_held, sandbox_requests, upstream_changes, visible_text
from tests.web.helpers import audit_rows

ACTIVE_CARD = "4000-0002"        # active, linked to cust-0002, limit 2
BLOCKED_CARD = "4000-0035"
FULL_CARD = "4000-0038"          # cust-0041 and cust-0042: at its usersPerCardLimit
INACTIVE_CARD = "4000-0031"
FREE_PROFILE = "cust-0050"       # has no card


def card_url(identifier: str, program: int = 1) -> str:
    return f"/loyalty/{program}/cards/{identifier}"


def inject(sandbox, *rules: dict) -> None:
    requests.post(f"{sandbox.url}/sandbox/faults", json={"rules": list(rules)}, timeout=10).raise_for_status()


def link_calls(sandbox) -> list[dict]:
    return [e for e in upstream_changes(sandbox) if e["path"].endswith("/link_profile")]


def linked_profiles(sandbox, identifier: str) -> list[str]:
    response = requests.get(f"{sandbox.url}/v1/loyalty_programs/1/cards/{identifier}", timeout=10,
                            headers={"Authorization": f"ManagementKey-v1 {sandbox.management_key}"})
    response.raise_for_status()
    return [p["integrationId"] for p in response.json().get("profiles", [])]


def errors_of(html: str) -> list[str]:
    return [visible_text(e) for e in re.findall(r'class="field-errors">(.*?)</small>', html, re.S)]


# -- programs and search ----------------------------------------------------------------------


def test_programs_page_lists_both_kinds(login_as):
    page = login_as("agent").get("/loyalty/")
    text = visible_text(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "Store Card" in text and "card-based" in text
    assert "Members Points" in text and "profile-based" in text


def test_search_opens_the_card(login_as):
    response = login_as("agent").get(f"/loyalty/cards?identifier={ACTIVE_CARD}&program=0")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(card_url(ACTIVE_CARD))


@pytest.mark.parametrize("identifier, message", [
    ("4000-9999", "No loyalty card 4000-9999"),
    ("40<b>01", "only letters, digits"),
    ("400", "at least 4 characters"),
    ("4" * 120, "at most 108 characters"),
])
def test_search_refuses_unknown_and_malformed_identifiers(login_as, identifier, message):
    response = login_as("agent").get("/loyalty/cards", query_string={"identifier": identifier, "program": 0})
    assert response.status_code in (404, 422)
    assert any(message in e for e in errors_of(response.get_data(as_text=True)))


def test_profile_lookup_opens_profile_program(login_as):
    response = login_as("agent").get("/loyalty/customers?program=2&profile_id=cust-0001")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/loyalty/2/customers/cust-0001")


# -- the card page ----------------------------------------------------------------------------


def test_card_page_shows_status_limit_links_balances_and_history_hidden_for_agents(login_as):
    page = login_as("agent").get(card_url("4000-0001"))
    html = page.get_data(as_text=True)
    text = visible_text(html)
    assert page.status_code == 200
    assert "Card 4000-0001" in text and "active" in text
    assert "1 of 2 linked" in text and "the program allows 2 profiles per card" in text
    assert "cust-0001" in text
    for column in ("Active", "Pending", "Spent", "Expired", "Negative"):
        assert column in text
    assert re.search(r'href="/sessions/sess-\d+"', html), "transactions link to their sessions"
    assert "/history/" not in html, "agents have no audit permission"


def test_card_page_loads_its_history_for_managers(login_as):
    html = login_as("manager").get(card_url("4000-0001")).get_data(as_text=True)
    assert 'hx-get="/history/loyalty_card/1/4000-0001"' in html


def test_card_page_shows_block_reason(login_as):
    text = visible_text(login_as("agent").get(card_url(BLOCKED_CARD)).get_data(as_text=True))
    assert "blocked" in text
    assert re.search(r"blocked: \S+", text), "the block reason follows the status"


def test_card_page_has_an_accessible_chart(login_as):
    html = login_as("manager").get(card_url("4000-0001")).get_data(as_text=True)
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert 'aria-labelledby="chart-title chart-desc"' in svg
    assert "<path d=\"M" in svg, "a line is drawn"
    assert "The chart's data as a table" in html
    # the legend names each line's pattern, so it does not rely on colour
    assert "solid line, circle markers" in visible_text(html)


def test_unknown_and_malformed_cards_are_404(login_as):
    client = login_as("agent")
    assert client.get(card_url("4000-9999")).status_code == 404
    response = client.get(card_url("bad<card>"))
    assert response.status_code == 404
    assert "<card>" not in response.get_data(as_text=True)


def test_transactions_filter_by_type_session_and_date(login_as):
    client = login_as("agent")
    base = card_url("4000-0001") + "/transactions"
    html = client.get(base, headers={"HX-Request": "true"}).get_data(as_text=True)
    sessions = re.findall(r'href="/sessions/(sess-\d+)"', html)
    assert sessions and html.lstrip().startswith("<section"), "a partial for htmx"
    only = client.get(base, query_string={"session": sessions[0]}).get_data(as_text=True)
    assert set(re.findall(r'href="/sessions/(sess-\d+)"', only)) == {sessions[0]}
    manual = client.get(base, query_string={"type": "manual"}).get_data(as_text=True)
    assert "No transactions match these filters." in manual
    future = client.get(base, query_string={"start": "2099-01-01"}).get_data(as_text=True)
    assert "No transactions match these filters." in future


@pytest.mark.parametrize("query, message", [
    ({"session": "<script>"}, "markup"),
    ({"session": "s" * 300}, "at most 255"),
    ({"start": "2025-02-30"}, "Not a valid date"),
    ({"start": "2025-03-02", "end": "2025-03-01"}, "before the start"),
])
def test_bad_transaction_filters_show_field_errors(login_as, talon_sandbox, query, message):
    before = len(sandbox_requests(talon_sandbox))
    response = login_as("agent").get(card_url("4000-0001") + "/transactions", query_string=query)
    assert response.status_code == 200
    assert any(message in e for e in errors_of(response.get_data(as_text=True)))
    transaction_reads = [e for e in sandbox_requests(talon_sandbox)[before:] if e["path"].endswith("/transactions")]
    assert transaction_reads == [], "invalid filters ask Talon.One nothing"


def test_points_are_paged_with_expiry(login_as):
    html = login_as("agent").get(card_url("4000-0001") + "/points?status=pending").get_data(as_text=True)
    text = visible_text(html)
    assert "Unused points" in text and "Expires" in text


def test_a_failing_section_does_not_blank_the_page(login_as, talon_sandbox):
    inject(talon_sandbox, {"path": r"/cards/4000-0001/transactions$", "status": 503})
    response = login_as("agent").get(card_url("4000-0001"))
    text = visible_text(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Balances" in text and "Linked profiles" in text
    assert "Talon.One is unavailable" in text and "Try again" in text


# -- link -------------------------------------------------------------------------------------


def post_link(client, identifier, profile_id, step="lookup", htmx=True):
    return client.post(card_url(identifier) + "/link",
                       data={"profile_id": profile_id, "step": step, "csrf_token": client.csrf},
                       headers={"HX-Request": "true"} if htmx else {})


def test_link_looks_the_profile_up_first_then_links(login_as, app, talon_sandbox):
    client = login_as("manager")
    lookup = post_link(client, ACTIVE_CARD, FREE_PROFILE)
    text = visible_text(lookup.get_data(as_text=True))
    assert lookup.status_code == 200
    assert f"Link card {ACTIVE_CARD} to this profile?" in text
    assert "After linking 2 of 2 users" in text
    assert link_calls(talon_sandbox) == [], "the look-up changes nothing"

    confirm = post_link(client, ACTIVE_CARD, FREE_PROFILE, step="confirm")
    assert confirm.headers.get("HX-Redirect", "").endswith(card_url(ACTIVE_CARD))
    assert FREE_PROFILE in linked_profiles(talon_sandbox, ACTIVE_CARD)
    assert len(link_calls(talon_sandbox)) == 1
    entry = audit_rows(app, action="loyalty_card.link")[-1]
    assert (entry.outcome, entry.upstream_status, entry.target_id) == ("success", 200, f"1/{ACTIVE_CARD}")
    assert entry.summary == {"profile": FREE_PROFILE}


def test_link_without_htmx_redirects_with_303(login_as, talon_sandbox):
    response = post_link(login_as("admin"), ACTIVE_CARD, FREE_PROFILE, step="confirm", htmx=False)
    assert response.status_code == 303


@pytest.mark.parametrize("profile_id, message", [
    ("cust-9999", "no customer profile cust-9999"),
    ("cust 0001", "cannot contain spaces"),
    ("<img src=x>", "markup"),
    ("c" * 300, "at most 255 characters"),
    ("", "Enter the customer profile ID"),
])
def test_link_refuses_bad_profiles_next_to_the_field(login_as, talon_sandbox, profile_id, message):
    response = post_link(login_as("manager"), ACTIVE_CARD, profile_id, step="confirm")
    assert response.status_code == 422
    assert any(message in e for e in errors_of(response.get_data(as_text=True)))
    assert "<img src=x>" not in response.get_data(as_text=True)
    assert link_calls(talon_sandbox) == []
    assert linked_profiles(talon_sandbox, ACTIVE_CARD) == ["cust-0002"]


@pytest.mark.parametrize("identifier, message", [
    (BLOCKED_CARD, "is blocked"),
    (FULL_CARD, "already has 2 of 2 linked profiles"),
])
def test_link_refusals_are_clear_and_audited(login_as, app, talon_sandbox, identifier, message):
    for step in ("lookup", "confirm"):
        response = post_link(login_as("manager"), identifier, FREE_PROFILE, step=step)
        assert response.status_code == 409
        assert message in visible_text(response.get_data(as_text=True))
    assert link_calls(talon_sandbox) == []
    refused = audit_rows(app, action="loyalty_card.link", outcome="refused")
    assert refused and refused[-1].target_id == f"1/{identifier}"


def test_talon_refusal_at_confirm_time_is_worded_by_the_card(login_as, talon_sandbox):
    """The card filled up between look-up and confirm: Talon.One refuses, the page says why."""
    client = login_as("manager")
    assert post_link(client, ACTIVE_CARD, FREE_PROFILE).status_code == 200
    requests.post(f"{talon_sandbox.url}/v2/loyalty_programs/1/cards/{ACTIVE_CARD}/link_profile",
                  json={"integrationId": "cust-0051"}, timeout=10,
                  headers={"Authorization": f"ApiKey-v1 {talon_sandbox.integration_key}"}).raise_for_status()
    response = post_link(client, ACTIVE_CARD, FREE_PROFILE, step="confirm")
    assert response.status_code == 409
    assert "already has 2 of 2 linked profiles" in visible_text(response.get_data(as_text=True))


def test_marketer_cannot_link_unlink_or_generate(login_as, talon_sandbox):
    client = login_as("marketer")
    assert post_link(client, ACTIVE_CARD, FREE_PROFILE, step="confirm").status_code == 403
    assert client.post(card_url(ACTIVE_CARD) + "/unlink",
                       data={"profile_id": "cust-0002", "csrf_token": client.csrf}).status_code == 403
    assert client.get("/loyalty/1/cards/new").status_code == 403
    assert upstream_changes(talon_sandbox) == []
    page = client.get(card_url(ACTIVE_CARD)).get_data(as_text=True)
    assert "Look up" not in page and "Unlink" not in page


@pytest.mark.parametrize("status, expected", [
    (503, "Talon.One is unavailable (HTTP 503). The change was not applied"),
    (409, "conflict (HTTP 409)"),
    (429, "limiting the request rate (HTTP 429)"),
])
def test_link_upstream_failures_are_specific_and_sent_once(login_as, app, talon_sandbox, status, expected):
    inject(talon_sandbox, {"path": "/link_profile$", "status": status, "retryAfter": 30})
    response = post_link(login_as("manager"), ACTIVE_CARD, FREE_PROFILE, step="confirm")
    assert expected in visible_text(response.get_data(as_text=True))
    assert len(link_calls(talon_sandbox)) == 1, "a change is never retried"
    entry = audit_rows(app, action="loyalty_card.link")[-1]
    assert (entry.outcome, entry.upstream_status) == ("failure", status)


# -- unlink -----------------------------------------------------------------------------------


def test_unlink_asks_then_unlinks(login_as, app, talon_sandbox):
    client = login_as("agent")
    ask = client.get(card_url(ACTIVE_CARD) + "/unlink?profile_id=cust-0002")
    assert "Unlink cust-0002 from card 4000-0002?" in visible_text(ask.get_data(as_text=True))
    assert linked_profiles(talon_sandbox, ACTIVE_CARD) == ["cust-0002"]
    done = client.post(card_url(ACTIVE_CARD) + "/unlink", data={"profile_id": "cust-0002", "csrf_token": client.csrf})
    assert done.status_code == 303
    assert linked_profiles(talon_sandbox, ACTIVE_CARD) == []
    assert audit_rows(app, action="loyalty_card.unlink")[-1].outcome == "success"


def test_unlink_of_a_profile_that_is_not_linked_changes_nothing(login_as, talon_sandbox):
    client = login_as("agent")
    response = client.post(card_url(ACTIVE_CARD) + "/unlink", data={"profile_id": "cust-0003", "csrf_token": client.csrf})
    assert response.status_code == 409
    assert "cust-0003 is not linked" in visible_text(response.get_data(as_text=True))
    assert upstream_changes(talon_sandbox) == []


# -- generate ---------------------------------------------------------------------------------


def generate(client, **fields):
    form = {"identifier": "", "status": "active", "profile_id": "",
            "submission": "a" * 32, "csrf_token": client.csrf, **fields}
    return client.post("/loyalty/1/cards/new", data=form)


def test_generate_a_card_linked_at_once(login_as, app, talon_sandbox):
    client = login_as("manager")
    form = client.get("/loyalty/1/cards/new?profile_id=cust-0003").get_data(as_text=True)
    assert 'value="cust-0003"' in form
    response = generate(client, identifier="4000-9001", profile_id="cust-0003")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(card_url("4000-9001"))
    assert linked_profiles(talon_sandbox, "4000-9001") == ["cust-0003"]
    entry = audit_rows(app, action="loyalty_card.generate")[-1]
    assert entry.target_type == "loyalty_card" and entry.target_id == "1/4000-9001"
    assert entry.summary["profile"] == "cust-0003"


def test_generate_twice_with_the_same_form_creates_one_card(login_as, talon_sandbox):
    client = login_as("manager")
    first = generate(client, submission="b" * 32)
    second = generate(client, submission="b" * 32)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    creates = [e for e in upstream_changes(talon_sandbox) if e["path"] == "/v1/loyalty_programs/1/cards"]
    assert len(creates) == 1


@pytest.mark.parametrize("fields, message", [
    ({"identifier": "4000-0001"}, "exists already"),
    ({"identifier": "has space"}, "only letters, digits"),
    ({"profile_id": "cust-9999"}, "no customer profile cust-9999"),
    ({"status": "blocked"}, "Not a valid choice"),
])
def test_generate_refuses_bad_input(login_as, talon_sandbox, fields, message):
    response = generate(login_as("manager"), **fields)
    assert response.status_code == 422
    assert any(message in e for e in errors_of(response.get_data(as_text=True)))
    assert upstream_changes(talon_sandbox) == []


def test_generate_in_a_profile_program_is_404(login_as):
    assert login_as("manager").get("/loyalty/2/cards/new").status_code == 404


# -- profile-based programs -------------------------------------------------------------------


def test_profile_program_page_has_the_same_sections(login_as):
    page = login_as("agent").get("/loyalty/2/customers/cust-0001")
    text = visible_text(page.get_data(as_text=True))
    assert page.status_code == 200
    for heading in ("Balances", "Balance over time", "Unused points", "Transactions"):
        assert heading in text
    assert "Members points" in text


def test_profile_program_page_refuses_card_programs_and_unknown_profiles(login_as):
    client = login_as("agent")
    assert client.get("/loyalty/1/customers/cust-0001").status_code == 404
    assert client.get("/loyalty/2/customers/cust-9999").status_code == 404


# -- a change whose answer never came ---------------------------------------------------------


@pytest.fixture
def app_config(talon_sandbox, tmp_path, request):
    overrides = getattr(request, "param", {})
    return console_config(talon_sandbox, tmp_path / "console.db", **overrides)


@pytest.mark.parametrize("app_config", [{"TALON_READ_TIMEOUT": 0.5}], indirect=True)
def test_link_that_times_out_may_have_happened(login_as, app, talon_sandbox, app_config):
    inject(talon_sandbox, {"path": "/link_profile$", "timeout": True, "timeoutSeconds": 1.5, "count": 1})
    response = post_link(login_as("manager"), ACTIVE_CARD, FREE_PROFILE, step="confirm")
    text = visible_text(response.get_data(as_text=True))
    assert "It may have happened: re-check" in text and "Re-check" in text
    release_held(talon_sandbox)  # the sandbox still applies the held request
    assert len(link_calls(talon_sandbox)) == 1, "never sent twice"
    entry = audit_rows(app, action="loyalty_card.link")[-1]
    assert entry.outcome == "unknown"


@pytest.mark.parametrize("app_config", [{"TALON_READ_TIMEOUT": 0.5}], indirect=True)
def test_generate_that_times_out_is_not_sent_again_by_the_same_form(login_as, app, talon_sandbox, app_config):
    inject(talon_sandbox, {"path": "^/v1/loyalty_programs/1/cards$", "method": "POST", "timeout": True,
                           "timeoutSeconds": 1.5, "count": 1})
    client = login_as("manager")
    first = generate(client, identifier="4000-9100", submission="d" * 32)
    assert "It may have happened: re-check" in visible_text(first.get_data(as_text=True))
    release_held(talon_sandbox)
    again = generate(client, identifier="4000-9100", submission="d" * 32)
    assert again.status_code == 409
    assert "sent already and Talon.One has not confirmed it" in visible_text(again.get_data(as_text=True))
    creates = [e for e in upstream_changes(talon_sandbox) if e["path"] == "/v1/loyalty_programs/1/cards"]
    assert len(creates) == 1
    assert [e.outcome for e in audit_rows(app, action="loyalty_card.generate")] == ["unknown"]


def test_transaction_pages_keep_their_filters(login_as):
    client = login_as("agent")
    html = client.get(card_url("4000-0001") + "/transactions",
                      query_string={"type": "session", "page": 2}).get_data(as_text=True)
    previous = re.search(r'<a href="([^"]+)" hx-get="[^"]+" rel="prev">', html).group(1)
    assert "type=session" in previous and "page=1" in previous
    for tampered in ("0", "-3", "abc", "99999999"):
        response = client.get(card_url("4000-0001") + f"/transactions?page={tampered}")
        assert response.status_code == 200 and "<table" in response.get_data(as_text=True)


# -- replacing a card (Talon.One's transfer) blocks it for good; activate and deactivate -------


def card_state(sandbox, identifier: str) -> tuple[str, str | None]:
    response = requests.get(f"{sandbox.url}/v1/loyalty_programs/1/cards/{identifier}", timeout=10,
                            headers={"Authorization": f"ManagementKey-v1 {sandbox.management_key}"})
    response.raise_for_status()
    return response.json()["status"], response.json().get("blockReason")


def card_changes(sandbox, identifier: str, suffix: str = "") -> list[dict]:
    return [e for e in upstream_changes(sandbox)
            if e["method"] == "PUT" and e["path"] == f"/v1/loyalty_programs/1/cards/{identifier}{suffix}"]


def post_form(client, url: str, **fields):
    return client.post(url, data={"csrf_token": client.csrf, **fields})


def replace_card(client, identifier: str = ACTIVE_CARD, **fields):
    form = {"new_identifier": "4000-9001", "reason": "Reported lost by the customer", "confirm": "y",
            "submission": "c" * 32, **fields}
    return post_form(client, card_url(identifier) + "/replace", **form)


def test_replacing_a_card_moves_its_data_and_blocks_it_for_good(login_as, app, talon_sandbox):
    client = login_as("manager")
    page = visible_text(client.get(card_url(ACTIVE_CARD) + "/replace").get_data(as_text=True))
    assert "blocked for good" in page and "never activates a blocked card again" in page
    before = linked_profiles(talon_sandbox, ACTIVE_CARD)
    response = replace_card(client)
    assert response.status_code == 303 and response.headers["Location"].endswith(card_url("4000-9001"))
    assert card_state(talon_sandbox, ACTIVE_CARD) == ("inactive", "Reported lost by the customer")
    assert linked_profiles(talon_sandbox, "4000-9001") == before
    entry = audit_rows(app, action="loyalty_card.replace")[-1]
    assert (entry.outcome, entry.target_id) == ("success", f"1/{ACTIVE_CARD}")
    assert entry.summary == {"reason": "Reported lost by the customer", "replaced_by": "4000-9001"}
    new_page = visible_text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"replaces {ACTIVE_CARD}" in new_page
    old_page = client.get(card_url(ACTIVE_CARD)).get_data(as_text=True)
    assert "blocked: Reported lost by the customer" in visible_text(old_page)
    assert "Talon.One never activates a blocked card again" in visible_text(old_page)
    assert "Unblock" not in old_page and "Activate card" not in old_page and "/replace" not in old_page
    assert f'href="{card_url("4000-9001")}"' in old_page
    # the same form again (a double click, a refresh) transfers nothing more
    again = replace_card(client)
    assert again.status_code == 303 and again.headers["Location"].endswith(card_url("4000-9001"))
    assert len(card_changes(talon_sandbox, ACTIVE_CARD, "/transfer")) == 1


@pytest.mark.parametrize("fields, message", [
    ({"new_identifier": ""}, "Enter the identifier of the card"),
    ({"new_identifier": "4000-0001"}, "exists already: a replacement must be a new card"),
    ({"new_identifier": ACTIVE_CARD}, "A card cannot replace itself"),
    ({"reason": ""}, "Say why the card is replaced"),
    ({"confirm": ""}, "Tick the box to replace the card"),
])
def test_replace_refuses_bad_input_and_sends_nothing(login_as, talon_sandbox, fields, message):
    response = replace_card(login_as("agent"), **fields)
    assert response.status_code == 422
    assert message in visible_text(response.get_data(as_text=True))
    assert upstream_changes(talon_sandbox) == []


def test_a_blocked_card_offers_no_unblock_and_refuses_activation(login_as, app, talon_sandbox):
    client = login_as("agent")
    page = client.get(card_url(BLOCKED_CARD)).get_data(as_text=True)
    assert "Talon.One never activates a blocked card again" in visible_text(page)
    assert "/status" not in page and "/replace" not in page and "Unblock" not in page
    ask = visible_text(client.get(card_url(BLOCKED_CARD) + "/status?status=active").get_data(as_text=True))
    assert f"Card {BLOCKED_CARD} is blocked" in ask and "never activates a blocked card again" in ask
    refused = post_form(client, card_url(BLOCKED_CARD) + "/status", status="active", confirm="y")
    assert refused.status_code == 409
    again = replace_card(client, BLOCKED_CARD)
    assert again.status_code == 409 and "is blocked" in visible_text(again.get_data(as_text=True))
    assert upstream_changes(talon_sandbox) == []
    assert [e.outcome for e in audit_rows(app, action="loyalty_card.activate")] == ["refused"]
    assert [e.outcome for e in audit_rows(app, action="loyalty_card.replace")] == ["refused"]


def test_deactivate_and_activate_from_the_card_page(login_as, app, talon_sandbox):
    client = login_as("agent")
    page = client.get(card_url(ACTIVE_CARD)).get_data(as_text=True)
    assert f'href="{card_url(ACTIVE_CARD)}/status?status=inactive"' in page
    ask = visible_text(client.get(card_url(ACTIVE_CARD) + "/status?status=inactive").get_data(as_text=True))
    assert "This is not a block" in ask
    unconfirmed = post_form(client, card_url(ACTIVE_CARD) + "/status", status="inactive")
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.get_data(as_text=True)
    done = post_form(client, card_url(ACTIVE_CARD) + "/status", status="inactive", confirm="y")
    assert done.status_code == 303 and card_state(talon_sandbox, ACTIVE_CARD) == ("inactive", None)
    assert f'href="{card_url(ACTIVE_CARD)}/status?status=active"' in client.get(card_url(ACTIVE_CARD)).get_data(as_text=True)
    back = post_form(client, card_url(ACTIVE_CARD) + "/status", status="active", confirm="y")
    assert back.status_code == 303 and card_state(talon_sandbox, ACTIVE_CARD) == ("active", None)
    assert [e.outcome for e in audit_rows(app, action="loyalty_card.deactivate")] == ["success"]
    assert [e.outcome for e in audit_rows(app, action="loyalty_card.activate")] == ["success"]
    assert client.get(card_url(ACTIVE_CARD) + "/status?status=blocked").status_code == 404


def test_replace_upstream_failure_is_told_sent_once_and_audited(login_as, app, talon_sandbox):
    inject(talon_sandbox, {"path": f"^/v1/loyalty_programs/1/cards/{ACTIVE_CARD}/transfer$", "method": "PUT",
                           "status": 503})
    response = replace_card(login_as("admin"))
    assert response.status_code == 502
    assert "Talon.One is unavailable (HTTP 503). The change was not applied" in visible_text(response.get_data(as_text=True))
    assert len(card_changes(talon_sandbox, ACTIVE_CARD, "/transfer")) == 1, "a change is never retried"
    entry = audit_rows(app, action="loyalty_card.replace")[-1]
    assert (entry.outcome, entry.upstream_status) == ("failure", 503)


def test_marketer_cannot_replace_or_change_a_status(login_as, talon_sandbox):
    client = login_as("marketer")
    assert replace_card(client).status_code == 403
    assert post_form(client, card_url(ACTIVE_CARD) + "/status", status="inactive", confirm="y").status_code == 403
    assert "Replace this card" not in client.get(card_url(ACTIVE_CARD)).get_data(as_text=True)
    assert upstream_changes(talon_sandbox) == []


@pytest.mark.parametrize("app_config", [{"TALON_READ_TIMEOUT": 0.5}], indirect=True)
def test_a_replacement_that_times_out_may_have_happened_and_a_retry_sends_nothing(login_as, app, talon_sandbox,
                                                                                   app_config):
    inject(talon_sandbox, {"path": "^/v1/loyalty_programs/1/cards/4000-0004/transfer$", "method": "PUT",
                           "timeout": True, "timeoutSeconds": 1.5, "count": 1})
    client = login_as("manager")
    first = replace_card(client, "4000-0004", new_identifier="4000-9003", submission="f" * 32)
    assert first.status_code == 504  # app.talon_failures: no answer in time
    assert "may have happened" in visible_text(first.get_data(as_text=True))
    assert audit_rows(app, action="loyalty_card.replace")[-1].outcome == "unknown"
    release_held(talon_sandbox)  # the sandbox still applies the held request
    retried = replace_card(client, "4000-0004", new_identifier="4000-9003", submission="f" * 32)
    assert retried.status_code == 303 and retried.headers["Location"].endswith(card_url("4000-9003"))
    assert len(card_changes(talon_sandbox, "4000-0004", "/transfer")) == 1, "it had happened: not sent again"
    assert card_state(talon_sandbox, "4000-0004") == ("inactive", "Reported lost by the customer")
