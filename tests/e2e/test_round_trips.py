"""Round trips out of the agent's way (issue 19), in real Chromium against the sandbox with
Talon.One's Management limit: what the browser and the console send, from the browser's request
events and the sandbox's request log (never a clock)."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PROFILE = "cust-0001"


def sandbox_log(sandbox) -> list[dict]:
    return requests.get(f"{sandbox.url}/sandbox/requests", timeout=30).json()["requests"]


def set_latency(sandbox, ms: int) -> None:
    body = {"rules": [], "latencyMs": ms} if ms else {}
    requests.post(f"{sandbox.url}/sandbox/faults", json=body, timeout=30).raise_for_status()


def test_search_then_customer_page_asks_each_lookup_once_and_suggests_nothing(logged_in_page, talon_sandbox):
    page = logged_in_page("agent")
    page.goto("/")
    page.wait_for_load_state("load")
    suggestions: list[str] = []
    page.on("request", lambda r: suggestions.append(r.url) if "/search/suggest" in r.url else None)
    # Talon.One slow enough that the search is still waiting when the Enter key's suggestion
    # (due 300 ms after its keyup) would be sent
    set_latency(talon_sandbox, 400)
    try:
        seen = max((e["id"] for e in sandbox_log(talon_sandbox)), default=0)
        box = page.locator(".header-search input[name=q]")
        box.fill(PROFILE)
        box.press("Enter")
        page.wait_for_url(re.compile(rf"/customers/{PROFILE}$"))
        expect(page.locator("#customer-coupons")).to_contain_text("VIPONLY-001")
        expect(page.locator("#customer-sessions")).to_contain_text("sess-00001")
    finally:
        set_latency(talon_sandbox, 0)
    assert suggestions == []  # pressing Enter ended the suggestions: the search answers
    pair = [e for e in sandbox_log(talon_sandbox) if e["id"] > seen]
    asked = [(e["method"], e["path"], e["query"]) for e in pair]
    assert len(asked) == len(set(asked)), asked
    assert not [e for e in pair if "partialMatch=true" in e["query"]], asked
    assert len([e for e in pair if e["path"].endswith(f"/customer_profiles/{PROFILE}/inventory")]) == 1, asked


def test_the_customer_page_is_complete_with_its_document(logged_in_page, talon_sandbox):
    """The agent's customer page asks the console for nothing after its document: "Why not?"
    comes with it (it used to load itself once the page had arrived: a request after the page)."""
    page = logged_in_page("agent")
    asked: list[tuple[str, str]] = []
    page.on("request", lambda r: asked.append((r.resource_type, r.url))
            if r.resource_type in ("document", "xhr", "fetch") else None)
    page.goto(f"/customers/{PROFILE}")
    page.wait_for_load_state("load")  # htmx has started: a load trigger would have sent by now
    expect(page.locator("#why-not form")).to_be_visible()
    assert page.locator("[hx-trigger~=load]").count() == 0
    assert asked == [("document", page.url)], asked
    # and the form still answers in place
    page.locator("#why-not").get_by_label("Code the customer typed").fill("VIPONLY-003")
    page.locator("#why-not").get_by_role("button", name=re.compile("Why not")).click()
    expect(page.locator("#why-not .why-not-result")).to_contain_text("VIPONLY-003")
    assert [kind for kind, _ in asked] == ["document", "xhr"], asked


# -- the return preview swaps in place; scroll boxes read layout once (issue 19) ---------------

RETURN = "/sessions/sess-00001/return"


def test_the_return_preview_swaps_in_place_and_the_confirm_still_leads_to_the_result(
        logged_in_page, talon_sandbox):
    page = logged_in_page("agent")
    page.goto(RETURN)
    page.wait_for_load_state("load")
    page.evaluate("() => { window.__sameDocument = true; }")
    asked: list[tuple[str, str, str]] = []
    page.on("request", lambda r: asked.append((r.resource_type, r.method, r.url))
            if r.resource_type in ("document", "xhr", "fetch") else None)
    page.get_by_label("Quantity of Organic T-shirt to return").fill("1")
    page.fill("#reason", "Customer brought one T-shirt back, wrong size")
    page.get_by_role("button", name="Preview the return").click()
    preview = page.locator("#return-editor .return-preview")
    expect(preview).to_contain_text("Discounts rolled back")
    # one htmx request, and the browser kept its document (no new page was loaded)
    assert asked == [("xhr", "POST", page.url)], asked
    assert page.evaluate("() => window.__sameDocument") is True
    assert page.locator("#return-editor").count() == 1  # swapped, not nested
    expect(page.get_by_label("Quantity of Organic T-shirt to return")).to_have_value("1")
    # the confirm is a plain form: it navigates to the result page
    preview.get_by_role("button", name="Confirm the return").click()
    page.wait_for_url(re.compile(r"/sessions/sess-00001/results/"))
    expect(page.locator(".result .badge")).to_have_text("partially returned")



PREVIEW = "/sessions/sess-00001/preview"


def test_the_dry_run_swaps_its_result_alone_and_an_editor_with_errors_whole(logged_in_page, talon_sandbox):
    """The form the agent filled in stays the same element (only the result box is swapped);
    after an answer with a field error, the next preview clears that error."""
    page = logged_in_page("agent")
    page.goto(PREVIEW)
    page.wait_for_load_state("load")
    asked: list[tuple[str, str, str]] = []
    page.on("request", lambda r: asked.append((r.resource_type, r.method, r.url))
            if r.resource_type in ("document", "xhr", "fetch") else None)
    form = page.locator("form.preview-form")
    form.evaluate("f => { f.__filledIn = true; }")
    page.fill("#coupon_codes", "SUMMER20")
    page.get_by_role("button", name="Preview (nothing is saved)").click()
    result = page.locator("#preview-result .preview-result")
    expect(result.locator("tr.row-added").filter(has_text="Coupon SUMMER20 accepted")).to_have_count(1)
    assert asked == [("xhr", "POST", page.url)], asked
    assert form.evaluate("f => f.__filledIn === true")  # the same form, not a new one
    assert page.locator("#preview-result").count() == 1 and page.locator("#preview-shown").count() == 1
    expect(page.locator("#coupon_codes")).to_have_value("SUMMER20")

    page.fill("#items-1-quantity", "0")
    page.get_by_role("button", name="Preview (nothing is saved)").click()
    expect(page.locator("#items-1-quantity-errors")).to_contain_text("At least 1")
    expect(page.locator("#preview-result .preview-result")).to_have_count(0)  # the editor came back whole
    page.fill("#items-1-quantity", "2")
    page.get_by_role("button", name="Preview (nothing is saved)").click()
    expect(page.locator("#preview-result .preview-result")).to_contain_text("What would happen")
    expect(page.locator("#items-1-quantity-errors")).to_have_count(0)
    assert [method for _, method, _ in asked] == ["POST"] * 3, asked


# Records, per enhancement run (DOMContentLoaded, each htmx:load), the order in which the page's
# scroll boxes have their layout read (R) and their attributes written (W). The listeners here
# are added before app.js's, so each run starts with "|".
LAYOUT_LOG = """
window.__layout = [];
const boxy = (el) => el instanceof Element && el.matches('.table-scroll, .overflow-auto');
for (const name of ['scrollWidth', 'clientWidth']) {
  const getter = Object.getOwnPropertyDescriptor(Element.prototype, name).get;
  Object.defineProperty(Element.prototype, name, {configurable: true, get() {
    if (boxy(this)) window.__layout.push('R');
    return getter.call(this);
  }});
}
for (const name of ['setAttribute', 'removeAttribute']) {
  const original = Element.prototype[name];
  Element.prototype[name] = function (...args) {
    if (boxy(this)) window.__layout.push('W');
    return original.apply(this, args);
  };
}
document.addEventListener('DOMContentLoaded', () => window.__layout.push('|'));
document.addEventListener('htmx:load', () => window.__layout.push('|'));
"""


def test_scroll_boxes_read_every_width_before_writing_any_attribute(logged_in_page, talon_sandbox):
    """On a phone the return page's table scrolls in its box: the script reads all boxes' widths,
    then writes (no write between two reads: each would make the browser lay out again)."""
    page = logged_in_page("agent")
    page.set_viewport_size({"width": 390, "height": 844})
    page.add_init_script(LAYOUT_LOG)
    page.goto(f"/customers/{PROFILE}")
    page.wait_for_load_state("load")
    expect(page.locator("main .table-scroll[role=region]").first).to_be_attached()
    log = "".join(page.evaluate("() => window.__layout"))
    runs = [run for run in log.split("|") if run]
    assert runs and any("W" in run for run in runs), log  # boxes were read and marked
    assert any(run.count("R") >= 4 for run in runs), log  # several boxes (two reads each)
    for run in runs:
        assert re.fullmatch(r"R*W*", run), log
