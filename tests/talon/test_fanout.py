"""Fan-out: concurrent sections, per-section errors, and the right service in worker threads."""
from __future__ import annotations

import threading
import time

import pytest
from flask import Flask, current_app

from app.talon import TalonNotFound, talon
from tests.talon.conftest import INTEGRATION_KEY, MANAGEMENT_KEY
from tests.talon.stub_upstream import Reply, StubUpstream

STATE = {"customerSession": {"integrationId": "s", "state": "open", "cartItems": []}, "effects": []}


def make_app(url: str) -> Flask:
    app = Flask(f"fanout-{url}")
    app.config.update(
        TALON_BASE_URL=url, TALON_INTEGRATION_KEY=INTEGRATION_KEY,
        TALON_MANAGEMENT_KEY=MANAGEMENT_KEY, TALON_RETRIES=0, TALON_FANOUT_WORKERS=4,
        CURRENCY="GBP",
    )
    talon.init_app(app)
    return app


def test_sections_run_concurrently(stub, make_service):
    service = make_service(read_timeout=2)
    for name in ("a", "b", "c", "d"):
        stub.queue(f"/v2/customer_sessions/{name}", Reply(body=STATE))
    # Each section waits until all four are running: run one after another, they never meet
    # and the barrier breaks. This proves concurrency by meeting, not by a clock.
    all_running = threading.Barrier(4, timeout=5)

    def section(name):
        all_running.wait()
        return service.integration.get_customer_session(name)

    results = service.fan_out({name: (lambda n=name: section(n)) for name in "abcd"})
    assert list(results) == ["a", "b", "c", "d"]
    assert all(r.session.integration_id == "s" for r in results.values())


def test_a_failing_section_yields_its_error_only(stub, make_service):
    service = make_service(retries=0)
    stub.queue("/v2/customer_sessions/ok", Reply(body=STATE))
    stub.queue("/v2/customer_sessions/gone", Reply(404, {"message": "no such session"}))
    results = service.fan_out({
        "ok": lambda: service.integration.get_customer_session("ok"),
        "gone": lambda: service.integration.get_customer_session("gone"),
    })
    assert results["ok"].session.state == "open"
    assert isinstance(results["gone"], TalonNotFound)
    assert results["gone"].message == "no such session"


def test_programming_errors_are_not_swallowed(make_service):
    service = make_service()
    with pytest.raises(ZeroDivisionError):
        service.fan_out({"a": lambda: 1, "b": lambda: 1 / 0})


def test_a_section_that_overruns_the_wait_reads_as_timeout(make_service):
    from app.talon import TalonTimeout

    service = make_service()
    results = service.fan_out({"slow": lambda: time.sleep(0.5), "fast": lambda: 1}, timeout=0.1)
    assert isinstance(results["slow"], TalonTimeout) and results["fast"] == 1


def test_workers_use_the_calling_apps_service_not_current_app(stub):
    """Two apps point at two upstreams; fan-out from app A must reach A from every worker."""
    other = StubUpstream().start()
    try:
        app_a, app_b = make_app(stub.url), make_app(other.url)
        for name in "wxyz":
            stub.queue(f"/v2/customer_sessions/{name}", Reply(body=STATE))
        threads = set()

        def read(name):
            threads.add(threading.get_ident())
            assert current_app.config["CURRENCY"] == "GBP"  # the caller's config is readable
            return talon.integration.get_customer_session(name)

        with app_a.app_context():
            results = talon.fan_out({n: (lambda n=n: read(n)) for n in "wxyz"})
        assert all(not isinstance(r, Exception) for r in results.values()), results
        assert len(stub.hits()) == 4 and other.hits() == []
        assert threading.get_ident() not in threads

        # ... and the service is resolved per app
        with app_b.app_context():
            assert talon.settings.base_url == other.url
        with app_a.app_context():
            assert talon.settings.base_url == stub.url
    finally:
        other.stop()


def test_nested_fan_out_runs_in_line_instead_of_deadlocking(make_service):
    service = make_service(fanout_workers=2)
    outer_threads, inner_threads = set(), set()

    def inner():
        inner_threads.add(threading.get_ident())
        return "inner"

    def outer():
        outer_threads.add(threading.get_ident())
        return service.fan_out({"a": inner, "b": inner, "c": inner})

    results = service.fan_out({"x": outer, "y": outer, "z": outer}, timeout=5)
    assert all(r == {"a": "inner", "b": "inner", "c": "inner"} for r in results.values())
    assert inner_threads <= outer_threads  # the inner calls ran on the outer calls' threads


def test_one_bounded_pool_per_process(make_service):
    first, second = make_service(fanout_workers=3), make_service(fanout_workers=3)
    names = set()

    def record():
        names.add(threading.current_thread().name)
        time.sleep(0.05)

    for service in (first, second, first):
        service.fan_out({str(n): record for n in range(6)})
    assert len(names) <= 3 and all(n.startswith("talon-fanout") for n in names)


def test_a_started_fan_out_runs_while_the_caller_goes_on(make_service):
    service = make_service()
    release = threading.Event()
    started = threading.Event()

    def held():
        started.set()
        assert release.wait(5)
        return "held"

    pending = service.start_fan_out({"only": held})  # one call: still off the caller's thread
    assert started.wait(5)  # it runs before anyone waits for it...
    release.set()  # ...while the caller does other work (renders a frame)
    assert pending.results() == {"only": "held"}
    assert pending.results() == {"only": "held"}  # asking again does not run it again


def test_a_started_fan_out_reports_errors_like_a_fan_out(stub, make_service):
    service = make_service(retries=0)
    stub.queue("/v2/customer_sessions/gone", Reply(404, {"message": "no such session"}))
    pending = service.start_fan_out({
        "gone": lambda: service.integration.get_customer_session("gone"),
        "fine": lambda: 1,
    })
    results = pending.results()
    assert isinstance(results["gone"], TalonNotFound) and results["fine"] == 1
    with pytest.raises(ZeroDivisionError):
        service.start_fan_out({"a": lambda: 1 / 0}).results()
