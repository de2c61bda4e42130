"""The campaign test bench against the sandbox: dry runs with evaluableCampaignIds, bad input,
saved cases, suites, runs, export and import, ownership."""

from __future__ import annotations

import io
import json
import re

import pytest
import requests

from tests.web.helpers import audit_rows
from tests.web.test_bulk_helpers import customer_exists, hx_post, marketer  # noqa: F401

BENCH = "/campaigns/test-bench"


def bench_form(**overrides) -> dict:
    """A bench submission: one pair of shoes at 100.00 and the given fields."""
    form = {"campaigns": ["2"], "state": "open", "profile_mode": "throwaway", "action": "run",
            "suite": "0", "items-0-sku": "SHOE-1", "items-0-quantity": "1",
            "items-0-price": "100.00", "items-0-category": "shoes"}
    form.update(overrides)
    return form


def outcome_of(body: str, code: str) -> str | None:
    match = re.search(rf'data-coupon="{re.escape(code)}" data-coupon-outcome="(\w+)"', body)
    return match.group(1) if match else None


def test_bench_lists_every_campaign_with_its_state(marketer):
    body = marketer.get(BENCH).get_data(as_text=True)
    assert "Nothing is saved in Talon.One" in body
    assert "Black Friday preview (#8, disabled)" in body
    assert "Christmas 2030 (#9, scheduled, from 2030-12-01 00:00 UTC until 2030-12-27 00:00 UTC)" in body
    assert "Welcome discount (#1, running)" in body


def test_a_disabled_campaign_applies_only_when_listed(app, marketer, talon_sandbox):
    without = hx_post(marketer, BENCH, bench_form(coupon_codes="BF30")).get_data(as_text=True)
    assert outcome_of(without, "BF30") == "rejected"
    assert 'data-campaign="8"' not in without
    listed = hx_post(marketer, BENCH, bench_form(campaigns=["2", "8"], coupon_codes="BF30"))
    body = listed.get_data(as_text=True)
    assert outcome_of(body, "BF30") == "accepted"
    assert "Black Friday 30%" in body and "-€30.00" in body
    assert 'data-campaign="8" data-triggered="yes"' in body
    assert "only because it was listed" in body
    assert '<td data-total="total">€70.00</td>' in body
    assert "Dry run: nothing was saved." in body
    # both were dry runs limited to the listed campaigns
    puts = [r for r in requests.get(f"{talon_sandbox.url}/sandbox/requests", timeout=10).json()["requests"]
            if r["method"] == "PUT" and r["path"].startswith("/v2/customer_sessions/testbench-")]
    assert len(puts) == 2
    entries = audit_rows(app, action="campaign.test_bench.run")
    assert [e.dry_run for e in entries] == [True, True]
    assert entries[1].summary["triggered"] == [8]


def test_rule_failure_reasons_for_campaigns_that_did_not_trigger(marketer):
    body = hx_post(marketer, BENCH, bench_form(campaigns=["1", "3"], **{
        "items-0-category": "socks", "items-0-price": "5.00"})).get_data(as_text=True)
    assert 'data-campaign="1" data-triggered="no"' in body
    assert 'data-campaign="3" data-triggered="no"' in body
    assert "did not trigger" in body


def test_nothing_is_persisted_for_a_throwaway_profile(marketer, talon_sandbox):
    body = hx_post(marketer, BENCH, bench_form(profile_attributes="Tier = gold")).get_data(as_text=True)
    profile = re.search(r"for profile <code>(testbench-[0-9a-f-]+)</code>", body).group(1)
    session = re.search(r"Session <code>(testbench-[0-9a-f-]+)</code>", body).group(1)
    assert "Profile attribute change (separate dry run)" in body
    assert not customer_exists(talon_sandbox, profile)
    sessions = requests.get(f"{talon_sandbox.url}/v1/applications/1/sessions", timeout=10,
                            params={"integrationId": session},
                            headers={"Authorization": f"ManagementKey-v1 {talon_sandbox.management_key}"})
    assert sessions.json()["data"] == []


@pytest.mark.parametrize("now, as_of", [("", "now"), ("2031-02-01T00:00:00Z", "as of 2031-02-01T00:00:00Z"),
                                        ("2030-11-30T23:00:00Z", "as of 2030-11-30T23:00:00Z")])
def test_a_listed_campaign_outside_its_schedule_is_not_evaluated(marketer, talon_sandbox, now, as_of):
    """Christmas 2030 runs 2030-12-01 until 2030-12-27: listing it does not lift its schedule."""
    body = hx_post(marketer, BENCH, bench_form(campaigns=["9"], now=now)).get_data(as_text=True)
    assert 'data-campaign="9" data-triggered="no"' in body and "Christmas 25%" not in body
    assert f"outside its schedule {as_of}" in body
    assert "from 2030-12-01 00:00 UTC until 2030-12-27 00:00 UTC" in body


def test_a_future_now_is_sent_with_the_dry_run(marketer, talon_sandbox):
    body = hx_post(marketer, BENCH, bench_form(campaigns=["4", "9"], loyalty_cards="4000-0001",
                                               now="2030-12-05T10:00:00Z")).get_data(as_text=True)
    assert "Christmas 25%" in body and 'data-campaign="9" data-triggered="yes"' in body
    assert "evaluated as of 2030-12-05T10:00:00Z" in body
    assert "pending until 19 Dec 2030" in body  # store card points start 14 days after `now`
    log = requests.get(f"{talon_sandbox.url}/sandbox/requests", timeout=10).json()["requests"]
    [put] = [r for r in log if r["path"].startswith("/v2/customer_sessions/testbench-")]
    assert "dry=true" in put["query"] and "now=2030-12-05T10" in put["query"]


@pytest.mark.parametrize("fields, field_id, message", [
    ({"campaigns": ["99"]}, "campaigns-errors", "Not a campaign of this application: 99"),
    ({"campaigns": []}, "campaigns-errors", "Pick at least one campaign."),
    ({"now": "2020-01-01T00:00:00Z"}, "now-errors", "must be in the future"),
    ({"now": "tomorrow"}, "now-errors", "RFC 3339"),
    ({"now": "2030-02-30T10:00:00Z"}, "now-errors", "Not a real date"),
    ({"now": "2030-12-05 10:00"}, "now-errors", "RFC 3339"),
    ({"profile_mode": "existing", "profile_id": ""}, "profile_id-errors", "profile ID"),
    ({"profile_mode": "existing", "profile_id": "<b>x</b>"}, "profile_id-errors", "markup"),
    ({"coupon_codes": " ".join(f"C{n}" for n in range(21))}, "coupon_codes-errors", "At most 20"),
    ({"coupon_codes": "<script>"}, "coupon_codes-errors", "markup"),
    ({"loyalty_cards": "x"}, "loyalty_cards-errors", "at least 4"),
    ({"session_attributes": "no equals sign"}, "session_attributes-errors", "name = value"),
    ({"session_attributes": "a = " + "v" * 1001}, "session_attributes-errors", "longer than 1000"),
    ({"profile_mode": "anonymous", "profile_attributes": "Tier = gold"}, "profile_attributes-errors",
     "need a profile"),
])
def test_bad_input_gets_a_field_error_and_sends_nothing(marketer, talon_sandbox, fields, field_id, message):
    response = hx_post(marketer, BENCH, bench_form(**fields))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    if field_id != "campaigns-errors":
        assert f'id="{field_id}"' in body
    assert "<script>" not in body
    log = requests.get(f"{talon_sandbox.url}/sandbox/requests", timeout=10).json()["requests"]
    assert not [r for r in log if r["path"].startswith("/v2/customer_sessions/")]


@pytest.mark.parametrize("line, message", [
    ({"items-0-quantity": "0"}, "Number must be between 1 and 10000"),
    ({"items-0-quantity": "99999999999"}, "Number must be between 1 and 10000"),
    ({"items-0-price": "-1"}, "Number must be between 0"),
    ({"items-0-price": "abc"}, "Not a valid decimal"),
    ({"items-0-price": "sNaN"}, "Not a valid decimal"),
    ({"items-0-price": "Infinity"}, "Not a valid decimal"),
    ({"items-0-sku": "<b>shoe</b>"}, "plain text"),
    ({"items-0-sku": "", "items-0-price": "10"}, "Give the SKU"),
    ({"items-0-sku": "", "items-0-quantity": "", "items-0-price": "", "items-0-category": ""},
     "Add at least one cart item"),
])
def test_cart_lines_are_checked(marketer, line, message):
    response = hx_post(marketer, BENCH, bench_form(**line))
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_add_a_cart_line_keeps_what_was_typed(marketer):
    body = hx_post(marketer, BENCH, bench_form(action="add_item")).get_data(as_text=True)
    assert 'name="items-3-sku"' in body and 'value="SHOE-1"' in body
    assert "Result" not in body


def test_an_existing_session_as_template(marketer):
    body = marketer.get(f"{BENCH}?session=sess-00001").get_data(as_text=True)
    assert 'name="items-0-sku"' in body and re.search(r'name="items-0-sku"[^>]*value="[^"]+"', body)
    assert "value=\"existing\" checked" in body or 'checked id="profile_mode-1"' in body \
        or re.search(r'checked[^>]*value="existing"|value="existing"[^>]*checked', body)
    missing = marketer.get(f"{BENCH}?session=sess-99999")
    assert missing.status_code == 404 and "There is no session sess-99999" in missing.get_data(as_text=True)
    bad = marketer.get(f"{BENCH}?session=%3Cb%3E")
    assert bad.status_code == 422 and "plain text" in bad.get_data(as_text=True)


def test_a_reserved_profile_redeems_a_hard_coupon_and_others_are_refused(login_as, talon_sandbox):
    marketer = login_as("marketer")
    hx_post(marketer, "/coupons/VIPONLY-004/reservations",
            {"reservations-action": "reserve", "reservations-profile_id": "cust-0004"})
    holder = hx_post(marketer, BENCH, bench_form(
        coupon_codes="VIPONLY-004", profile_mode="existing", profile_id="cust-0004")).get_data(as_text=True)
    assert outcome_of(holder, "VIPONLY-004") == "accepted"
    other = hx_post(marketer, BENCH, bench_form(
        coupon_codes="VIPONLY-004", profile_mode="existing", profile_id="cust-0005")).get_data(as_text=True)
    assert outcome_of(other, "VIPONLY-004") == "rejected"
    assert "CouponReservationRequired" in other


def save_case(client, name: str, **fields) -> int:
    response = hx_post(client, BENCH, bench_form(action="save", case_name=name, **fields))
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    return int(re.fullmatch(r"/campaigns/cases/(\d+)", response.headers["HX-Redirect"]).group(1))


def run_suite(client, suite_id: int) -> str:
    """Start a run as the suite page does, let the worker run it (the test's queue, drained in
    this thread), and answer the run's progress partial, which the page polls."""
    from app.queue import queue

    start = client.post(f"/campaigns/suites/{suite_id}/runs", headers={"X-CSRFToken": client.csrf})
    run_url = start.headers["Location"]
    waiting = client.get(run_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-finished="no"' in waiting and "waiting for a worker" in waiting
    assert 'hx-get="' + run_url + '" hx-trigger="load delay:1s"' in waiting  # the page polls
    with client.application.app_context():
        assert queue.drain() == 1
    body = client.get(run_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-finished="yes"' in body and "hx-get" not in body
    return body


def test_save_edit_and_run_a_suite(app, marketer, talon_sandbox):
    first = save_case(marketer, "BF30 takes 30%", campaigns=["8"], coupon_codes="BF30",
                      new_suite_name="Black Friday", new_suite_campaign="8")
    second = save_case(marketer, "Shoes without code", campaigns=["8"], suite="1")
    case_page = marketer.get(f"/campaigns/cases/{first}").get_data(as_text=True)
    assert "setDiscount = 30.00" in case_page and 'value="BF30"' in case_page
    # promise something the campaign does not give
    edited = hx_post(marketer, f"/campaigns/cases/{second}", {
        "name": "Shoes without code", "effects": "setDiscount", "amounts": "setDiscount = 10",
        "tolerance": "0.01", "coupons_accepted": "", "coupons_rejected": "", "absent_effects": ""})
    assert "Expectations saved." in edited.get_data(as_text=True)
    body = run_suite(marketer, 1)
    assert 'data-case="BF30 takes 30%" data-result="pass"' in body
    assert 'data-case="Shoes without code" data-result="fail"' in body
    assert "Expected a discount effect; there was none." in body
    assert "The discount amount: expected 10.00 ± 0.01, got 0.00." in body
    [run] = audit_rows(app, action="campaign.test_suite.run")
    assert run.summary["pass"] == 1 and run.summary["fail"] == 1 and run.dry_run
    # the run's page says who ran it and when (issue 16)
    page = marketer.get(f"/campaigns/runs/{run.target_id}").get_data(as_text=True)
    assert re.search(r"Run by <strong>marketer</strong>, started <time [^>]+>\d{4}-\d\d-\d\d [^<]+</time>, finished <time ", page)


@pytest.mark.parametrize("fields, message", [
    ({"case_name": ""}, "Name the test case"),
    ({"case_name": "<b>x</b>"}, "plain text"),
    ({"case_name": "ok", "new_suite_name": ""}, "Name the new suite"),
    ({"case_name": "ok", "suite": "12345"}, "Choose one of your suites"),
])
def test_saving_needs_a_name_and_a_suite(marketer, fields, message):
    form = bench_form(action="save", new_suite_campaign="2", **fields)
    response = hx_post(marketer, BENCH, form)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [
    ("amounts", "setDiscount = lots", "not a number"),
    ("amounts", "setDiscount = Infinity", "not a usable amount"),
    ("effects", "set-discount", "not an effect type"),
    ("coupons_rejected", "BF30 not one word", "one word"),
    ("name", "<i>x</i>", "plain text"),
    ("tolerance", "sNaN", "Not a valid decimal"),
])
def test_expectations_are_checked(marketer, field, value, message):
    case_id = save_case(marketer, "A case", coupon_codes="SUMMER20", new_suite_name="S",
                        new_suite_campaign="2")
    form = {"name": "A case", "effects": "", "absent_effects": "", "amounts": "", "tolerance": "0.01",
            "coupons_accepted": "", "coupons_rejected": "", field: value}
    response = hx_post(marketer, f"/campaigns/cases/{case_id}", form)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_cases_belong_to_their_author(app, login_as):
    from app.auth.accounts import create_user
    with app.app_context():
        create_user("marketer2", "plum orchard ledger", "marketer")
    case_id = save_case(login_as("marketer"), "Mine", new_suite_name="Mine", new_suite_campaign="2")
    other = login_as("marketer2", password="plum orchard ledger")
    page = other.get(f"/campaigns/cases/{case_id}").get_data(as_text=True)
    assert "Only marketer (or an administrator) can change this case" in page
    assert hx_post(other, f"/campaigns/cases/{case_id}", {"name": "Theirs", "tolerance": "0.01"}).status_code == 403
    assert hx_post(other, f"/campaigns/cases/{case_id}/delete", {}).status_code == 403
    assert 'data-result="pass"' in run_suite(other, 1)  # others may run it
    assert login_as("admin").get(f"/campaigns/cases/{case_id}").status_code == 200


def test_export_and_import_round_trip(app, marketer):
    save_case(marketer, "BF30 takes 30%", campaigns=["8"], coupon_codes="BF30",
              new_suite_name="Black Friday", new_suite_campaign="8")
    exported = marketer.get("/campaigns/suites/1/export")
    assert exported.headers["Content-Disposition"] == 'attachment; filename="suite-1.json"'
    data = exported.get_json()
    assert data["format"] == "talon-desk/test-suite" and data["cases"][0]["request"]["coupon_codes"] == ["BF30"]
    imported = hx_post(marketer, "/campaigns/suites/import",
                       {"import-upload": (io.BytesIO(exported.data), "suite.json")})
    assert re.fullmatch(r"/campaigns/suites/\d+", imported.headers["HX-Redirect"])
    assert 'data-result="pass"' in run_suite(marketer, 2)
    assert [e.action for e in audit_rows(app, target_type="test_suite")][:2] == [
        "campaign.test_suite.export", "campaign.test_suite.import"]


def _suite_file(**changes) -> bytes:
    case = {"name": "c", "request": {"campaign_ids": [8], "cart": [{"sku": "S", "quantity": 1, "price": "10"}]},
            "expectations": {"effects": []}}
    data = {"format": "talon-desk/test-suite", "version": 1,
            "suite": {"name": "Imported", "campaign_id": 8}, "cases": [case]}
    for path, value in changes.items():
        target = data
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        target[keys[-1]] = value
    return json.dumps(data).encode()


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty."),
    (b"{not json", "Not valid JSON"),
    (b'{"a": NaN}', "NaN is not a number"),
    ("é".encode("latin-1"), "not UTF-8"),
    (b"x" * (600 * 1024), "larger than 512 KB"),
    (_suite_file(format="something-else"), "not a test suite export"),
    (_suite_file(**{"suite.campaign_id": 99}), "suite.campaign_id: 99 is not a campaign"),
    (_suite_file(**{"suite.name": "<script>"}), "suite.name: plain text only"),
    (_suite_file(**{"cases.0.request.cart": [{"sku": "S", "quantity": 0, "price": "1"}]}),
     "cases[0].request.cart[0].quantity"),
    (_suite_file(**{"cases.0.request.now": "yesterday"}), "cases[0].request.now"),
    (_suite_file(**{"cases.0.request.profile_mode": "existing"}), "cases[0].request.profile_id"),
    (_suite_file(**{"cases.0.expectations": {"amounts": {"setDiscount": "lots"}}}),
     "cases[0].expectations.amounts.setDiscount"),
    (_suite_file(**{"cases.0.surprise": 1}), "cases[0]: unknown field"),
])
def test_a_bad_import_names_the_problem_and_imports_nothing(app, marketer, content, message):
    response = hx_post(marketer, "/campaigns/suites/import",
                       {"import-upload": (io.BytesIO(content), "suite.json")})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported." in body and message in body
    assert "<script>" not in body
    from app.campaigns.models import BenchSuite
    from app.extensions import db
    with app.app_context():
        assert db.session.query(BenchSuite).count() == 0


def test_a_saved_now_that_has_passed_is_an_error_not_a_crash(app, marketer):
    case_id = save_case(marketer, "Christmas", campaigns=["9"], now="2030-12-05T10:00:00Z",
                        new_suite_name="Xmas", new_suite_campaign="9")
    from app.campaigns.models import BenchCase
    from app.extensions import db
    with app.app_context():
        case = db.session.get(BenchCase, case_id)
        case.request = {**case.request, "now": "2021-12-05T10:00:00Z"}
        db.session.commit()
    body = run_suite(marketer, 1)
    assert 'data-result="error"' in body and "no longer in the future" in body


def test_only_marketers_and_admins_use_the_bench(app, login_as):
    agent = login_as("agent")
    assert agent.get(BENCH).status_code == 403
    assert hx_post(agent, BENCH, bench_form()).status_code == 403
    assert login_as("admin").get(BENCH).status_code == 200
    assert [e.outcome for e in audit_rows(app, action="permission.refused")] == ["refused", "refused"]


def test_the_bench_survives_an_unreadable_campaign_list(marketer, talon_sandbox):
    from tests.web.test_bulk_helpers import faults

    faults(talon_sandbox, {"path": "/v1/applications/1/campaigns$", "method": "GET", "status": 503})
    page = marketer.get(BENCH)
    assert page.status_code == 200
    assert "The campaigns could not be listed" in page.get_data(as_text=True)
    response = hx_post(marketer, BENCH, bench_form())
    assert response.status_code == 502
    log = requests.get(f"{talon_sandbox.url}/sandbox/requests", timeout=10).json()["requests"]
    assert not [r for r in log if r["path"].startswith("/v2/customer_sessions/")]


def test_a_failed_dry_run_is_reported_not_hidden(app, marketer, talon_sandbox):
    from tests.web.test_bulk_helpers import faults

    faults(talon_sandbox, {"path": "^/v2/customer_sessions/testbench-", "status": 500})
    response = hx_post(marketer, BENCH, bench_form())
    body = response.get_data(as_text=True)
    assert response.status_code == 502 and "The dry run failed" in body
    [entry] = audit_rows(app, action="campaign.test_bench.run")
    assert (entry.outcome, entry.upstream_status, entry.dry_run) == ("failure", 500, True)


def test_each_cart_input_is_labelled_with_its_own_line(marketer):
    """Issue 16: "Qty of line 2" sat on line 1 (the label counted the fields, not the lines)."""
    html = marketer.get("/campaigns/test-bench").get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", html.split('class="bench-cart"', 1)[1].split("</table>", 1)[0], re.S)[1:]
    assert len(rows) >= 3
    for number, row in enumerate(rows, start=1):
        labels = re.findall(r'aria-label="([^"]+)"', row)
        assert labels == [f"SKU of line {number}", f"Qty of line {number}", f"Price of line {number}",
                          f"Category of line {number}"]


def test_a_refused_agent_is_told_in_plain_words(login_as):
    """Issue 16: the 403 page said "(evaluableCampaignIds, future `now`)"."""
    body = login_as("agent").get(BENCH).get_data(as_text=True)
    assert "may not use this: the campaign test bench (dry runs of chosen campaigns" in body
    assert "evaluableCampaignIds" not in body and "`now`" not in body
