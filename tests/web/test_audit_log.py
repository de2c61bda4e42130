"""The audit log: record() appends, nothing edits or deletes, /audit filters and exports CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.web.helpers import audit_rows


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config


def add_entries(app):
    """A small, varied log with fixed times, written directly (record() stamps the current
    time, and entries cannot be back-dated afterwards)."""
    from app.extensions import db
    from app.models import AuditEntry

    plan = [
        ("agent", "session.return", "session", "sess-00001", "success", 200, datetime(2030, 1, 10, 9)),
        ("agent", "session.preview", "session", "sess-00002", "success", 200, datetime(2030, 1, 11, 9)),
        ("marketer", "coupon.reserve", "coupon", "SUMMER-0001", "failure", 409, datetime(2030, 1, 12, 9)),
        ("manager", "session.reopen", "session", "sess-00001", "unknown", None, datetime(2030, 1, 12, 23, 59)),
    ]
    with app.app_context():
        for actor, action, target_type, target_id, outcome, status, when in plan:
            db.session.execute(sa.insert(AuditEntry).values(
                actor=actor, actor_role=actor, action=action, target_type=target_type,
                target_id=target_id, dry_run=action.endswith("preview"), summary={"note": action},
                outcome=outcome, upstream_status=status, created_at=when))
        db.session.commit()


def test_record_keeps_who_what_when_and_how_it_went(app):
    from app.audit_log import record

    with app.test_request_context("/sessions/sess-00001/return", environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        from flask_login import login_user

        from app.auth.accounts import get_user

        login_user(get_user("agent"))
        record("session.return", "session", "sess-00001", dry_run=True, summary={"items": [1, 2]},
               outcome="failure", upstream_status=409)
    [entry] = audit_rows(app, action="session.return")
    assert (entry.actor, entry.actor_role, entry.target_type, entry.target_id) == ("agent", "agent", "session", "sess-00001")
    assert entry.dry_run is True and entry.outcome == "failure" and entry.upstream_status == 409
    assert entry.summary == {"items": [1, 2]} and entry.client_ip == "10.1.2.3"
    assert abs((datetime.now(UTC).replace(tzinfo=None) - entry.created_at).total_seconds()) < 60


def test_record_refuses_unknown_outcomes(app):
    from app.audit_log import record

    with app.app_context(), pytest.raises(ValueError):
        record("x", "session", "1", outcome="maybe")


def test_summaries_are_redacted_and_trimmed_to_valid_json(app):
    from app.audit_log import record
    from app.audit_log import SUMMARY_LIMIT

    with app.app_context():
        record("a.secret", "user", "x", summary={"password": "hunter2", "nested": {"apiKey": "k", "ok": 1}})
        record("a.big", "session", "y", summary={"blob": "z" * (SUMMARY_LIMIT * 2)})
    [secret] = audit_rows(app, action="a.secret")
    assert secret.summary == {"password": "[redacted]", "nested": {"apiKey": "[redacted]", "ok": 1}}
    [big] = audit_rows(app, action="a.big")
    assert big.summary["truncated"] is True and len(big.summary["preview"]) == SUMMARY_LIMIT


def test_entries_cannot_be_edited_or_deleted(app):
    from app.audit_log import record
    from app.extensions import db
    from app.models import AuditEntry, AuditLogIsAppendOnly

    with app.app_context():
        entry = record("x.y", "session", "1")
        entry.outcome = "failure"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, entry.id))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.execute(sa.update(AuditEntry).values(outcome="failure"))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.execute(sa.delete(AuditEntry))
    assert audit_rows(app, action="x.y")[0].outcome == "success"


def test_the_audit_pages_offer_reading_only(app):
    audit_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/audit")]
    assert {r.rule for r in audit_rules} == {"/audit", "/audit/export.csv"}
    assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in audit_rules)


@pytest.mark.parametrize("query, expected_actions", [
    ("?actor=agent", ["session.preview", "session.return"]),
    ("?action=session.", ["session.reopen", "session.preview", "session.return"]),
    ("?action=session.return", ["session.return"]),
    ("?target_type=coupon", ["coupon.reserve"]),
    ("?target_id=sess-00001", ["session.reopen", "session.return"]),
    ("?outcome=unknown", ["session.reopen"]),
    ("?date_from=2030-01-11&date_to=2030-01-12", ["session.reopen", "coupon.reserve", "session.preview"]),
    ("?date_from=2030-01-12", ["session.reopen", "coupon.reserve"]),
    ("?actor=agent&target_id=sess-00001", ["session.return"]),
])
def test_filters(app, login_as, query, expected_actions):
    add_entries(app)
    manager = login_as("manager")
    response = manager.get(f"/audit{query}&page=1" if query else "/audit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    actions = [chunk.split("</code>", 1)[0] for chunk in body.split("<td><code>")[1:]]
    assert actions == expected_actions


def test_bad_filter_values_are_reported_not_crashed_on(app, login_as):
    response = login_as("admin").get("/audit?date_from=yesterday&outcome=maybe")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Some filters were ignored" in html and 'aria-invalid="true"' in html


def test_an_htmx_filter_request_gets_only_the_entries(app, login_as):
    add_entries(app)
    response = login_as("manager").get("/audit?actor=marketer", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="audit-entries">')
    assert "<html" not in html and "coupon.reserve" in html


def test_pagination(app, login_as):
    from app.audit_log import record

    app.config["AUDIT_PAGE_SIZE"] = 3
    with app.app_context():
        for number in range(7):
            record("bulk.entry", "session", f"sess-{number:05d}")
    client = login_as("admin")
    first = client.get("/audit?action=bulk.entry").get_data(as_text=True)
    assert "sess-00006" in first and "sess-00003" not in first
    assert 'href="/audit?action=bulk.entry&amp;page=2"' in first
    third = client.get("/audit?action=bulk.entry&page=3").get_data(as_text=True)
    assert "sess-00000" in third and "sess-00001" not in third


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_csv_export_streams_the_filtered_entries(app, login_as):
    add_entries(app)
    client = login_as("manager")
    response = client.get("/audit/export.csv?target_id=sess-00001", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = read_csv(response)
    assert [r["action"] for r in rows] == ["session.reopen", "session.return"]
    assert rows[0]["time_utc"] == "2030-01-12T23:59:00Z" and rows[0]["upstream_status"] == ""
    assert rows[1]["upstream_status"] == "200" and rows[1]["actor"] == "agent"
    [export] = audit_rows(app, action="audit.export")
    assert export.actor == "manager" and export.summary == {"filters": {"target_id": "sess-00001"}}


def test_csv_export_cannot_smuggle_spreadsheet_formulas(app, login_as):
    from app.audit_log import record

    with app.app_context():
        record("=HYPERLINK(\"http://evil\")", "session", "+1+1", summary=None, actor="@evil")
        record("tab", "session", "\tcmd", actor="-2+3")
    rows = read_csv(login_as("admin").get("/audit/export.csv"))
    cells = [value for row in rows for value in row.values()]
    assert "'=HYPERLINK(\"http://evil\")" in cells and "'+1+1" in cells and "'@evil" in cells
    assert "'\tcmd" in cells and "'-2+3" in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


@pytest.mark.parametrize("role", ["agent", "marketer"])
def test_agents_and_marketers_cannot_export(app, login_as, role):
    assert login_as(role).get("/audit/export.csv").status_code == 403
    assert audit_rows(app, action="audit.export") == []
