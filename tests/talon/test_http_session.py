"""The transport's requests.Session (app/talon/http_session.py) over real HTTP: what an API
client needs from requests, and nothing it must not do."""
from __future__ import annotations

import json

import pytest

from app.talon import TalonError
from tests.talon.stub_upstream import Reply

SESSION = "/v2/customer_sessions/s1"
SESSION_BODY = {"customerSession": {"integrationId": "s1", "state": "open", "cartItems": []},
                "effects": []}


def test_bodies_leave_as_compact_json(stub, make_service):
    service = make_service()
    stub.queue(SESSION, Reply(body=SESSION_BODY))
    service.integration.update_customer_session("s1", state="closed", dry=True)
    (sent,) = stub.hits(SESSION, "PUT")
    assert sent.headers["Content-Type"] == "application/json"
    assert b", " not in sent.body and b": " not in sent.body
    assert json.loads(sent.body)["customerSession"]["state"] == "closed"
    assert sent.headers["Content-Length"] == str(len(sent.body))


def test_cookies_are_neither_kept_nor_sent(stub, make_service):
    service = make_service()
    stub.queue(SESSION, Reply(body=SESSION_BODY, headers={"Set-Cookie": "lb=node-7; Path=/"}),
               Reply(body=SESSION_BODY))
    service.integration.get_customer_session("s1")
    service.integration.get_customer_session("s1")
    assert list(service.http.cookies) == []
    assert all("Cookie" not in hit.headers for hit in stub.hits(SESSION))


def test_redirects_are_not_followed(stub, make_service):
    service = make_service(retries=0)
    stub.queue(SESSION, Reply(302, "", {"Location": "/elsewhere"}))
    with pytest.raises(TalonError):
        service.integration.get_customer_session("s1")
    assert stub.hits("/elsewhere") == []


def test_the_environment_is_not_read(stub, make_service, monkeypatch, tmp_path):
    # A .netrc entry for the upstream would replace the Authorization header in stock requests.
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    service = make_service()
    stub.queue(SESSION, Reply(body=SESSION_BODY))
    service.integration.get_customer_session("s1")
    assert stub.hits(SESSION)[0].headers["Authorization"].startswith("ApiKey-v1 ")
