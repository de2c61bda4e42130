"""Goodwill points in real Chromium against the sandbox (issue 17 item 3): an admin sets the
caps, a manager gives 50 points with a reason on a card and sees the transaction at once, is
refused above the cap (with who can do it), and the customer's timeline shows the change at the
top."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.conftest import shot

pytestmark = pytest.mark.e2e

CARD = "4000-0001"  # cust-0001's card in the Store Card program


@pytest.fixture
def default_caps(live_console):
    """The live console's database outlives a test: the caps go back to the defaults after."""
    yield
    from app.extensions import db
    from app.models import PointsCap

    with live_console.app.app_context():
        db.session.execute(sa.delete(PointsCap))
        db.session.commit()


def give(page, points: str, reason: str, note: str) -> None:
    box = page.locator("#adjust-points")
    box.get_by_label("Add points").check()
    box.get_by_label("Points", exact=True).fill(points)
    box.get_by_label("Reason").select_option(label=reason)
    box.get_by_label("Note").fill(note)
    box.get_by_role("button", name="Send the points change").click()


def test_a_manager_gives_50_points_and_is_refused_above_the_cap(logged_in_page, default_caps):
    page = logged_in_page("admin")
    page.goto("/admin/users")
    page.get_by_role("link", name="Points caps").click()
    page.wait_for_url(re.compile(r"/admin/points-caps$"))
    manager_caps = page.locator("#cap-manager")
    manager_caps.get_by_label("Points per change").fill("100")
    manager_caps.get_by_label("Points per day").fill("")
    page.get_by_role("button", name="Save caps").click()
    expect(page.locator("#flash-messages")).to_contain_text("Points caps saved")
    expect(page.locator("#cap-manager").get_by_label("Points per change")).to_have_value("100")
    shot(page, "admin-points-caps")
    page.get_by_role("button", name=re.compile("Log out")).click()

    page.goto("/login")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"/loyalty/1/cards/{CARD}")
    expect(page.locator("#points-cap")).to_contain_text("100 points per change")
    give(page, "50", "Goodwill", "Parcel arrived a week late")
    expect(page.locator("#flash-messages")).to_contain_text(f"Added 50 points to card {CARD} (Goodwill).")
    newest = page.locator("#loyalty-transactions tbody tr").first
    expect(newest).to_contain_text("+50")
    expect(newest).to_contain_text("Goodwill: Parcel arrived a week late")
    shot(page, "manager-goodwill-points-added")

    page.goto("/customers/cust-0001/timeline")
    first = page.locator(".timeline-entry").first
    expect(first).to_contain_text("Console actions")
    expect(first).to_contain_text("Loyalty points: add")
    expect(first).to_contain_text("points: 50")
    expect(first).to_contain_text("note: Parcel arrived a week late")
    second = page.locator(".timeline-entry").nth(1)
    expect(second).to_contain_text("+50 points")
    expect(second).to_contain_text("Goodwill: Parcel arrived a week late")
    shot(page, "timeline-goodwill-points-at-the-top")

    page.goto(f"/loyalty/1/cards/{CARD}")
    give(page, "150", "Service failure", "Hotline kept the customer waiting")
    error = page.locator("#adjust-points .field-errors")
    expect(error).to_contain_text("at most 100 points in one change (this one is 150)")
    expect(error).to_contain_text("An admin can do it.")
    expect(page.locator("#loyalty-transactions tbody tr").first).to_contain_text("Parcel arrived a week late")
    shot(page, "manager-goodwill-points-refused")
