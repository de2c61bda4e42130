"""The sandbox's own controls (reset, faults, request log), its server and its command line."""
from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from sandbox.app import Keys
from sandbox.server import SandboxServer
from tests.sandbox.conftest import assert_error, new_id, put_session

ROOT = Path(__file__).resolve().parents[2]


def test_health_always_answers(api):
    assert api.get("/sandbox/health", key=None).json() == {"status": "ok"}


def test_reset_restores_the_seed(api):
    api.delete("/v1/customer_data/cust-0001")
    put_session(api, new_id(), profileId="cust-0002", cartItems=[{"sku": "TEE-010", "quantity": 1, "price": 5}])
    for _ in range(2):  # a second reset of a clean store works too
        response = api.post("/sandbox/reset")
        assert response.status_code == 200 and response.json()["reset"] is True
    assert api.get("/v1/customer_profiles/cust-0001/inventory").status_code == 200
    listed = api.get("/v1/applications/1/sessions", params={"profile": "cust-0002"}, key="management").json()
    assert all(s["integrationId"].startswith("sess-") for s in listed["data"])


def test_injected_status_with_retry_after_and_count(api):
    plan = {"rules": [{"path": "^/v2/customer_sessions/", "method": "GET", "status": 503, "retryAfter": 2,
                       "count": 2}]}
    assert api.post("/sandbox/faults", json=plan).status_code == 200
    for _ in range(2):
        response = api.get("/v2/customer_sessions/sess-00001")
        assert_error(response, 503, "fault")
        assert response.headers["Retry-After"] == "2"
    assert api.get("/v2/customer_sessions/sess-00001").status_code == 200      # count used up
    assert api.put("/v2/customer_sessions/sess-00001/reopen").status_code == 200  # other method untouched


@pytest.mark.parametrize("status", [500, 409, 429])
def test_injected_statuses(api, status):
    api.post("/sandbox/faults", json={"rules": [{"path": "inventory", "status": status, "retryAfter": 1}]})
    assert_error(api.get("/v1/customer_profiles/cust-0001/inventory"), status)
    api.post("/sandbox/faults", json={})
    assert api.get("/v1/customer_profiles/cust-0001/inventory").status_code == 200


def test_rate_decides_how_often_a_rule_fires(api):
    api.post("/sandbox/faults", json={"rules": [{"path": "customer_sessions", "status": 500, "rate": 0.0}]})
    assert all(api.get("/v2/customer_sessions/sess-00001").status_code == 200 for _ in range(10))
    api.post("/sandbox/faults", json={"rules": [{"path": "customer_sessions", "status": 500, "rate": 0.5}]})
    statuses = [api.get("/v2/customer_sessions/sess-00001").status_code for _ in range(60)]
    assert 10 < statuses.count(500) < 50


def test_timeout_sleeps_past_the_client_then_applies_the_change(raw):
    raw.post("/sandbox/faults", json={"rules": [{"path": "customer_sessions", "method": "PUT", "timeout": True,
                                                 "timeoutSeconds": 60}]})
    session_id = new_id("slow")
    with pytest.raises(requests.exceptions.ReadTimeout):
        raw.put(f"/v2/customer_sessions/{session_id}", timeout=0.3,
                json={"customerSession": {"cartItems": [{"sku": "TEE-010", "quantity": 1, "price": 5}]}})
    raw.post("/sandbox/faults/release")  # answers the held request, returning once it is done
    assert raw.get(f"/v2/customer_sessions/{session_id}").status_code == 200   # it happened anyway


def test_malformed_answers_are_not_json(raw):
    raw.post("/sandbox/faults", json={"rules": [{"path": "inventory", "malformed": True}]})
    response = raw.get("/v1/customer_profiles/cust-0001/inventory")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_latency_and_jitter(api):
    api.post("/sandbox/faults", json={"latencyMs": 150, "jitterMs": 50})
    started = time.perf_counter()
    api.get("/v2/customer_sessions/sess-00001")
    assert time.perf_counter() - started >= 0.15          # a lower bound holds on any machine


def test_control_endpoints_are_never_slowed(api):
    # Ten minutes of latency: were it applied, the health check would hit its 10 s timeout.
    # No upper bound on a clock, so a busy machine cannot make this fail.
    api.post("/sandbox/faults", json={"latencyMs": 600_000})
    assert api.get("/sandbox/health", key=None, timeout=10).status_code == 200
    assert api.post("/sandbox/faults", json={}, timeout=10).status_code in (200, 204)


def test_bad_fault_plans_are_400(raw):
    assert_error(raw.post("/sandbox/faults", json={"rules": [{"path": "(", "status": 500}]}), 400, "regular")
    assert_error(raw.post("/sandbox/faults", json={"rules": [{"path": "x"}]}), 400)
    assert_error(raw.post("/sandbox/faults", json={"rules": [{"path": "x", "status": 200}]}), 400)
    assert_error(raw.post("/sandbox/faults", data=b"{oops"), 400)


def test_request_log_since_reset(api):
    api.get("/v2/customer_sessions/sess-00001")
    api.post("/v2/customer_sessions/sess-00005/returns", headers={"Idempotency-Key": "log-1"},
             json={"return": {"returnedCartItems": [{"position": 0, "quantity": 1}]}})
    log = api.get("/sandbox/requests").json()["requests"]
    assert [(e["method"], e["path"], e["status"], e["idempotencyKey"]) for e in log] == [
        ("GET", "/v2/customer_sessions/sess-00001", 200, None),
        ("POST", "/v2/customer_sessions/sess-00005/returns", 200, "log-1")]
    api.post("/sandbox/reset")
    assert api.get("/sandbox/requests").json()["requests"] == []


def test_without_control_the_controls_do_not_exist():
    with SandboxServer(seed="empty", control=False) as server:
        for method, path in (("POST", "/sandbox/reset"), ("POST", "/sandbox/faults"), ("GET", "/sandbox/requests")):
            assert_error(requests.request(method, server.url + path, timeout=10), 404)
        assert requests.get(server.url + "/sandbox/health", timeout=10).status_code == 200


def test_keys_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SANDBOX_INTEGRATION_KEY", "int-123")
    monkeypatch.setenv("SANDBOX_MANAGEMENT_KEY", "mgmt-456")
    assert Keys.from_environment() == Keys("int-123", "mgmt-456")
    with SandboxServer(seed="empty") as server:
        assert (server.integration_key, server.management_key) == ("int-123", "mgmt-456")
        assert requests.get(server.url + "/v1/audiences", timeout=10,
                            headers={"Authorization": "ManagementKey-v1 mgmt-456"}).status_code == 200


def test_an_empty_seed_has_no_data():
    with SandboxServer(seed="empty") as server:
        response = requests.get(server.url + "/v1/applications/1/customers", timeout=10,
                                headers={"Authorization": f"ManagementKey-v1 {server.management_key}"})
        assert response.json()["data"] == []


def test_a_db_file_keeps_its_state_across_restarts(tmp_path):
    db = str(tmp_path / "state.db")
    headers = {"Authorization": "ApiKey-v1 sandbox-integration-key"}
    with SandboxServer(db=db, keys=Keys("sandbox-integration-key", "m")) as server:
        requests.put(server.url + "/v2/customer_profiles/kept", json={"attributes": {"x": 1}}, headers=headers,
                     timeout=10)
    with SandboxServer(db=db, keys=Keys("sandbox-integration-key", "m")) as server:
        response = requests.get(server.url + "/v1/customer_profiles/kept/inventory?profile=true", headers=headers,
                                timeout=10)
        assert response.json()["profile"]["attributes"] == {"x": 1}


def test_command_line_prints_url_and_keys_and_serves():
    env = {**os.environ, "SANDBOX_INTEGRATION_KEY": "cli-int", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "--port", "0", "--seed", "empty", "--control"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        url = lines[0].split(" on ")[1].strip()
        assert "cli-int" in lines[1] and "sandbox-management-key" in lines[2]
        assert requests.get(url + "/sandbox/health", timeout=10).status_code == 200
        assert requests.post(url + "/sandbox/reset", timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_latency_ms_slows_every_api_call():
    with SandboxServer(seed="empty", latency_ms=200) as server:
        headers = {"Authorization": f"ManagementKey-v1 {server.management_key}"}
        started = time.perf_counter()
        assert requests.get(server.url + "/v1/audiences", headers=headers, timeout=10).status_code == 200
        assert time.perf_counter() - started >= 0.2


def test_latency_ms_leaves_the_control_endpoints_alone():
    # ten minutes of start-up latency: were it applied, the request would hit its 10 s timeout
    with SandboxServer(seed="empty", latency_ms=600_000) as server:
        assert requests.get(server.url + "/sandbox/health", timeout=10).status_code == 200


def test_the_request_log_orders_arrivals_and_answers(api):
    # Two calls one after the other: the second arrives after the first was answered.
    api.get("/v2/customer_sessions/sess-00001")
    api.get("/v2/customer_sessions/sess-00002")
    first, second = api.get("/sandbox/requests", key=None).json()["requests"][-2:]
    assert first["started"] < first["finished"] < second["started"] < second["finished"]


def test_connections_are_kept_open_between_calls():
    """One connection carries several calls, as with Talon.One: a body the sandbox reads, one it
    never reads (an unknown path), and a fault's answer. Each answer is complete and the next
    request on the connection is understood."""
    with SandboxServer(seed="demo") as server:
        host, port = server.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        headers = {"Authorization": f"ApiKey-v1 {server.integration_key}", "Content-Type": "application/json"}
        calls = [
            ("PUT", "/v2/customer_profiles/kept-alive", json.dumps({"attributes": {"x": 1}}), 200),
            ("POST", "/v2/no_such_operation", json.dumps({"unread": "x" * 50_000}), 404),
            ("GET", "/v2/customer_sessions/sess-00001", None, 200),
        ]
        sockets = set()
        for method, path, body, status in calls:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            payload = answer.read()
            assert answer.status == status, (method, path, payload[:200])
            assert answer.getheader("Connection") != "close"
            json.loads(payload)
            sockets.add(id(connection.sock))
        assert len(sockets) == 1  # no reconnect between the calls
        connection.close()


def test_stopping_the_sandbox_closes_kept_open_connections():
    server = SandboxServer(seed="empty").start()
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/sandbox/health")
    assert connection.getresponse().read()
    server.stop()
    connection.sock.settimeout(5)
    assert connection.sock.recv(1) == b""  # closed by the server, not left to its idle timeout
    connection.close()
