"""Parallel updates of one session or profile: one at a time, the others get 409 (as Talon.One)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.sandbox.conftest import assert_error, check_spec, new_id

# A big cart makes each update take long enough for the others to arrive while it runs.
BIG_CART = [{"sku": f"SKU-{i}", "quantity": 1, "price": 1.5, "category": "misc"} for i in range(600)]
PARALLEL = 8


def burst(send, count: int = PARALLEL) -> list:
    """Send `count` requests at the same moment; answer their responses."""
    start = threading.Barrier(count)

    def one(index):
        start.wait()
        return send(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_parallel_updates_of_one_session_get_409(api, raw):
    """`raw` sends the bursts (checking 600-item requests against the spec takes a second each);
    one answer of each kind is then checked against the spec."""
    session_id = new_id("busy")
    statuses = []
    for _attempt in range(5):   # a burst almost always collides; retry in the unlikely case it did not
        responses = burst(lambda i: raw.put(f"/v2/customer_sessions/{session_id}", json={
            "customerSession": {"profileId": "cust-0015", "cartItems": BIG_CART, "attributes": {"n": i}}}))
        statuses += [r.status_code for r in responses]
        for status in (200, 409):
            sample = next((r for r in responses if r.status_code == status), None)
            if sample is not None:
                check_spec(sample)
        for response in responses:
            if response.status_code == 409:
                assert_error(response, 409, "retry")
        if 409 in statuses:
            break
    assert set(statuses) <= {200, 409}
    assert 409 in statuses and 200 in statuses
    session = api.get(f"/v2/customer_sessions/{session_id}").json()["customerSession"]
    assert session["updateCount"] == statuses.count(200)          # every 200 applied, no 409 did


def test_parallel_updates_of_different_sessions_all_succeed(raw):
    ids = [new_id("par") for _ in range(PARALLEL)]
    responses = burst(lambda i: raw.put(f"/v2/customer_sessions/{ids[i]}", json={
        "customerSession": {"cartItems": BIG_CART[:200]}}))
    assert [r.status_code for r in responses] == [200] * PARALLEL


def test_parallel_updates_of_one_profile_get_409(raw):
    statuses = []
    for _attempt in range(5):
        responses = burst(lambda i: raw.put("/v2/customer_profiles/cust-0016", params={"runRuleEngine": "true"},
                                            json={"attributes": {f"a{j}": j for j in range(2000)} | {"n": i}}))
        statuses += [r.status_code for r in responses]
        if 409 in statuses:
            break
    assert set(statuses) <= {200, 409} and 409 in statuses


def test_a_session_is_free_again_after_a_409(api, raw):
    session_id = new_id("free")
    burst(lambda i: raw.put(f"/v2/customer_sessions/{session_id}", json={"customerSession": {"cartItems": BIG_CART}}))
    response = api.put(f"/v2/customer_sessions/{session_id}", json={"customerSession": {"state": "closed"}})
    assert response.status_code == 200
