"""What makes pages complete in about one upstream round trip (bench/RESULTS.md §1): cached,
versioned static files; the goodwill widget in the customer page's first render; no database
write for a repeated view; the search's card lookups in the one fan-out; and the Server-Timing
header and request IDs that show where a request's time went."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Blueprint

from tests.conftest import make_console
from tests.support.concurrency import overlapped
from tests.web.test_sessions_support import agent, app_config, upstream  # noqa: F401  (fixtures)

VERSIONED = re.compile(r'(?:href|src)="(/[^"?]+\.(?:css|js|svg))\?v=([0-9a-f]{10})"')
SERVER_TIMING = re.compile(r"^app;dur=(\d+(?:\.\d+)?), talon;dur=(\d+(?:\.\d+)?)$")


def set_latency(upstream, talon_sandbox, ms: int) -> None:
    upstream.http.post(f"{talon_sandbox.url}/sandbox/faults", json={"rules": [], "latencyMs": ms},
                       timeout=30).raise_for_status()


# -- static files --------------------------------------------------------------------------

def test_static_urls_are_versioned_and_cached_for_a_year(agent):
    page = agent.get("/customers/cust-0001")
    assert page.headers["Cache-Control"] == "no-store"  # pages are never cached
    html = page.get_data(as_text=True)
    assets = dict(VERSIONED.findall(html))
    # the foundation's files and a blueprint's (search: agent.css, search.js)
    assert {"/static/vendor/htmx.min.js", "/static/vendor/pico.min.css", "/static/app.css",
            "/static/app.js"} <= set(assets)
    assert {"/assets/search/agent.css", "/assets/search/search.js"} <= set(assets)
    for url, version in assets.items():
        response = agent.get(f"{url}?v={version}")
        assert response.status_code == 200, url
        cache = response.headers["Cache-Control"]
        assert "max-age=31536000" in cache and "immutable" in cache and "public" in cache, (url, cache)
        assert "no-store" not in cache and "no-cache" not in cache


def test_unversioned_or_stale_static_urls_are_revalidated(client):
    for url in ("/static/app.css", "/static/app.css?v=0000000000"):
        response = client.get(url)
        assert response.status_code == 200
        cache = response.headers["Cache-Control"]
        assert "no-cache" in cache and "immutable" not in cache and "31536000" not in cache
        assert "no-store" not in cache


def test_the_version_changes_with_the_content(app_config, tmp_path):
    from app.assets import StaticVersions

    folder = tmp_path / "assets"
    folder.mkdir()
    asset = folder / "thing.css"
    asset.write_text("a { color: red }", encoding="utf-8")
    console = make_console(app_config)
    console.register_blueprint(Blueprint("thing", __name__, static_folder=str(folder),
                                         static_url_path="/thing-static"))
    with console.test_request_context():
        from flask import url_for

        first = url_for("thing.static", filename="thing.css")
        assert re.fullmatch(r"/thing-static/thing\.css\?v=[0-9a-f]{10}", first)
        asset.write_text("a { color: blue }", encoding="utf-8")
        # computed once per file per process: the same process keeps the first version ...
        assert url_for("thing.static", filename="thing.css") == first
        # ... and the next process (a deploy) names the new content
        console.extensions["talon_desk_assets"] = StaticVersions(console)
        second = url_for("thing.static", filename="thing.css")
        assert second != first and second.startswith("/thing-static/thing.css?v=")
        assert "?v=" not in url_for("thing.static", filename="missing.css")
    fetched = console.test_client().get(second)
    assert fetched.get_data(as_text=True) == "a { color: blue }"
    assert "immutable" in fetched.headers["Cache-Control"]


# -- the goodwill widget -------------------------------------------------------------------

def test_goodwill_widget_is_in_the_customer_pages_first_render(agent, upstream):
    page = agent.get("/customers/cust-0001")
    html = page.get_data(as_text=True)
    widget = html[html.index('id="goodwill-coupon"'):]
    widget = widget[:widget.index("</article>")]
    assert 'hx-post="/customers/cust-0001/goodwill-coupon"' in widget
    assert re.search(r"The next free GOODWILL-\* code\s*: <strong>GOODWILL-\d{3}</strong>", widget)
    # nothing is left for the browser to fetch after the page
    assert 'hx-trigger="load"' not in html.split('id="customer-coupons"', 1)[1].split("</section>", 1)[0]
    searches = upstream.log("POST", r"coupons_search_advanced")
    assert len(searches) == 1  # the goodwill lookup, in the page's own fan-out
    # the widget's own route still answers (its POST swaps replace it)
    again = agent.get("/customers/cust-0001/goodwill-coupon", headers={"HX-Request": "true"})
    assert again.status_code == 200 and 'id="goodwill-coupon"' in again.get_data(as_text=True)


def test_goodwill_widget_without_the_reservations_permission_asks_nothing(login_as, upstream):
    manager = login_as("manager")
    html = manager.get("/customers/cust-0003").get_data(as_text=True)
    assert 'id="goodwill-coupon"' in html and "Reserving goodwill coupons needs" in html
    assert upstream.log("POST", r"coupons_search_advanced") == []


def test_the_coupons_section_retry_renders_the_widget_too(agent):
    section = agent.get("/customers/cust-0001/sections/coupons", headers={"HX-Request": "true"})
    html = section.get_data(as_text=True)
    assert 'id="goodwill-coupon"' in html and 'hx-trigger="load"' not in html


def test_a_failed_goodwill_lookup_is_shown_in_the_widget(agent, upstream, talon_sandbox):
    upstream.http.post(f"{talon_sandbox.url}/sandbox/faults", json={"rules": [
        {"path": "coupons_search_advanced", "method": "POST", "status": 503}]},
        timeout=30).raise_for_status()
    page = agent.get("/customers/cust-0001")
    assert page.status_code == 200
    assert "could not be looked up" in page.get_data(as_text=True)


# -- recently viewed -----------------------------------------------------------------------

def recent_rows(app):
    import sqlalchemy as sa

    from app.extensions import db
    from app.recent import RecentView

    with app.app_context():
        return [(r.target_id, r.viewed_at) for r in db.session.scalars(
            sa.select(RecentView).order_by(RecentView.viewed_at.desc(), RecentView.id.desc()))]


def test_a_repeated_view_is_not_written_again_within_a_minute(app, agent):
    from sqlalchemy import event

    from app.extensions import db

    agent.get("/customers/cust-0001")
    first = recent_rows(app)
    assert [t for t, _ in first] == ["cust-0001"]
    writes = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, *a: writes.append(statement) if re.match(  # noqa: E731
        r"\s*(INSERT|UPDATE|DELETE)", statement, re.I) and "recent_views" in statement else None
    event.listen(engine, "before_cursor_execute", listener)
    try:
        agent.get("/customers/cust-0001")
        agent.get("/customers/cust-0001")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert writes == []
    assert recent_rows(app) == first


def test_the_recently_viewed_order_stays_right(app, agent):
    import sqlalchemy as sa

    from app.extensions import db
    from app.recent import RecentView

    for target in ("cust-0001", "cust-0002", "cust-0001"):  # cust-0001 again, within a minute
        agent.get(f"/customers/{target}")
    assert [t for t, _ in recent_rows(app)] == ["cust-0001", "cust-0002"]
    home = agent.get("/").get_data(as_text=True)
    assert home.index('href="/customers/cust-0001"') < home.index('href="/customers/cust-0002"')
    # a minute later, the same view is written again
    with app.app_context():
        for row in db.session.scalars(sa.select(RecentView)):
            row.viewed_at -= timedelta(minutes=2)
        db.session.commit()
    before = dict(recent_rows(app))["cust-0001"]
    agent.get("/customers/cust-0001")
    assert dict(recent_rows(app))["cust-0001"] > before


# -- search ----------------------------------------------------------------------------------

def test_every_card_program_is_asked_in_the_one_fan_out(agent, upstream, talon_sandbox, monkeypatch):
    from app.search import lookups

    agent.get("/search", query_string={"q": "warm-up"})  # fills the card program cache
    real = lookups._card_based
    monkeypatch.setattr(lookups, "_card_based",
                        lambda programs: real(programs) + [(9001, "Other card"), (9002, "Third card")])
    set_latency(upstream, talon_sandbox, 300)
    asked_before = len(upstream.log())
    response = agent.get("/search", query_string={"q": "4000-0007"})
    assert response.status_code == 303 and response.headers["Location"] == "/loyalty/1/cards/4000-0007"
    asked = upstream.log()[asked_before:]
    cards = [e for e in asked if "/cards/4000-0007" in e["path"]]
    assert len(cards) == 3
    assert overlapped(asked), "all six lookups in one round trip"


# -- Server-Timing and request IDs ------------------------------------------------------------

def test_server_timing_counts_the_fan_out_once(agent, upstream, talon_sandbox):
    set_latency(upstream, talon_sandbox, 150)
    response = agent.get("/search?q=cust-0001")
    assert response.status_code == 303
    match = SERVER_TIMING.match(response.headers["Server-Timing"])
    assert match, response.headers["Server-Timing"]
    app_ms, talon_ms = map(float, match.groups())
    # lower bounds only (they hold on any machine); that overlapping calls count once is
    # shown on a manual clock in test_overlapping_calls_count_once
    assert talon_ms >= 150 and app_ms >= talon_ms


def test_overlapping_calls_count_once():
    from app.talon.timing import RequestContext

    now = [0.0]
    context = RequestContext(clock=lambda: now[0])
    context.begin()                  # t=0: the first call of a fan-out
    now[0] = 0.1
    context.begin()                  # t=0.1: a second, overlapping
    now[0] = 1.0
    context.end()                    # t=1.0
    now[0] = 1.2
    context.end()                    # t=1.2: 1.2 s in flight, not 1.0 + 1.1
    now[0] = 5.0
    context.begin()                  # t=5: a later call on its own
    now[0] = 5.5
    assert context.upstream_seconds == 1.7   # a running call counts up to now
    context.end()
    now[0] = 9.0
    assert context.upstream_seconds == 1.7 and context.calls == 3


def test_a_streamed_page_times_its_frame(agent, upstream, monkeypatch):
    from tests.web.test_streaming import PAGES, held_call

    path, module, call, _ = PAGES["customer"]
    release = held_call(monkeypatch, module, call)
    response = agent.get(path, buffered=False)
    try:
        # the header is there while Talon.One's answer is still held: it timed the frame alone
        assert not release.is_set()
        assert re.fullmatch(r"frame;dur=[\d.]+", response.headers["Server-Timing"]), \
            response.headers["Server-Timing"]
    finally:
        release.set()
        response.close()


def test_server_timing_on_pages_without_upstream_calls(client):
    response = client.get("/login")
    match = SERVER_TIMING.match(response.headers["Server-Timing"])
    assert match and float(match.group(2)) == 0.0
    assert SERVER_TIMING.match(client.get("/static/app.css").headers["Server-Timing"])
    assert SERVER_TIMING.match(client.get("/customers/cust-0001").headers["Server-Timing"])  # to /login


def test_a_plain_request_id_is_adopted_and_logged(agent, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="app.talon")
    response = agent.get("/customers/cust-0001", headers={"X-Request-ID": "lb-42.a_b-C"})
    assert response.headers["X-Request-ID"] == "lb-42.a_b-C"
    assert any("desk_request=lb-42.a_b-C" in r.getMessage() for r in caplog.records
               if r.name == "app.talon")


@pytest.mark.parametrize("bad", ["x" * 65, "a b", "<script>", "id;drop", ""])
def test_a_strange_request_id_is_replaced(client, bad):
    response = client.get("/login", headers={"X-Request-ID": bad})
    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["X-Request-ID"])
