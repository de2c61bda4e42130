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
