"""The service layer as the console uses it: ``talon`` wired by create_app, against the sandbox.

The lead's ``app`` fixture hooks a spec checker on ``talon.http``.
"""
from __future__ import annotations

from app.talon import TalonService, talon


def test_create_app_wires_one_service_from_config(app):
    service = app.extensions["talon"]
    assert isinstance(service, TalonService)
    assert service.settings.base_url == app.config["TALON_BASE_URL"]
    assert service.settings.application_id == 1
    with app.app_context():
        assert talon.service is service and talon.http is service.http


def test_calls_and_fan_out_through_the_extension(app):
    with app.app_context():
        state = talon.integration.get_customer_session("sess-00001")
        results = talon.fan_out({
            "inventory": lambda: talon.integration.get_customer_inventory("cust-0001"),
            "sessions": lambda: talon.management.list_sessions(profile="cust-0001"),
        })
        wording = talon.effect_wording(cart_items=state.session.cart_items)
    assert results["inventory"].profile.display_name == "Alice Archer"
    assert {s.profile_id for s in results["sessions"]} == {"cust-0001"}
    assert wording.currency == app.config.get("CURRENCY", "EUR")
    assert all(line.text for line in wording.describe_all(state.effects))


def test_health_for_healthz(app):
    with app.app_context():
        health = talon.health()
    assert health["status"] == "ok" and health["reachable"]
    assert health["circuit"]["state"] == "closed" and health["latency_ms"] >= 0
    assert app.config["TALON_MANAGEMENT_KEY"] not in repr(health)
