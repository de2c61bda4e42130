"""Object history: the _history.html macro and the profiles.history endpoint behind it."""

from __future__ import annotations

import pytest

from tests.faults.faults import visible_text


@pytest.fixture
def app_config(offline_app_config):
    return offline_app_config  # the audit log is the console's own


def add_entries(app, count, target_type="customer", target_id="cust-0001", action="customer.update_attributes"):
    from app.audit_log import record

    with app.test_request_context():
        for n in range(count):
            record(action, target_type, target_id, summary={"n": n}, actor="someone", actor_role="agent")


def test_history_lists_the_entries_of_one_object_newest_first(login_as, app):
    add_entries(app, 3)
    add_entries(app, 1, target_id="cust-0002", action="customer.delete_data")
    response = login_as("manager").get("/history/customer/cust-0001", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith("<section"), "the partial alone for htmx"
    assert html.count("customer.update_attributes") == 3
    assert "customer.delete_data" not in html
    assert html.index('"n": 2') < html.index('"n": 0'), "newest first"


def test_history_pages_and_links_to_the_audit_log(login_as, app):
    add_entries(app, 12, target_type="loyalty_card", target_id="1/4000-0002")
    client = login_as("admin")
    first = client.get("/history/loyalty_card/1/4000-0002").get_data(as_text=True)
    assert "12 audit entries" in visible_text(first) and "page 1 of 2" in visible_text(first)
    assert 'rel="next"' in first and "/audit?" in first
    second = client.get("/history/loyalty_card/1/4000-0002?page=2").get_data(as_text=True)
    assert second.count("customer.update_attributes") == 2


def test_history_without_entries_says_so(login_as):
    text = visible_text(login_as("manager").get("/history/coupon/SUMMER20").get_data(as_text=True))
    assert "Nothing recorded for this coupon yet." in text


@pytest.mark.parametrize("role", ["agent", "marketer"])
def test_history_needs_the_audit_permission(login_as, role):
    assert login_as(role).get("/history/customer/cust-0001").status_code == 403


def test_bad_history_addresses_are_404(login_as):
    client = login_as("admin")
    assert client.get("/history/Not-A-Type/x").status_code == 404
    assert client.get("/history/customer/" + "x" * 300).status_code == 404


def test_macro_lazy_loads_on_pages(login_as):
    html = login_as("admin").get("/admin/users/agent").get_data(as_text=True)
    assert 'hx-get="/history/user/agent"' in html and 'hx-trigger="load"' in html
