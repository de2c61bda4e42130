"""The service layer's Management additions: get_audience_analytics, list_attributes and
update_loyalty_card, against the live sandbox (every exchange checked against the spec) and,
for what the sandbox cannot provoke exactly, against the scripted stub upstream."""
from __future__ import annotations

import json

import pytest

from app.talon import TalonNotFound
from app.talon.errors import (
    TalonBadRequest,
    TalonMalformedResponse,
    TalonOutcomeUnknown,
    TalonUnavailable,
)
from app.talon.models import Attribute, LoyaltyCard, Page
from tests.talon.stub_upstream import Reply

CARD = "4000-0003"
CARD_PATH = f"/v1/loyalty_programs/1/cards/{CARD}"


# -- get_audience_analytics ---------------------------------------------------------------------


def test_audience_analytics_map_ids_to_member_counts(live, control):
    counts = live.management.get_audience_analytics([1, 2, 3, 999, 1])
    members = {n: len(live.management.list_audience_members(n, page_size=1000)) for n in (1, 2, 3)}
    assert counts == members and 999 not in counts
    [call] = control.requests("/v1/audiences/analytics", "GET")
    assert call["query"] == "audienceIds=1%2C2%2C3%2C999"  # each ID once, in one call


def test_audience_analytics_of_no_ids_ask_nothing(live, control):
    assert live.management.get_audience_analytics([]) == {}
    assert control.requests("/v1/audiences/analytics") == []


def test_audience_analytics_go_in_chunks_of_a_hundred_ids(live, control):
    counts = live.management.get_audience_analytics(range(1, 251))
    assert set(counts) == {1, 2, 3}
    assert len(control.requests("/v1/audiences/analytics", "GET")) == 3


def test_audience_analytics_are_a_read_and_retried(live, control):
    control.faults({"path": "^/v1/audiences/analytics$", "status": 503, "count": 1})
    assert live.management.get_audience_analytics([3]) == {3: 9}
    assert [r["status"] for r in control.requests("/v1/audiences/analytics")] == [503, 200]


def test_an_unreadable_analytics_answer_is_malformed(stub, make_service):
    stub.queue("/v1/audiences/analytics", Reply(body={"rows": []}))
    with pytest.raises(TalonMalformedResponse):
        make_service().management.get_audience_analytics([1])


# -- list_attributes ------------------------------------------------------------------------------


def test_list_attributes_are_typed_definitions(live):
    page = live.management.list_attributes(entity="CustomerProfile")
    assert isinstance(page, Page) and all(isinstance(a, Attribute) for a in page)
    declared = {a.name: a.type for a in page}
    assert declared["BirthDate"] == "time" and declared["Newsletter"] == "boolean"
    assert declared["ShoeSize"] == "number" and declared["Interests"] == "(list string)"
    city = next(a for a in page if a.name == "City")
    assert city.entity == "CustomerProfile" and "Berlin" in city.suggestions
    assert city.created is not None and city.extra["hasAllowedList"] is False  # unknown fields kept
    assert page.total == len(page) and not page.has_more


def test_list_attributes_filter_and_page(live):
    assert [a.name for a in live.management.list_attributes("CustomerSession")] == ["channel"]
    assert [a.name for a in live.management.list_attributes(type="boolean")] == ["Newsletter"]
    first = live.management.list_attributes(page_size=2, sort="name")
    assert len(first) == 2 and first.has_more
    every = list(live.management.iterate(live.management.list_attributes, page_size=3))
    assert len(every) == first.total


# -- update_loyalty_card ----------------------------------------------------------------------------


def test_deactivate_and_activate_a_card(live, control):
    inactive = live.management.update_loyalty_card(1, CARD, status="inactive")
    assert isinstance(inactive, LoyaltyCard)
    assert (inactive.status, inactive.block_reason) == ("inactive", None)
    active = live.management.update_loyalty_card(1, CARD, status="active")
    assert (active.status, active.block_reason) == ("active", None)
    assert len(control.requests(CARD_PATH, "PUT")) == 2


def test_transfer_blocks_the_card_and_it_stays_blocked(live, control):
    assert live.management.transfer_loyalty_card(1, CARD, new_card_identifier="4000-9001",
                                                 block_reason="Lost") is None
    old = live.management.get_loyalty_card(1, CARD)
    assert (old.status, old.block_reason, old.new_card_identifier) == ("inactive", "Lost", "4000-9001")
    assert live.management.get_loyalty_card(1, "4000-9001").old_card_identifier == CARD
    with pytest.raises(TalonBadRequest):
        live.management.update_loyalty_card(1, CARD, status="active")
    assert len(control.requests(CARD_PATH + "/transfer", "PUT")) == 1


def test_update_sends_only_what_is_given(stub, make_service):
    stub.queue(CARD_PATH, Reply(body={"identifier": CARD, "status": "active"}))
    make_service().management.update_loyalty_card(1, CARD, status="active")
    [hit] = stub.hits(CARD_PATH, "PUT")
    assert json.loads(hit.body) == {"status": "active"}


def test_update_is_a_change_and_never_retried(live, control):
    control.faults({"path": f"^{CARD_PATH}$", "method": "PUT", "status": 503, "count": 1})
    with pytest.raises(TalonUnavailable):
        live.management.update_loyalty_card(1, CARD, status="inactive")
    assert len(control.requests(CARD_PATH, "PUT")) == 1
    assert live.management.get_loyalty_card(1, CARD).status == "active"


def test_an_update_whose_answer_is_lost_may_have_happened(stub, make_service):
    stub.queue(CARD_PATH, Reply(body={"identifier": CARD}, delay=1.0))
    with pytest.raises(TalonOutcomeUnknown):
        make_service().management.update_loyalty_card(1, CARD, status="inactive")
    assert len(stub.hits(CARD_PATH, "PUT")) == 1


def test_update_refusals_are_typed(live):
    with pytest.raises(TalonNotFound):
        live.management.update_loyalty_card(1, "4000-9999", status="active")
    with pytest.raises(TalonBadRequest) as refused:
        live.management.update_loyalty_card(1, "4000-0035", status="active")   # demo: blocked
    assert refused.value.field_errors[0].pointer == "/status"
