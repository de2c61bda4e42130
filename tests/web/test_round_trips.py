"""Round trips out of the agent's way (issue 19), proven from the sandbox's request log: what a
flow sends, how often, and which calls were in flight together (by the log's started/finished
order, never by a clock)."""

from __future__ import annotations

import re

import pytest

from tests.web.test_returns import RETURNS, return_form
from tests.web.test_sessions_preview import preview_form
from tests.web.test_sessions_support import agent, app_config, upstream  # noqa: F401  (fixtures)
from tests.web.test_sessions_support import form_key, text

PROFILE = "cust-0001"
INVENTORY = rf"/customer_profiles/{PROFILE}/inventory$"
EVERY_PART = ("profile", "referrals", "coupons", "loyalty", "giveaways", "achievements")


def sent(entries: list[dict]) -> list[tuple[str, str, str]]:
    return [(e["method"], e["path"], e["query"]) for e in entries]


def whole(entry: dict) -> bool:
    return all(f"{part}=true" in entry["query"] for part in EVERY_PART)


def test_the_customer_page_reads_its_inventory_in_one_call(agent, upstream):
    page = agent.get(f"/customers/{PROFILE}")
    body = text(page)
    assert "Alice Archer" in body and "VIPONLY-001" in body and "VIP" in body  # profile, coupons, audiences
    inventory = upstream.log("GET", INVENTORY)
    assert len(inventory) == 1 and whole(inventory[0]), inventory


LOADS_ITSELF = re.compile(r'hx-trigger="[^"]*\bload\b')


def test_the_customer_page_is_whole_in_its_first_answer(agent, upstream):
    """Nothing on the agent's page loads itself once it has arrived (hx-trigger="load" would be
    a request after the page): "Why not?" comes with it, its form ready, and sends nothing.
    (Audit roles' pages still load their History after the page: profiles.history.)"""
    body = agent.get(f"/customers/{PROFILE}").get_data(as_text=True)
    assert not LOADS_ITSELF.search(body), LOADS_ITSELF.search(body).group(0)
    box = body[body.index('<section id="why-not"'):]
    box = box[:box.index("</section>")]
    for part in ('hx-post="/customers/cust-0001/why-not"', 'name="csrf_token"', 'name="code"',
                 'name="kind"', 'name="session_id"', "Why not? Explain (nothing is saved)"):
        assert part in box, part
    calls = upstream.log()
    assert len(upstream.log("GET", INVENTORY)) == 1
    assert not [e for e in calls if "dry=true" in e["query"]], calls  # the empty form asks nothing


@pytest.mark.parametrize("role", ["agent", "marketer", "manager", "admin"])
def test_why_not_is_on_the_customer_page_of_the_roles_that_may_use_it(login_as, role):
    from app.permissions import PERMISSIONS

    body = login_as(role).get(f"/customers/{PROFILE}").get_data(as_text=True)
    assert ('id="why-not"' in body) == (role in PERMISSIONS["why_not"].roles)
    assert 'hx-get="/customers/cust-0001/why-not"' not in body  # with the page, not after it


def test_search_then_customer_page_sends_each_lookup_once(agent, upstream):
    found = agent.get("/search", query_string={"q": PROFILE})
    assert found.status_code == 303 and found.headers["Location"] == f"/customers/{PROFILE}"
    after_search = len(upstream.log())
    page = agent.get(found.headers["Location"])
    body = text(page)
    # every section as the page shows it on its own: the search's inventory serves the profile,
    # audiences, coupons, loyalty, referrals, giveaways and achievements
    for shown in ("Alice Archer", "alice.archer@example.com", "VIP", "VIPONLY-001", "4000-0001",
                  "REF-ALICE", "GIFT-0001", "Three purchases", "sess-00001"):
        assert shown in body, shown
    pair = upstream.log()
    assert len(sent(pair)) == len(set(sent(pair))), sent(pair)  # nothing asked twice
    inventory = upstream.log("GET", INVENTORY)
    assert len(inventory) == 1 and whole(inventory[0]) and inventory[0]["id"] <= pair[after_search - 1]["id"]
    # the page itself asked only what the search could not know: the customer's sessions
    page_calls = [e["path"] for e in pair[after_search:]]
    assert any(path.endswith("/sessions") for path in page_calls)
    assert not any(path.endswith("/inventory") for path in page_calls), page_calls


def test_what_the_search_handed_over_serves_one_page_view_only(agent, upstream):
    agent.get("/search", query_string={"q": PROFILE})
    agent.get(f"/customers/{PROFILE}")
    agent.get(f"/customers/{PROFILE}")  # a reload reads afresh
    assert len(upstream.log("GET", INVENTORY)) == 2


def test_what_the_search_handed_over_is_for_its_user_only(agent, upstream, login_as):
    agent.get("/search", query_string={"q": PROFILE})
    other = login_as("manager")
    assert "Alice Archer" in text(other.get(f"/customers/{PROFILE}"))
    assert len(upstream.log("GET", INVENTORY)) == 2  # the manager's page asked for itself
    agent.get(f"/customers/{PROFILE}")  # and the agent's page still had the search's answer
    assert len(upstream.log("GET", INVENTORY)) == 2


def test_a_search_that_opens_no_customer_page_hands_nothing_over(agent, upstream, talon_sandbox):
    # a session whose integration ID is also a profile's: the search lists both, opens neither
    upstream.http.put(f"{talon_sandbox.url}/v2/customer_sessions/cust-0003",
                      headers={"Authorization": f"ApiKey-v1 {talon_sandbox.integration_key}"},
                      json={"customerSession": {"profileId": "cust-0003", "state": "open"}},
                      timeout=30).raise_for_status()
    assert agent.get("/search", query_string={"q": "cust-0003"}).status_code == 200
    agent.get("/customers/cust-0003")
    assert len(upstream.log("GET", r"/customer_profiles/cust-0003/inventory$")) == 2


# -- a form's dry run compares with the session its page showed: the dry run is its one call ----

SESSION = "sess-00001"  # closed, store-berlin: RUN-100 × 1 (position 0), TEE-010 × 2 (position 1)
SESSION_READ = rf"^/v2/customer_sessions/{SESSION}$"
SHOWN = re.compile(r'name="shown"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="shown"')


def shown(response) -> str:
    match = SHOWN.search(response.get_data(as_text=True))
    assert match, "the form has no shown token"
    return match.group(1) or match.group(2)


def preview(client, token: str | None, **changes):
    data = preview_form(client, coupon_codes="SUMMER20", **changes)
    if token is not None:
        data["shown"] = token
    return client.post(f"/sessions/{SESSION}/preview", data=data, headers={"HX-Request": "true"})


def return_preview(client, token: str | None, key: str):
    data = return_form(client, {1: "1"}, key=key, action="preview")
    if token is not None:
        data["shown"] = token
    return client.post(f"/sessions/{SESSION}/return", data=data)


def reads(upstream) -> int:
    return len(upstream.log("GET", SESSION_READ))


def test_a_preview_sends_only_its_dry_run(agent, upstream):
    token = shown(agent.get(f"/sessions/{SESSION}/preview"))
    assert reads(upstream) == 1
    for _ in range(2):  # and again from the result, which carries the same token
        answer = preview(agent, token)
        assert answer.status_code == 200 and "Coupon SUMMER20 accepted" in text(answer)
        assert "Discounts €26.46 €39.43" in text(answer)  # compared with the session as shown
        assert shown(answer) == token
    assert reads(upstream) == 1
    assert len(upstream.log("PUT", SESSION_READ)) == 2


def test_a_return_preview_sends_only_its_dry_run_and_its_confirm_reads_afresh(agent, upstream):
    page = agent.get(f"/sessions/{SESSION}/return")
    token, key = shown(page), form_key(page)
    answer = return_preview(agent, token, key)
    assert answer.status_code == 200 and "What this return would do" in text(answer)
    assert reads(upstream) == 1 and len(upstream.log("POST", RETURNS)) == 1
    confirmed = agent.post(f"/sessions/{SESSION}/return",
                           data={**return_form(agent, {1: "1"}, key=key), "shown": token})
    assert confirmed.status_code == 303
    assert reads(upstream) == 2  # a change is checked against the session as it is now
    # the console changed the session: what the page kept is no longer used
    return_preview(agent, token, form_key(agent.get(f"/sessions/{SESSION}/return")))
    assert reads(upstream) == 4


def test_what_a_page_kept_is_for_its_user_and_session_only(agent, upstream, login_as):
    token = shown(agent.get(f"/sessions/{SESSION}/preview"))
    manager = login_as("manager")
    assert preview(manager, token).status_code == 200
    assert reads(upstream) == 2  # the manager's preview read the session for itself
    other = agent.post("/sessions/sess-00004/preview", data={**preview_form(agent), "shown": token},
                       headers={"HX-Request": "true"})
    assert other.status_code in (200, 422)
    assert len(upstream.log("GET", r"^/v2/customer_sessions/sess-00004$")) == 1


@pytest.mark.parametrize("token", [None, "", "not a token!", "A" * 22])
def test_without_the_page_s_token_the_form_reads_the_session(agent, upstream, token):
    answer = preview(agent, token)
    assert answer.status_code == 200 and "Coupon SUMMER20 accepted" in text(answer)
    assert reads(upstream) == 1
    assert shown(answer)  # and keeps what it read for the next send
    preview(agent, shown(answer))
    assert reads(upstream) == 1


# -- the return preview answers htmx with the return editor alone (issue 19) --------------------

HX = {"HX-Request": "true"}


def test_an_htmx_return_preview_gets_the_editor_alone_and_a_plain_post_the_page(agent, upstream):
    page = agent.get(f"/sessions/{SESSION}/return")
    html = page.get_data(as_text=True)
    editor = html[html.index('<div id="return-editor">'):]
    assert 'hx-post="/sessions/sess-00001/return" hx-target="#return-editor"' in " ".join(editor.split())
    token, key = shown(page), form_key(page)
    data = {**return_form(agent, {1: "1"}, key=key, action="preview"), "shown": token}
    partial = agent.post(f"/sessions/{SESSION}/return", data=data, headers=HX)
    body = partial.get_data(as_text=True)
    assert partial.status_code == 200
    assert body.lstrip().startswith('<div id="return-editor">') and "<html" not in body
    assert "What this return would do" in text(partial) and 'class="return-form"' in body
    # the confirm is a plain form (it leads to the result page), not an htmx one
    confirm = body[body.index('class="confirm-form"'):]
    assert "hx-post" not in confirm[:confirm.index("</form>")]
    # without JavaScript the same POST answers with the whole page, the same editor in it
    whole = agent.post(f"/sessions/{SESSION}/return", data=data)
    assert whole.status_code == 200 and "<html" in whole.get_data(as_text=True)
    assert text(whole).count("What this return would do") == 1
    assert reads(upstream) == 1  # neither read the session again: the dry runs were the calls


def test_an_htmx_return_with_bad_input_gets_the_editor_with_the_field_error(agent, upstream):
    key = form_key(agent.get(f"/sessions/{SESSION}/return"))
    answer = agent.post(f"/sessions/{SESSION}/return", headers=HX,
                        data=return_form(agent, {1: "3"}, key=key, action="preview"))
    assert answer.status_code == 422
    body = answer.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="return-editor">') and "Only 2 of Organic T-shirt" in text(answer)
    assert not upstream.log("POST", RETURNS)


def test_a_confirm_sent_through_htmx_navigates_to_the_result(agent, upstream):
    """"Send the return again" sits in the htmx form: its confirm must lead the browser to the
    result page (HX-Redirect), not swap that page into the editor."""
    key = form_key(agent.get(f"/sessions/{SESSION}/return"))
    answer = agent.post(f"/sessions/{SESSION}/return", headers=HX, data=return_form(agent, {1: "1"}, key=key))
    assert answer.status_code == 200 and answer.get_data() == b""
    assert answer.headers["HX-Redirect"] == f"/sessions/{SESSION}/results/{key}"
    again = agent.post(f"/sessions/{SESSION}/return", headers=HX, data=return_form(agent, {1: "1"}, key=key))
    assert again.headers["HX-Redirect"] == f"/sessions/{SESSION}/results/{key}"  # a replay: the same result
    assert len([e for e in upstream.log("POST", RETURNS) if "dry=true" not in e.get("query", "")]) == 1


# -- the dry run answers htmx with its result alone: the form stays as the agent filled it in ---

def test_an_htmx_dry_run_gets_its_result_alone_and_the_forms_token_out_of_band(agent, upstream):
    page = agent.get(f"/sessions/{SESSION}/preview")
    assert '<div id="preview-result">' in page.get_data(as_text=True)  # the empty box it replaces
    token = shown(page)
    answer = preview(agent, token)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert answer.headers["HX-Retarget"] == "#preview-result" and answer.headers["HX-Reswap"] == "outerHTML"
    assert body.lstrip().startswith('<div id="preview-result">') and "What would happen" in body
    # no editor again: neither its form nor its cart lines are sent (nor rendered)
    assert 'class="preview-form"' not in body and 'name="items-0-sku"' not in body
    [oob] = re.findall(r"<input[^>]*hx-swap-oob[^>]*>", body)
    assert 'id="preview-shown"' in oob and f'value="{token}"' in oob
    # without JavaScript the same POST answers with the whole page: the form and its result
    data = {**preview_form(agent, coupon_codes="SUMMER20"), "shown": token}
    full = agent.post(f"/sessions/{SESSION}/preview", data=data)
    assert "<html" in full.get_data(as_text=True) and 'class="preview-form"' in full.get_data(as_text=True)
    assert text(full).count("What would happen") == 1 and "HX-Retarget" not in full.headers


def test_an_editor_that_shows_errors_is_redrawn_whole_by_the_next_dry_run(agent, upstream):
    token = shown(agent.get(f"/sessions/{SESSION}/preview"))
    bad = agent.post(f"/sessions/{SESSION}/preview", headers=HX,
                     data={**preview_form(agent, **{"items-1-quantity": "0"}), "shown": token})
    assert bad.status_code == 422 and "HX-Retarget" not in bad.headers
    body = bad.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="session-preview">') and 'id="items-1-quantity-errors"' in body
    assert 'name="redraw"' in body  # the editor asks its next answer to redraw it
    fixed = agent.post(f"/sessions/{SESSION}/preview", headers=HX,
                       data={**preview_form(agent, coupon_codes="SUMMER20"), "shown": token, "redraw": "1"})
    again = fixed.get_data(as_text=True)
    assert fixed.status_code == 200 and "HX-Retarget" not in fixed.headers
    assert again.lstrip().startswith('<div id="session-preview">') and "What would happen" in again
    assert 'id="items-1-quantity-errors"' not in again and 'name="redraw"' not in again
