"""/healthz: the app, its database and Talon.One, without login and without leaking details."""

from __future__ import annotations

import pytest


class TestWithoutTalon:
    @pytest.fixture
    def app_config(self, offline_app_config):
        return offline_app_config

    def test_talon_down_is_degraded_but_still_serving(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        body = response.get_json()
        assert body["status"] == "degraded"
        assert body["app"] == {"status": "ok"}
        assert body["database"]["status"] == "ok"
        assert body["talon"]["status"] == "down" and body["talon"]["reachable"] is False

    def test_it_reveals_no_addresses_or_keys(self, client):
        text = client.get("/healthz").get_data(as_text=True)
        assert "127.0.0.1" not in text and "key" not in text.lower() and "base_url" not in text

    def test_database_down_is_503(self, app, client, monkeypatch):
        from app.extensions import db

        def unreachable(*args, **kwargs):
            raise RuntimeError("connection refused")

        client.get("/healthz")  # the app is set up before the database goes away
        with app.app_context():
            monkeypatch.setattr(db.session, "execute", unreachable)
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["status"] == "down"
        assert response.get_json()["database"] == {"status": "down"}


def test_with_the_sandbox_everything_is_ok(client):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ok", body
    # the probe reads an unknown session through the Integration API (no Management slot spent)
    assert body["talon"]["status"] == "ok" and body["talon"]["http_status"] == 400   # the unknown probe session
    assert body["database"]["latency_ms"] >= 0
    assert "per_second" in body["talon"]["management_budget"]


def test_it_shows_the_circuit_breaker(client):
    circuit = client.get("/healthz").get_json()["talon"]["circuit"]
    assert circuit["state"] == "closed"
    assert circuit["consecutive_failures"] == 0
