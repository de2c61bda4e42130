"""Two console instances (gunicorn, as in the Procfile) against one sandbox, sharing PostgreSQL
and Redis. `make test-scale` (scripts/scale/test.sh) starts the two servers and sets
TALON_DESK_SCALE=1, DATABASE_URL and RATELIMIT_STORAGE_URI; without them these tests are skipped,
so a plain `make test` does not need PostgreSQL or Redis."""

from __future__ import annotations

import os
import re
import secrets

import pytest
import requests
import sqlalchemy as sa

from tests.scale.instances import ConsoleInstance, run_release

DEMO_PASSWORD = "demo"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def scale_environment_missing() -> str | None:
    if os.environ.get("TALON_DESK_SCALE") != "1":
        return "needs PostgreSQL and Redis: run `make test-scale`"
    for name, prefix in (("DATABASE_URL", "postgresql"), ("RATELIMIT_STORAGE_URI", "redis://")):
        if not os.environ.get(name, "").startswith(prefix):
            return f"{name} must point at {prefix}... (make test-scale sets it)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = scale_environment_missing()
    for item in items:
        if "tests/scale/" not in item.nodeid.replace(os.sep, "/"):
            continue
        item.add_marker(pytest.mark.scale)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def shared_database():
    engine = sa.create_engine(os.environ["DATABASE_URL"])
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def shared_redis():
    import redis

    client = redis.Redis.from_url(os.environ["RATELIMIT_STORAGE_URI"])
    yield client
    client.close()


@pytest.fixture(scope="session")
def scale_env(sandbox):
    """What every instance and worker is started with: same SECRET_KEY, database and Redis (the
    rate-limit storage, and so the job queue: app.queue), as behind a load balancer."""
    return {
        "TALON_DESK_MODE": "demo",  # migrates and creates the demo accounts (password 'demo')
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "RATELIMIT_STORAGE_URI": os.environ["RATELIMIT_STORAGE_URI"],
        "TALON_BASE_URL": sandbox.url,
        "TALON_INTEGRATION_KEY": sandbox.integration_key,
        "TALON_MANAGEMENT_KEY": sandbox.management_key,
        "TALON_APPLICATION_ID": "1",
        "LOGIN_RATE_LIMIT": "5 per minute",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
    }


@pytest.fixture(scope="session")
def console_pair(scale_env, tmp_path_factory):
    """Instances A and B. The Procfile's release step migrates the fresh database first."""
    logs = tmp_path_factory.mktemp("instances")
    env = scale_env
    run_release(env)  # the migrations, once, as a deploy does before starting web processes
    first = ConsoleInstance("console-a", env, logs)
    second = ConsoleInstance("console-b", env, logs)
    try:
        first.start()
        second.start()
        yield first, second
    finally:
        second.stop()
        first.stop()


@pytest.fixture
def instances(console_pair, talon_sandbox, shared_redis):
    """Both instances, with the sandbox at its seed and no rate-limit counts left over."""
    shared_redis.flushdb()
    return console_pair


class Staff:
    """One browser: a cookie jar shared by every instance on 127.0.0.1 (cookies ignore the
    port, as they ignore which machine behind a load balancer answered)."""

    def __init__(self) -> None:
        self.http = requests.Session()
        self.csrf: str | None = None

    def get(self, instance, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        return self.http.get(instance.url + path, **kwargs)

    def post(self, instance, path: str, data: dict | None = None, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        headers = {"X-CSRFToken": self.csrf or "", **kwargs.pop("headers", {})}
        return self.http.post(instance.url + path, data=data or {}, headers=headers, **kwargs)

    def read_csrf(self, instance, path: str = "/login") -> str:
        page = self.get(instance, path)
        match = CSRF_META.search(page.text)
        assert match, f"no csrf-token on {path} ({page.status_code})"
        self.csrf = match.group(1)
        return self.csrf

    def try_login(self, instance, username: str, password: str) -> requests.Response:
        token = self.read_csrf(instance)
        return self.post(instance, "/login",
                         {"username": username, "password": password, "csrf_token": token})

    def login(self, instance, username: str, password: str = DEMO_PASSWORD) -> "Staff":
        response = self.try_login(instance, username, password)
        assert response.status_code == 303, f"login as {username} on {instance.name}: {response.status_code}"
        self.read_csrf(instance, "/")
        return self


@pytest.fixture
def staff():
    browsers: list[Staff] = []

    def make() -> Staff:
        browsers.append(Staff())
        return browsers[-1]

    yield make
    for browser in browsers:
        browser.http.close()
