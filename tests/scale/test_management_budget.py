"""Two console instances (gunicorn, 2 workers each) sharing Redis stay within Talon.One's
Management API limit together: the sandbox, enforcing 3 requests per second per endpoint and
counting what arrives, never sees more than 3 within one second on any endpoint, and refuses
nothing. Staff on both instances search and open customer pages without pause, more than
the limit allows, so the shared budget has to make them wait their turn (issue 12)."""

from __future__ import annotations

import threading

import requests

STAFF_PER_INSTANCE = 3
ACTIONS_PER_STAFF = 6


def test_two_instances_never_exceed_three_per_second_per_endpoint(instances, staff, sandbox):
    requests.post(f"{sandbox.url}/sandbox/rate-limit", json={"managementPerSecond": 3},
                  timeout=10).raise_for_status()
    first, second = instances
    people = [(instance, staff().login(instance, "agent"))
              for instance in (first, second) for _ in range(STAFF_PER_INSTANCE)]
    statuses: list[int] = []
    pages: list[str] = []

    def work(number: int, instance, person) -> None:
        for action in range(ACTIONS_PER_STAFF):
            customer = f"cust-{(number * ACTIONS_PER_STAFF + action) % 60 + 1:04d}"
            found = person.get(instance, "/search", params={"q": customer})
            statuses.append(found.status_code)
            page = person.get(instance, f"/customers/{customer}", timeout=60)
            statuses.append(page.status_code)
            pages.append(page.text)

    threads = [threading.Thread(target=work, args=(n, instance, person))
               for n, (instance, person) in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    report = requests.get(f"{sandbox.url}/sandbox/rate-limit", timeout=10).json()
    busiest = {e["endpoint"]: e["peakPerSecond"] for e in report["endpoints"]}
    assert len(statuses) == 2 * len(people) * ACTIONS_PER_STAFF
    assert set(statuses) <= {200, 303}, statuses
    assert sum(e["refused"] for e in report["endpoints"]) == 0, report
    assert busiest and max(busiest.values()) <= 3, busiest
    # the demand was above the limit, so calls waited; the budget both instances share counted
    # exactly what reached Talon.One (a page whose call found no slot within 3 s says so in its
    # section and sends nothing)
    sessions = "GET /v1/applications/{applicationId}/sessions"
    sent = next(e["requests"] for e in report["endpoints"] if e["endpoint"] == sessions)
    budget = requests.get(f"{first.url}/healthz", timeout=10).json()["talon"]["management_budget"]
    row = budget["endpoints"][sessions]
    assert row["requests"] == sent and sent + row["gave_up"] == len(pages)
    assert sum(r["waits"] for r in budget["endpoints"].values()) > 0
