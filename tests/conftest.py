"""Shared fixtures: a live sandbox, the console app, logged-in clients and real Chromium.

The sandbox runs once per test session in a thread (like moto's ThreadedMotoServer) and is reset
to its seed before each test that asks for it, so tests never see each other's changes.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import threading
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import jinja2.bccache
import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.support.openapi import SpecRecorder

pytest_plugins = ["tests.support.tiers"]


class ReadingClient(FlaskClient):
    """Reads every response to its end, as gunicorn does. A streamed page (app.streaming) that a
    test left unread would keep its request context pushed until garbage collection closed it,
    in the middle of some later test."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


Flask.test_client_class = ReadingClient


class SharedBytecodeCache(jinja2.BytecodeCache):
    """Jinja's compiled templates kept in memory for every console app this process builds
    (Flask.jinja_options: each app gets its own Environment, which would compile every template
    it renders again: ~1 s of CPU for all 117). Jinja checks each entry against the template's
    source checksum, so an edited template is compiled anew."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}
        self.lock = threading.Lock()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with self.lock:
            code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = bucket.bytecode_to_string()
        with self.lock:
            self.compiled[bucket.key] = code


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedBytecodeCache()}

ROLES = ("agent", "marketer", "manager", "admin")
DEMO_PASSWORD = "demo"
MANAGER_STORE = "store-berlin"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


# --- the environment -------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def environment_left_as_found():
    """A test that changes os.environ changes every later test in its process: running
    gunicorn.conf.py once left TALON_DESK_WORKERS=2, which halved the Management budget of the
    tests after it. Use monkeypatch.setenv or mock.patch.dict(os.environ)."""
    before = dict(os.environ)
    yield
    changed = sorted(key for key in set(before) | set(os.environ)
                     if key != "PYTEST_CURRENT_TEST" and before.get(key) != os.environ.get(key))
    if changed:
        os.environ.clear()
        os.environ.update(before)
        pytest.fail(f"the test left os.environ changed: {', '.join(changed)}")


# --- the sandbox -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sandbox():
    from sandbox.server import SandboxServer

    server = SandboxServer(host="127.0.0.1", port=0, seed="demo", control=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def talon_sandbox(sandbox):
    """The sandbox, back at its seed with no faults, for a test that reads or changes it."""
    response = requests.post(f"{sandbox.url}/sandbox/reset", timeout=30)
    response.raise_for_status()
    yield sandbox
    # A test that injected faults must not leak them into the next one, even if it failed.
    requests.post(f"{sandbox.url}/sandbox/faults", json={}, timeout=10)


class SandboxHTTP(requests.Session):
    """requests.Session bound to the sandbox: relative paths, and `key=` picks the API key."""

    def __init__(self, sandbox) -> None:
        super().__init__()
        self.base_url = sandbox.url
        self.keys = {
            "integration": f"ApiKey-v1 {sandbox.integration_key}",
            "management": f"ManagementKey-v1 {sandbox.management_key}",
        }

    def request(self, method, url, *args, key: str | None = "integration", **kwargs):
        if url.startswith("/"):
            url = self.base_url + url
        if key is not None:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("Authorization", self.keys[key])
            kwargs["headers"] = headers
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def spec_http(talon_sandbox):
    """An HTTP client for the sandbox; the test fails if any exchange breaks Talon.One's spec."""
    recorder = SpecRecorder()
    http = SandboxHTTP(talon_sandbox)
    http.hooks["response"].append(recorder)
    yield http
    http.close()
    recorder.assert_clean()


# --- the console -----------------------------------------------------------------------------

def console_config(sandbox, db_path: Path, **overrides) -> dict:
    return {
        "TESTING": True,
        "TALON_DESK_MODE": "testing",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
        "TALON_BASE_URL": sandbox.url,
        "TALON_INTEGRATION_KEY": sandbox.integration_key,
        "TALON_MANAGEMENT_KEY": sandbox.management_key,
        "TALON_APPLICATION_ID": 1,
        "RATELIMIT_STORAGE_URI": "memory://",
        # scrypt would cost ~0.3 s for each demo account in every test; production ignores this.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # The Management budget (3 per second per endpoint) is off unless a test turns it on
        # with a clock it moves (tests/talon/test_budget*.py); the e2e console runs with it.
        "TALON_MANAGEMENT_RATE_LIMIT": 0,
        **overrides,
    }


def make_console(config: dict):
    from app import create_app
    from app.auth.accounts import create_user
    from app.extensions import db

    app = create_app(config)
    with app.app_context():
        db.create_all()
        for role in ROLES:
            create_user(role, DEMO_PASSWORD, role, store=MANAGER_STORE if role == "manager" else None)
    return app


class PooledConsole:
    """A console app built once, handed to each test as it was built: its config, its database
    (the tables and the four accounts, restored from an in-memory copy with SQLite's backup
    API), the rate limiter's counters and the Talon.One service (circuit breaker, caches: a new
    one, as create_app makes) are reset before every test. Building an app, its tables and its
    accounts cost ~0.15 s a test, and its templates compiled again on the first pages.
    ``routes(app)``, if given, adds a module's test-only routes before the app serves anything
    (Flask refuses new routes afterwards)."""

    def __init__(self, config: dict, routes=None) -> None:
        from app.extensions import db, limiter

        self.app = make_console(config)
        if routes is not None:
            routes(self.app)
        self.config = dict(self.app.config)
        # The app's extensions are module globals, and Flask-Limiter keeps the settings and the
        # storage of the last app it was bound to (ConsolePool.current).
        self.limiter_storage = limiter.storage
        self.limiter_settings = limiter_settings(self.config)
        self.template = sqlite3.connect(":memory:", check_same_thread=False)
        with self.app.app_context():
            with db.engine.connect() as connection:
                connection.connection.driver_connection.backup(self.template)
        self.used = False

    def reset(self) -> Flask:
        from app.extensions import db, limiter
        from app.queue import queue
        from app.talon import talon

        app = self.app
        if self.used:
            app.config.clear()
            app.config.update(self.config)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()  # no connection keeps a view of the database before the copy
                with db.engine.connect() as connection:
                    self.template.backup(connection.connection.driver_connection)
                db.engine.dispose()
            talon.init_app(app)  # a new service: circuit closed, nothing cached, no hooks left
            queue.init_app(app)  # a new, empty job queue
        self.used = True
        limiter.reset()  # no failed logins counted, as with a new app
        return app

    def close(self) -> None:
        from app.extensions import db

        with self.app.app_context():
            db.engine.dispose()
        self.template.close()


def limiter_settings(config) -> str:
    return repr(sorted((key, value) for key, value in config.items() if key.startswith("RATELIMIT_")))


class ConsolePool:
    """One PooledConsole per distinct app_config in this process (each xdist worker has its
    own). A config whose database is not a SQLite file gets a new app every time."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.consoles: dict[str, PooledConsole] = {}
        self.built = 0

    def current(self, console: PooledConsole) -> bool:
        """Is the app as create_app left it? Not when Flask-Limiter was bound to another app
        since, with other settings, or to one the pool did not build (a test may build its own)."""
        from app.extensions import limiter

        owner = next((c for c in self.consoles.values() if c.limiter_storage is limiter.storage), None)
        return owner is not None and owner.limiter_settings == console.limiter_settings

    def console_for(self, config: dict, routes=None) -> Flask:
        """The pooled app for this config (and these test-only routes), reset for a test."""
        uri = str(config.get("SQLALCHEMY_DATABASE_URI", ""))
        if not uri.startswith("sqlite:///") or uri == "sqlite:///:memory:":
            app = make_console(config)
            if routes is not None:
                routes(app)
            return app
        shared = {key: value for key, value in config.items() if key != "SQLALCHEMY_DATABASE_URI"}
        key = (repr(sorted(shared.items())), routes)
        console = self.consoles.get(key)
        if console is None or not self.current(console):
            if console is not None:
                console.close()
            self.built += 1
            db_path = self.folder / f"console-{self.built}.db"
            console = PooledConsole({**shared, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}"}, routes)
            self.consoles[key] = console
        return console.reset()


@pytest.fixture(scope="session")
def console_pool(tmp_path_factory):
    return ConsolePool(tmp_path_factory.mktemp("consoles"))


@pytest.fixture
def app_config(talon_sandbox, tmp_path):
    """Overrides for the `app` fixture; a test module may override this fixture to change them."""
    return console_config(talon_sandbox, tmp_path / "console.db")


@pytest.fixture
def app(app_config, console_pool, request):
    """The console for this test: the worker's shared app for this app_config, reset to how it
    was built (PooledConsole). A test marked `app_routes.with_args(add)` (with_args, since a
    mark given a lone function would decorate it) shares the app built with ``add(app)``'s
    test-only routes (`app_routes()`: none, overriding a module's mark). A test
    marked `own_app` gets an app of its own, built from app_config, for what a reset cannot
    undo (adding routes in the test itself: Flask refuses new routes on an app that has served
    a request)."""
    from app.talon import talon

    routes = request.node.get_closest_marker("app_routes")
    if request.node.get_closest_marker("own_app"):
        console = make_console(app_config)
    else:
        console = console_pool.console_for(app_config, routes.args[0] if routes and routes.args else None)
    recorder = SpecRecorder()
    with console.app_context():
        talon.http.hooks["response"].append(recorder)
    yield console
    with console.app_context():
        talon.http.hooks["response"].remove(recorder)
    recorder.assert_clean()


@pytest.fixture
def client(app):
    return app.test_client()


_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def read_csrf_token(client, path: str = "/login") -> str:
    page = client.get(path)
    match = _CSRF_META.search(page.get_data(as_text=True))
    assert match, f"no csrf-token meta tag on {path}"
    return match.group(1)


@pytest.fixture
def csrf_token():
    """csrf_token(client, path="/login") -> the token the page at `path` carries."""
    return read_csrf_token


@pytest.fixture
def login_as(app):
    """login_as(role) -> a test client logged in as the demo account of that role."""

    def login(role: str, password: str = DEMO_PASSWORD):
        browser_client = app.test_client()
        token = read_csrf_token(browser_client)
        response = browser_client.post(
            "/login", data={"username": role, "password": password, "csrf_token": token}
        )
        assert response.status_code in (302, 303), f"login as {role} failed: {response.status_code}"
        browser_client.csrf = read_csrf_token(browser_client, "/")
        return browser_client

    return login


# --- real Chromium ---------------------------------------------------------------------------

class LiveConsole:
    """The console served over real HTTP in a thread, against the session's sandbox."""

    def __init__(self, app) -> None:
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "LiveConsole":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


# Talon.One's Management API limit, which the e2e tests run with (issue 12): the sandbox refuses a
# fourth request per endpoint within a second, and the live console budgets for it.
E2E_MANAGEMENT_LIMIT = 3


@pytest.fixture(scope="session")
def live_console(sandbox, tmp_path_factory):
    app = make_console(console_config(sandbox, tmp_path_factory.mktemp("live") / "console.db",
                                      TALON_MANAGEMENT_RATE_LIMIT=E2E_MANAGEMENT_LIMIT))
    server = LiveConsole(app).start()
    # ... and its worker: the queue's consumer in threads of this process (started from a thread
    # of its own, so it sets no signal handlers on pytest's), periodic tasks left to the tests.
    from app.queue import consumer

    server.worker = consumer(app, workers=1, periodic=False)
    starting = threading.Thread(target=server.worker.start, daemon=True)
    starting.start()
    starting.join(timeout=10)
    yield server
    server.worker.stop(graceful=True)
    server.stop()


CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright. Outside CI a missing browser skips; in CI it fails."""
    from playwright.sync_api import Error, sync_playwright

    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    reason = None
    playwright = sync_playwright().start()
    try:
        if not executable:
            reason = "no chromium on PATH (apt-get install chromium)"
        else:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Error as exc:
        reason = f"chromium at {executable} did not start: {exc}"
    if reason:
        playwright.stop()
        if IN_CI:
            pytest.fail(f"browser tests need Chromium in CI: {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser, live_console, talon_sandbox, request):
    requests.post(f"{talon_sandbox.url}/sandbox/rate-limit",
                  json={"managementPerSecond": E2E_MANAGEMENT_LIMIT}, timeout=10).raise_for_status()
    context = browser.new_context(base_url=live_console.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    browser_page = context.new_page()
    yield browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    safe_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
    try:
        browser_page.screenshot(path=str(ARTIFACTS / f"{safe_name}-final.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture(scope="session")
def role_logins():
    """The cookies of each role's last login through the form in this worker."""
    return {}


@pytest.fixture
def logged_in_page(page, role_logins):
    """logged_in_page(role) -> the page, logged in as that role: through the real login form the
    first time in this worker, afterwards with that login's cookies, as a browser that kept them
    (the form costs ~0.6 s a test, the home page that proves the login still open ~0.15 s). A
    login that has ended since (a password reset, a disabled account) is done again through the
    form. Tests of the login itself use `page` and the form."""

    def login(role: str):
        cookies = role_logins.get(role)
        if cookies:
            page.context.add_cookies(cookies)
            page.goto("/")
            if urlsplit(page.url).path != "/login":
                return page
        page.goto("/login")
        page.fill("input[name=username]", role)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        role_logins[role] = page.context.cookies()
        return page

    return login


def shot(page, name: str) -> None:
    """Save a screenshot under test-artifacts/ (kept by CI as evidence of what the user saw)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
