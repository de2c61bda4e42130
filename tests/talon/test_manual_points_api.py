"""ManagementApi's points added or deducted by hand against the live sandbox, every exchange
checked against talon-openapi.json (AddLoyaltyPoints, DeductLoyaltyPoints, 204 answers)."""
from __future__ import annotations

import json

import pytest

from app.talon import TalonError
from app.talon.errors import TalonBadRequest, TalonNotFound


def bodies(control, tail: str) -> list[dict]:
    return [e for e in control.requests() if e["path"].endswith(tail)]


def test_card_points_added_and_deducted(live, control):
    before = live.integration.get_loyalty_card_balances(1, "4000-0001").active_points
    live.management.add_loyalty_card_points(1, "4000-0001", points=50, name="Goodwill: late parcel",
                                            validity_duration="30D", pending_duration="immediate")
    live.management.deduct_loyalty_card_points(1, "4000-0001", points=20.5, name="Correction")
    after = live.integration.get_loyalty_card_balances(1, "4000-0001").active_points
    assert after == pytest.approx(before + 29.5)
    names = [t.name for t in live.integration.get_loyalty_card_transactions(1, "4000-0001", page_size=5)]
    assert {"Goodwill: late parcel", "Correction"} <= set(names)
    [add] = bodies(control, "/cards/4000-0001/add_points")
    assert add["method"] == "PUT"


def test_profile_points_added_and_removed(live):
    before = live.integration.get_loyalty_balances(2, "cust-0001").active_points
    live.management.add_loyalty_points(2, "cust-0001", points=10, name="Goodwill")
    live.management.remove_loyalty_points(2, "cust-0001", points=4, name="Correction")
    assert live.integration.get_loyalty_balances(2, "cust-0001").active_points == pytest.approx(before + 6)


def test_the_body_carries_the_spec_names(live, talon_sandbox):
    sent = []
    live.http.hooks["response"].append(lambda r, *a, **k: sent.append(json.loads(r.request.body)))
    live.management.add_loyalty_card_points(1, "4000-0002", points=12, name="Goodwill",
                                            validity_duration="1M_U", pending_duration="12h",
                                            subledger_id=None)
    assert sent[-1] == {"points": 12, "name": "Goodwill", "validityDuration": "1M_U",
                        "pendingDuration": "12h", "applicationId": 1}
    live.management.remove_loyalty_points(2, "cust-0001", points=1.25, subledger_id="")
    assert sent[-1] == {"points": 1.25, "applicationId": 1}


def test_errors_are_the_one_family(live, control):
    with pytest.raises(TalonBadRequest) as refused:
        live.management.remove_loyalty_points(2, "cust-0001", points=10**9)
    assert "Only active points can be deducted" in refused.value.message
    with pytest.raises(TalonNotFound):
        live.management.add_loyalty_card_points(1, "4000-9999", points=5)
    with pytest.raises(TalonError):
        live.management.add_loyalty_card_points(1, "4000-0031", points=5)  # inactive card
    with pytest.raises(ValueError):
        live.management.add_loyalty_points(2, "cust-0001", points=1, validity_duration="5D",
                                           valid_until="2030-01-01T00:00:00Z")

