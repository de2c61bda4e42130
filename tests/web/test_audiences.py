"""Audience pages against the sandbox: list, create, rename, delete, clear, members one by one and
in bulk, attributes; bad input changes nothing, upstream faults are told and audited."""

from __future__ import annotations

import io
import re

import pytest
import requests

from tests.web.helpers import audit_rows
from tests.web.test_bulk_helpers import quick_timeout_config as app_config  # noqa: F401
from tests.web.test_bulk_helpers import (  # noqa: F401  (marketer: fixture)
    create_profiles,
    faults,
    let_slow_requests_finish,
    hx_post,
    member_ids,
    marketer,
    run_job,
    sent,
)

VIP = 1  # demo audience "VIP" (used by campaign 5 "VIP perk")
VIP_MEMBERS = 9


def test_list_shows_audiences_and_counts_members(marketer):
    page = marketer.get("/audiences").get_data(as_text=True)
    for name in ("VIP", "Newsletter", "Lapsed customers"):
        assert name in page
    assert 'hx-get="/audiences/1/count"' in page
    count = marketer.get("/audiences/1/count", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'data-count="{VIP_MEMBERS}"' in count


def test_create_audience_navigates_to_it_and_is_audited(app, marketer, talon_sandbox):
    token = re.search(r'name="submission" type="hidden" value="([0-9a-f]+)"',
                      marketer.get("/audiences").get_data(as_text=True)).group(1)
    data = {"name": "Spring launch", "description": "Early birds", "submission": token}
    response = hx_post(marketer, "/audiences", data)
    assert response.status_code == 200
    target = response.headers["HX-Redirect"]
    assert re.fullmatch(r"/audiences/\d+", target)
    assert "Spring launch" in marketer.get(target).get_data(as_text=True)
    # the same form sent again (a double click) creates nothing more
    again = hx_post(marketer, "/audiences", data)
    assert again.headers["HX-Redirect"] == target
    assert len(sent(talon_sandbox, "POST", "/v2/audiences")) == 1
    [entry] = audit_rows(app, action="audience.create")
    assert (entry.outcome, entry.upstream_status, entry.actor) == ("success", 201, "marketer")


@pytest.mark.parametrize("name, message", [
    ("", "Give the audience a name."),
    ("<script>alert(1)</script>", "plain text"),
    ("x" * 201, "200"),
    ("tab\tinside", "Control characters"),
])
def test_create_refuses_bad_names_next_to_the_field(marketer, talon_sandbox, name, message):
    response = hx_post(marketer, "/audiences", {"name": name})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and 'id="name-errors"' in body
    assert "<script>alert(1)</script>" not in body
    assert sent(talon_sandbox, "POST", "/v2/audiences") == []


def test_create_timeout_says_it_may_have_happened(app, marketer, talon_sandbox):
    faults(talon_sandbox, {"path": "^/v2/audiences$", "method": "POST", "timeout": True})
    response = hx_post(marketer, "/audiences", {"name": "Slow one", "submission": "a" * 32})
    body = response.get_data(as_text=True)
    assert "may have happened" in body
    [entry] = audit_rows(app, action="audience.create")
    assert entry.outcome == "unknown"
    # sending the same form again does not create a second audience blindly
    again = hx_post(marketer, "/audiences", {"name": "Slow one", "submission": "a" * 32})
    assert "may exist" in again.get_data(as_text=True)
    let_slow_requests_finish(talon_sandbox)
    assert len(sent(talon_sandbox, "POST", "/v2/audiences")) == 1


def test_rename(app, marketer):
    response = hx_post(marketer, f"/audiences/{VIP}/rename", {"rename-name": "VIP customers"})
    # the whole page is shown again: the name is in more places than the heading
    assert response.headers["HX-Redirect"] == f"/audiences/{VIP}"
    page = marketer.get(f"/audiences/{VIP}").get_data(as_text=True)
    assert "<h1>VIP customers</h1>" in page and "Renamed to “VIP customers”" in page
    assert "<title>VIP customers · Audiences" in page and "Apply to “VIP customers”" in page
    assert "Type “VIP customers” exactly." in page
    bad = hx_post(marketer, f"/audiences/{VIP}/rename", {"rename-name": "<i>x</i>"})
    assert bad.status_code == 422 and "plain text" in bad.get_data(as_text=True)
    assert [e.outcome for e in audit_rows(app, action="audience.rename")] == ["success"]


def test_delete_needs_the_typed_name(app, marketer, talon_sandbox):
    response = hx_post(marketer, "/audiences/3/delete", {"delete-confirm_name": "Lapsed"})
    assert response.status_code == 422
    assert "nothing was deleted" in response.get_data(as_text=True)
    assert sent(talon_sandbox, "DELETE", "/v2/audiences/3") == []
    done = hx_post(marketer, "/audiences/3/delete", {"delete-confirm_name": "Lapsed customers"})
    assert done.headers["HX-Redirect"] == "/audiences"
    assert marketer.get("/audiences/3").status_code == 404
    [entry] = audit_rows(app, action="audience.delete")
    assert (entry.outcome, entry.upstream_status) == ("success", 204)


def test_a_refusal_of_talon_one_is_said_once(marketer, talon_sandbox):
    """Issue 16: the VIP deletion refusal repeated Talon.One's sentence twice."""
    response = hx_post(marketer, f"/audiences/{VIP}/delete", {"delete-confirm_name": "VIP"})
    errors = re.search(r'id="delete-confirm_name-errors"[^>]*>(.*?)</small>', response.get_data(as_text=True), re.S)
    assert errors, response.get_data(as_text=True)[-2000:]
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", errors.group(1)) if s.strip()]
    assert len(sentences) == len(set(sentences)), sentences


def test_delete_refused_upstream_is_shown_and_audited(app, marketer, talon_sandbox):
    faults(talon_sandbox, {"path": "^/v2/audiences/1$", "method": "DELETE", "status": 409})
    response = hx_post(marketer, f"/audiences/{VIP}/delete", {"delete-confirm_name": "VIP"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409  # app.talon_failures: Talon.One's conflict
    assert "does not delete an audience while a campaign uses it" in body and "409" in body
    assert marketer.get(f"/audiences/{VIP}").status_code == 200
    [entry] = audit_rows(app, action="audience.delete")
    assert (entry.outcome, entry.upstream_status) == ("failure", 409)


def test_clear_needs_confirmation_and_records_the_count(app, marketer, talon_sandbox):
    refused = hx_post(marketer, f"/audiences/{VIP}/clear", {})
    assert refused.status_code == 422 and "Tick the box" in refused.get_data(as_text=True)
    assert member_ids(talon_sandbox, VIP)
    done = hx_post(marketer, f"/audiences/{VIP}/clear", {"clear-confirm": "y"})
    assert done.status_code == 200 and done.headers["HX-Trigger"] == "bulk-job-done"
    assert member_ids(talon_sandbox, VIP) == []
    [entry] = audit_rows(app, action="audience.members.clear")
    assert entry.summary["members_before"] == str(VIP_MEMBERS)


def test_add_and_remove_one_member(app, marketer, talon_sandbox):
    added = hx_post(marketer, f"/audiences/{VIP}/members/change",
                    {"members-action": "add", "members-profile_id": "cust-0002"})
    assert added.status_code == 200
    assert 'data-job-status="done"' in added.get_data(as_text=True)
    assert "cust-0002" in member_ids(talon_sandbox, VIP)
    removed = hx_post(marketer, f"/audiences/{VIP}/members/change",
                      {"members-action": "remove", "members-profile_id": "cust-0002"})
    assert "1 removed" in removed.get_data(as_text=True)
    assert "cust-0002" not in member_ids(talon_sandbox, VIP)
    actions = [e.action for e in audit_rows(app, target_type="audience")]
    assert actions == ["audience.members.add.chunk", "audience.members.add",
                       "audience.members.remove.chunk", "audience.members.remove"]


def test_csv_upload_adds_valid_rows_and_lists_the_rest(app, marketer, talon_sandbox):
    ids = [f"bulk-{n:04d}" for n in range(1, 299)]
    create_profiles(talon_sandbox, ids)
    rows = ["integrationId"] + ids + ["bulk-0001", "<b>x</b>", "two words", "ghost-profile", "", "  "]
    csv = ("\n".join(rows) + "\n").encode()
    body = hx_post(marketer, f"/audiences/{VIP}/members/change",
                   {"members-action": "add",
                    "members-upload": (io.BytesIO(csv), "members.csv")}).get_data(as_text=True)
    assert 'data-job-status="checking"' in body  # the IDs are looked up before anything is sent
    body = run_job(marketer, body)
    # Talon.One would create ghost-profile (CustomerProfileAudienceRequestItem): the marketer chooses
    assert 'data-job-status="choosing"' in body
    assert "Talon.One has no customer profile for 1 of these IDs" in body and "ghost-profile" in body
    assert "ghost-profile" not in set(member_ids(talon_sandbox, VIP)) and not audit_rows(app, action="audience.members.add")
    choose_url = re.search(r'hx-post="(/audiences/1/jobs/\d+/choose)"', body).group(1)
    body = run_job(marketer, hx_post(marketer, choose_url, {"choice": "skip"}).get_data(as_text=True))
    assert "298 added" in body
    assert "duplicate of line 2" in body and "markup" in body and "space" in body
    assert "ghost-profile" in body and "Skipped: Talon.One has no customer profile" in body
    members = set(member_ids(talon_sandbox, VIP))
    assert set(ids) <= members and "ghost-profile" not in members
    [choice] = audit_rows(app, action="audience.members.add.unknown_profiles")
    assert choice.summary["choice"] == "skip" and choice.summary["unknown_profiles"] == 1
    final = audit_rows(app, action="audience.members.add")[-1]
    assert final.summary["added"] == 298 and final.summary["failed"] == 0
    assert final.summary["refused_before_sending"] == 4
    # the job keeps its page, and every row's outcome can be listed
    job_url = re.search(r'href="(/audiences/1/jobs/\d+)"', body) or re.search(
        r'hx-get="(/audiences/1/jobs/\d+)/rows', body)
    page = marketer.get(job_url.group(1))
    assert page.status_code == 200 and "Bulk job" in page.get_data(as_text=True)
    all_rows = marketer.get(job_url.group(1) + "/rows?all=1&page=2",
                            headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "All 302 rows" in all_rows and "Page 2 of 7" in all_rows


def test_unknown_profiles_can_be_sent_for_talon_one_to_create(app, marketer, talon_sandbox):
    body = hx_post(marketer, f"/audiences/{VIP}/members/change",
                   {"members-action": "add", "members-pasted": "cust-0002\nnew-person-1"}).get_data(as_text=True)
    body = run_job(marketer, body)
    assert 'data-job-status="choosing"' in body and "new-person-1" in body
    choose_url = re.search(r'hx-post="(/audiences/1/jobs/\d+/choose)"', body).group(1)
    refused = hx_post(marketer, choose_url, {"choice": "maybe"})
    assert refused.status_code == 400
    body = run_job(marketer, hx_post(marketer, choose_url, {"choice": "create"}).get_data(as_text=True))
    assert 'data-job-status="done"' in body and "2 added" in body
    assert {"cust-0002", "new-person-1"} <= set(member_ids(talon_sandbox, VIP))
    [choice] = audit_rows(app, action="audience.members.add.unknown_profiles")
    assert choice.summary == {"job": choice.summary["job"], "unknown_profiles": 1, "choice": "create"}


def test_a_marketer_can_let_talon_one_create_unknown_profiles_without_a_check(app, marketer, talon_sandbox):
    ids = ["cust-0002"] + [f"fresh-{n}" for n in range(1, 6)]
    body = hx_post(marketer, f"/audiences/{VIP}/members/change",
                   {"members-action": "add", "members-create_unknown": "y",
                    "members-pasted": "\n".join(ids + ["fresh-1", "<i>"])}).get_data(as_text=True)
    assert 'data-job-status="checking"' not in body   # straight to sending
    body = run_job(marketer, body)
    assert 'data-job-status="done"' in body and "6 added" in body
    assert "duplicate of line 2" in body and "markup" in body   # validated as ever, never sent
    assert set(ids) <= set(member_ids(talon_sandbox, VIP))
    log = requests.get(f"{talon_sandbox.url}/sandbox/requests", timeout=10).json()["requests"]
    assert not [r for r in log if r["path"].endswith("/inventory")]   # no look-up at all
    [choice] = audit_rows(app, action="audience.members.add.unknown_profiles")
    assert choice.summary["choice"] == "create without checking"
    final = audit_rows(app, action="audience.members.add")[-1]
    assert final.summary["added"] == 6 and final.summary["refused_before_sending"] == 2


def test_the_create_box_does_not_change_a_removal(app, marketer, talon_sandbox):
    body = run_job(marketer, hx_post(marketer, f"/audiences/{VIP}/members/change",
                                     {"members-action": "remove", "members-create_unknown": "y",
                                      "members-pasted": "cust-0001\ncust-0002"}).get_data(as_text=True))
    assert 'data-job-status="done"' in body
    assert not audit_rows(app, action="audience.members.add.unknown_profiles")
    assert audit_rows(app, action="audience.members.remove")


def test_a_failed_check_pauses_the_job_sends_nothing_and_resumes_by_checking(app, marketer, talon_sandbox):
    faults(talon_sandbox, {"path": "/inventory$", "method": "GET", "status": 503, "count": 50})
    body = run_job(marketer, hx_post(marketer, f"/audiences/{VIP}/members/change",
                                     {"members-action": "add", "members-pasted": "cust-0002\nnew-9"}).get_data(as_text=True))
    assert 'data-job-status="paused"' in body and "Checking the profile IDs failed" in body
    assert "Nothing was sent" in body and "new-9" not in set(member_ids(talon_sandbox, VIP))
    requests.post(f"{talon_sandbox.url}/sandbox/faults", json={}, timeout=10)
    resume_url = re.search(r'hx-post="(/audiences/1/jobs/\d+/resume)"', body).group(1)
    body = run_job(marketer, hx_post(marketer, resume_url, {}).get_data(as_text=True))
    assert 'data-job-status="choosing"' in body and "new-9" in body


@pytest.mark.parametrize("content, message", [
    (b"", "no profile IDs"),
    (b"\n\n  \n", "no profile IDs"),
    ("kundin-jürgen\n".encode("cp1252"), "not UTF-8"),
    ("cust-0001\n".encode("utf-16"), "UTF-16"),
    (b"".join(b"p-%0108d\n" % n for n in range(11_000)), "larger than 1 MB"),
    (b"".join(b"p-%d\n" % n for n in range(20_001)), "More than 20,000 rows"),
])
def test_unusable_files_get_a_field_error_and_change_nothing(app, marketer, talon_sandbox,
                                                             content, message):
    # the limits at a size a test can reach quickly (defaults: 50 MB, 1,000,000 rows)
    app.config.update(BULK_MAX_BYTES=1024 * 1024, BULK_MAX_ROWS=20_000)
    response = hx_post(marketer, f"/audiences/{VIP}/members/change",
                       {"members-action": "add",
                        "members-upload": (io.BytesIO(content), "members.csv")})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body and 'id="members-upload-errors"' in body
    assert sent(talon_sandbox, "POST", "/v2/customer_audiences") == []
    from app.bulk.models import BulkJob
    from app.extensions import db
    with app.app_context():
        assert db.session.query(BulkJob).count() == 0


def test_exactly_one_way_to_give_ids(marketer):
    none = hx_post(marketer, f"/audiences/{VIP}/members/change", {"members-action": "add"})
    assert "Give one profile ID" in none.get_data(as_text=True)
    both = hx_post(marketer, f"/audiences/{VIP}/members/change",
                   {"members-action": "add", "members-profile_id": "cust-0002",
                    "members-pasted": "cust-0003"})
    assert both.status_code == 422 and "one of the three" in both.get_data(as_text=True)
    markup = hx_post(marketer, f"/audiences/{VIP}/members/change",
                     {"members-action": "add", "members-profile_id": "<b>"})
    assert markup.status_code == 422 and "markup" in markup.get_data(as_text=True)


def test_a_timed_out_chunk_is_unknown_and_the_job_pauses(app, marketer, talon_sandbox):
    create_profiles(talon_sandbox, ["slow-1", "slow-2"])
    faults(talon_sandbox, {"path": "customer_audiences", "method": "POST", "timeout": True,
                           "count": 1})
    body = hx_post(marketer, f"/audiences/{VIP}/members/change",
                   {"members-action": "add", "members-pasted": "slow-1\nslow-2"}).get_data(as_text=True)
    body = run_job(marketer, body)
    assert 'data-job-status="paused"' in body
    assert "may have happened" in body and "Resume" in body
    chunk = audit_rows(app, action="audience.members.add.chunk")[-1]
    assert chunk.outcome == "unknown"
    let_slow_requests_finish(talon_sandbox)
    # resume, sending the unknown rows again (adding a member twice changes nothing)
    resume_url = re.search(r'hx-post="(/audiences/1/jobs/\d+/resume)"', body).group(1)
    body = hx_post(marketer, resume_url, {"resend_unknown": "yes"}).get_data(as_text=True)
    body = run_job(marketer, body)
    assert 'data-job-status="done"' in body and "2 added" in body
    assert {"slow-1", "slow-2"} <= set(member_ids(talon_sandbox, VIP))


def test_an_unavailable_upstream_pauses_the_job_without_losing_rows(app, marketer, talon_sandbox):
    faults(talon_sandbox, {"path": "customer_audiences", "status": 503, "count": 10})
    body = hx_post(marketer, "/audiences/2/members/change",
                   {"members-action": "add", "members-pasted": "cust-0003, cust-0004"}).get_data(as_text=True)
    body = run_job(marketer, body)
    assert 'data-job-status="paused"' in body and "Nothing of this chunk was applied" in body
    requests.post(f"{talon_sandbox.url}/sandbox/faults", json={}, timeout=10)
    resume_url = re.search(r'hx-post="(/audiences/2/jobs/\d+/resume)"', body).group(1)
    body = run_job(marketer, hx_post(marketer, resume_url, {}).get_data(as_text=True))
    assert "2 added" in body
    assert {"cust-0003", "cust-0004"} <= set(member_ids(talon_sandbox, 2))


def test_attribute_for_all_members_needs_the_counted_confirmation(app, marketer, talon_sandbox):
    form = {"attribute-attribute": "Tier", "attribute-kind": "string", "attribute-value": "gold"}
    preview = hx_post(marketer, f"/audiences/{VIP}/attributes/preview", form).get_data(as_text=True)
    assert f"on all {VIP_MEMBERS} members" in preview
    unconfirmed = hx_post(marketer, f"/audiences/{VIP}/attributes",
                          {**form, "attribute-expected_members": str(VIP_MEMBERS)})
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.get_data(as_text=True)
    stale = hx_post(marketer, f"/audiences/{VIP}/attributes",
                    {**form, "attribute-expected_members": "3", "attribute-confirm": "y"})
    assert stale.status_code == 422 and "confirm again" in stale.get_data(as_text=True)
    assert sent(talon_sandbox, "PUT", "/v2/audience_customers/1/attributes") == []
    done = hx_post(marketer, f"/audiences/{VIP}/attributes",
                   {**form, "attribute-expected_members": str(VIP_MEMBERS), "attribute-confirm": "y"})
    assert done.status_code == 200 and f"was set on {VIP_MEMBERS} members" in done.get_data(as_text=True)
    members = requests.get(f"{talon_sandbox.url}/v1/audiences/1/memberships", timeout=10,
                           headers={"Authorization": f"ManagementKey-v1 {talon_sandbox.management_key}"}).json()
    assert all(m["attributes"].get("Tier") == "gold" for m in members["data"])
    [entry] = audit_rows(app, action="audience.members.attribute")
    assert entry.summary["attributes"] == {"Tier": "gold"} and entry.upstream_status == 204


@pytest.mark.parametrize("kind, value, message", [
    ("number", "12abc", "Not a number"),
    ("number", "NaN", "Not a number"),
    ("boolean", "yes", "true or false"),
    ("string", "<img src=x>", "plain text"),
    ("string", "v" * 1001, "1000"),
])
def test_attribute_values_are_checked_against_their_type(marketer, kind, value, message):
    response = hx_post(marketer, f"/audiences/{VIP}/attributes/preview",
                       {"attribute-attribute": "Tier", "attribute-kind": kind, "attribute-value": value})
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_roles(app, login_as):
    agent = login_as("agent")
    assert agent.get("/audiences").status_code == 200
    assert "New audience" not in agent.get("/audiences").get_data(as_text=True)
    assert hx_post(agent, "/audiences", {"name": "Agent's"}).status_code == 403
    assert hx_post(agent, f"/audiences/{VIP}/members/change",
                   {"members-action": "add", "members-profile_id": "cust-0002"}).status_code == 403
    assert [e.outcome for e in audit_rows(app, action="permission.refused")] == ["refused", "refused"]


def test_unknown_and_malformed_audience_ids(marketer):
    assert marketer.get("/audiences/999").status_code == 404
    assert marketer.get("/audiences/abc").status_code == 404
    assert hx_post(marketer, "/audiences/999/rename", {"rename-name": "x"}).status_code == 404


def test_an_unreadable_list_is_explained(marketer, talon_sandbox):
    faults(talon_sandbox, {"path": "^/v1/audiences$", "method": "GET", "status": 503})
    response = marketer.get("/audiences")
    assert response.status_code == 200
    assert 'class="inline-error"' in response.get_data(as_text=True)


def test_a_list_with_only_bad_ids_sends_nothing_and_says_so(app, marketer, talon_sandbox):
    body = hx_post(marketer, f"/audiences/{VIP}/members/change",
                   {"members-action": "add", "members-pasted": "<a>\ntwo words"}).get_data(as_text=True)
    assert 'data-job-status="done"' in body and "0 added" in body and "2 not sent" in body
    assert sent(talon_sandbox, "POST", "/v2/customer_audiences") == []
    [entry] = audit_rows(app, action="audience.members.add")
    assert entry.outcome == "failure" and entry.summary["refused_before_sending"] == 2


# -- member counts come from Talon.One's analytics ----------------------------------------------


def _analytics_calls(sandbox) -> list[dict]:
    return sent(sandbox, "GET", "/v1/audiences/analytics")


def test_member_count_is_one_analytics_call_not_paging(marketer, talon_sandbox):
    count = marketer.get(f"/audiences/{VIP}/count", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'data-count="{VIP_MEMBERS}"' in count
    [call] = _analytics_calls(talon_sandbox)
    assert call["query"] == f"audienceIds={VIP}" and call["status"] == 200
    assert sent(talon_sandbox, "GET", f"/v1/audiences/{VIP}/memberships") == [], "no paging through members"


def test_count_follows_a_change_of_members(marketer, talon_sandbox):
    hx_post(marketer, f"/audiences/{VIP}/members/change",
            {"members-action": "add", "members-profile_id": "cust-0002"})
    count = marketer.get(f"/audiences/{VIP}/count", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'data-count="{VIP_MEMBERS + 1}"' in count


def test_count_when_analytics_fail_or_know_nothing(marketer, talon_sandbox):
    unknown = marketer.get("/audiences/999/count", headers={"HX-Request": "true"})
    assert unknown.status_code == 200 and "not available" in unknown.get_data(as_text=True)
    faults(talon_sandbox, {"path": "^/v1/audiences/analytics$", "status": 503})
    down = marketer.get(f"/audiences/{VIP}/count", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "not available" in down and "retry" in down and "data-count" not in down


def test_clear_records_the_count_from_analytics(app, marketer, talon_sandbox):
    hx_post(marketer, f"/audiences/{VIP}/clear", {"clear-confirm": "y"})
    assert [c["query"] for c in _analytics_calls(talon_sandbox)] == [f"audienceIds={VIP}"]
    [entry] = audit_rows(app, action="audience.members.clear")
    assert entry.summary["members_before"] == str(VIP_MEMBERS)
