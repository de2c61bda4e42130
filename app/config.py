"""Settings from the environment, the three run modes, and the production safety checks.

Modes (TALON_DESK_MODE):
  demo        `make run`: generated SECRET_KEY if none is set, demo accounts created at start,
              cookies without the Secure flag (plain http on 127.0.0.1).
  testing     the test suite: like demo, but no accounts are created (the fixtures make them).
  production  the default when TALON_DESK_MODE is unset (and TESTING is not set, which implies
              testing): Secure cookies, HSTS, and create_app
              refuses to start on unsafe settings (see production_problems).

Nothing here touches current_app: create_app passes the app in.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from typing import Any, Mapping
from urllib.parse import urlsplit

from .validators import attribute_name_problem

MODES = ("demo", "testing", "production")

# Keys read from the environment (the README lists them). Values are strings there; a test's
# dict override may pass real types.
ENVIRONMENT_KEYS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "TALON_BASE_URL",
    "TALON_INTEGRATION_KEY",
    "TALON_MANAGEMENT_KEY",
    "TALON_APPLICATION_ID",
    "CURRENCY",
    "LOCALE",
    "TIME_ZONE",
    "RATELIMIT_STORAGE_URI",
    "TALON_DESK_MODE",
    "LOGIN_RATE_LIMIT",
    "LOGIN_ADDRESS_RATE_LIMIT",
    "SESSION_MAX_AGE_HOURS",
    "TRUSTED_PROXY_COUNT",
    "WHY_NOT_DRY_RUNS",
    "CUSTOMER_EMAIL_ATTRIBUTE",
    "CUSTOMER_NAME_ATTRIBUTE",
    # the job queue (app/queue.py)
    "QUEUE_URL",
    "REDIS_URL",
    "QUEUE_IMMEDIATE",
    "SQLITE_SYNCHRONOUS",
)

# The sandbox's default keys (CONTRIBUTING.md, "Sandbox"): seeing one in production means the
# console is wired to the emulator, wherever it runs.
SANDBOX_KEYS = frozenset({"sandbox-integration-key", "sandbox-management-key"})

# Secrets that appear in tutorials, .env examples and our own docs.
KNOWN_WEAK_SECRETS = frozenset(
    {
        "dev", "development", "secret", "secret-key", "secret_key", "changeme", "change-me",
        "test", "testing", "default", "password", "flask", "talon", "talon-desk", "demo",
        "your-secret-key", "replace-me", "please-change-me",
    }
)
MIN_SECRET_LENGTH = 32
# "Why not?": at most this many extra dry runs look for what would change the outcome.
WHY_NOT_DRY_RUNS = 8

# The search's lookup by what callers know (app/search/lookups.py): the customer profile
# attributes that hold a customer's email and full name, asked of Talon.One's customer attribute
# search (getApplicationCustomersByAttributes). These are the demo's and the usual names.
CUSTOMER_EMAIL_ATTRIBUTE = "Email"
CUSTOMER_NAME_ATTRIBUTE = "Name"

# SQLAlchemy's connection pool per process for PostgreSQL. A request holds its connection from
# the login check to its end (it waits for Talon.One meanwhile), so a gunicorn worker with
# GUNICORN_THREADS (8) threads can have that many checked out at once. SQLAlchemy's default
# keeps only 5 and closes every connection beyond them when it comes back, so busy workers
# opened and closed PostgreSQL connections all the time (a server process each). Keep enough
# for the threads instead; the total per process stays 15, as the README's sizing says.
DATABASE_POOL_SIZE = 10
DATABASE_POOL_OVERFLOW = 5

DEMO_USERNAMES = ("agent", "marketer", "manager", "admin")
DEMO_PASSWORD = "demo"


class InvalidSetting(ValueError):
    """A setting that cannot work in any mode (e.g. an attribute name Talon.One cannot have)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Talon Desk cannot start with these settings:\n{lines}")


class UnsafeConfiguration(RuntimeError):
    """Production mode found settings it will not run with; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            "Talon Desk refuses to start in production mode:\n"
            f"{lines}\n"
            "Fix the settings above, or set TALON_DESK_MODE=demo for a local demo."
        )


def defaults(instance_path: str) -> dict[str, Any]:
    """Settings before the environment and the test override are applied."""
    return {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "talon_desk.sqlite"),
        "TALON_BASE_URL": "",
        "TALON_INTEGRATION_KEY": "",
        "TALON_MANAGEMENT_KEY": "",
        "TALON_APPLICATION_ID": 1,
        # Money and times are in the Application's own currency and time zone (getApplication,
        # app.formatting); CURRENCY and TIME_ZONE (BABEL_DEFAULT_TIMEZONE) are the fallbacks
        # while it cannot be read or lacks them. Numbers are written for LOCALE (Flask-Babel).
        "CURRENCY": "EUR",
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "RATELIMIT_STORAGE_URI": "memory://",
        # Failed logins per account (from any address) per window, Flask-Limiter syntax: stops
        # guessing one account's password. And failed logins per client address (any accounts):
        # stops trying many accounts from one place, set high enough that a shared office's
        # typos never reach it. Successful logins count towards neither, so the right password
        # from a shared address still works while one account is being guessed.
        "LOGIN_RATE_LIMIT": "5 per minute",
        "LOGIN_ADDRESS_RATE_LIMIT": "50 per minute",
        # A login is valid this long at most (server-side, see models.LoginSession).
        "SESSION_MAX_AGE_HOURS": 12,
        # Number of reverse proxies in front of the app whose X-Forwarded-For we trust (0: none).
        "TRUSTED_PROXY_COUNT": 0,
        "AUDIT_PAGE_SIZE": 50,
        # A SQLite database's fsync policy (app.extensions.SQLITE_PRAGMAS): NORMAL (at WAL
        # checkpoints) or FULL (at every commit). Ignored for PostgreSQL.
        "SQLITE_SYNCHRONOUS": "NORMAL",
        "WHY_NOT_DRY_RUNS": WHY_NOT_DRY_RUNS,
        "CUSTOMER_EMAIL_ATTRIBUTE": CUSTOMER_EMAIL_ATTRIBUTE,
        "CUSTOMER_NAME_ATTRIBUTE": CUSTOMER_NAME_ATTRIBUTE,
        # Static files: a year in browser caches; their URLs carry a content hash (app.assets),
        # so a changed file gets a new URL. Unversioned static URLs are served with no-cache.
        "SEND_FILE_MAX_AGE_DEFAULT": 31536000,
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "talon_desk_session",
        # The cookie is written when the session changes (login, CSRF token, flash messages), not
        # re-signed on every response: a login's lifetime is fixed at login time on the server
        # (SESSION_MAX_AGE_HOURS from LoginSession.created_at), so pushing the cookie's expiry
        # forward on each request gained nothing and cost a signature per request.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # CSRF tokens live as long as the login (bounded by SESSION_MAX_AGE_HOURS); the default
        # one-hour limit would break htmx actions on a page left open over lunch.
        "WTF_CSRF_TIME_LIMIT": None,
        # Flask-Limiter sends Retry-After with a 429; if a shared store (redis://) is down it
        # keeps throttling with per-process memory instead of failing every login.
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # a bulk list of up to 50 MB (app/upload_limits.py) and the form around it; Werkzeug spools
        # an upload above 500 KB to a temporary file, so it is never held in memory
        "MAX_CONTENT_LENGTH": 51 * 1024 * 1024,
    }


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings the environment sets (empty values count as unset)."""
    found = {key: environ[key] for key in ENVIRONMENT_KEYS if environ.get(key)}
    if "DATABASE_URL" in found:
        found["SQLALCHEMY_DATABASE_URI"] = found.pop("DATABASE_URL")
    if "LOCALE" in found:
        found["BABEL_DEFAULT_LOCALE"] = found.pop("LOCALE")
    if "TIME_ZONE" in found:
        found["BABEL_DEFAULT_TIMEZONE"] = found.pop("TIME_ZONE")
    return found


def normalise_database_url(url: str) -> str:
    """Hosting platforms hand out postgres:// URLs; SQLAlchemy 2 wants a dialect+driver name,
    and the driver we ship (the `scale` extra) is psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def finalise(config: dict[str, Any]) -> None:
    """Fill in what depends on the mode and coerce environment strings to their types."""
    mode = str(config.get("TALON_DESK_MODE") or ("testing" if config.get("TESTING") else "production")).lower()
    if mode not in MODES:
        raise UnsafeConfiguration([f"TALON_DESK_MODE={mode!r} is not one of {', '.join(MODES)}"])
    config["TALON_DESK_MODE"] = mode
    if mode == "testing":
        config["TESTING"] = True
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(str(config["SQLALCHEMY_DATABASE_URI"]))
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("pool_size", DATABASE_POOL_SIZE)
        options.setdefault("max_overflow", DATABASE_POOL_OVERFLOW)
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    config["SQLITE_SYNCHRONOUS"] = str(config.get("SQLITE_SYNCHRONOUS") or "NORMAL").upper()
    if config["SQLITE_SYNCHRONOUS"] not in ("NORMAL", "FULL"):
        raise UnsafeConfiguration([f"SQLITE_SYNCHRONOUS={config['SQLITE_SYNCHRONOUS']!r} is not NORMAL or FULL"])
    config["TALON_APPLICATION_ID"] = int(config["TALON_APPLICATION_ID"])
    config["SESSION_MAX_AGE_HOURS"] = float(config["SESSION_MAX_AGE_HOURS"])
    config["TRUSTED_PROXY_COUNT"] = int(config["TRUSTED_PROXY_COUNT"])
    config["QUEUE_IMMEDIATE"] = str(config.get("QUEUE_IMMEDIATE") or "").lower() in ("1", "true", "yes", "on")
    config["WHY_NOT_DRY_RUNS"] = max(0, int(config.get("WHY_NOT_DRY_RUNS", WHY_NOT_DRY_RUNS)))
    problems = search_attribute_problems(config)
    if problems:
        raise InvalidSetting(problems)
    # Production is served over https only; demo and tests run on plain http at 127.0.0.1.
    secure = mode == "production"
    config["SESSION_COOKIE_SECURE"] = secure
    config["REMEMBER_COOKIE_SECURE"] = secure
    config["SEND_HSTS"] = secure
    if not config.get("SECRET_KEY") and mode != "production":
        # Demo and tests only: a fresh key per process (logins do not survive a restart).
        config["SECRET_KEY"] = secrets.token_urlsafe(48)
        config["SECRET_KEY_GENERATED"] = True


def search_attribute_problems(config: dict[str, Any]) -> list[str]:
    """The customer search attributes, stripped, checked as Talon.One's attribute names
    (app.validators: a letter, then letters, digits or _), in every mode: a wrong one would only
    make every email or name lookup find nothing."""
    problems = []
    for key, default in (("CUSTOMER_EMAIL_ATTRIBUTE", CUSTOMER_EMAIL_ATTRIBUTE),
                         ("CUSTOMER_NAME_ATTRIBUTE", CUSTOMER_NAME_ATTRIBUTE)):
        value = config.get(key, default)
        name = str(value).strip() if value is not None else ""
        problem = "it is empty" if not name else attribute_name_problem(name)
        if problem:
            problems.append(f"{key}={value!r} is not a customer attribute name: {problem}")
        else:
            config[key] = name
    if not problems and config["CUSTOMER_EMAIL_ATTRIBUTE"] == config["CUSTOMER_NAME_ATTRIBUTE"]:
        problems.append("CUSTOMER_EMAIL_ATTRIBUTE and CUSTOMER_NAME_ATTRIBUTE name the same attribute "
                        f"({config['CUSTOMER_EMAIL_ATTRIBUTE']!r}); an email and a name are kept apart")
    return problems


def secret_key_problem(secret: Any) -> str | None:
    if not secret:
        return "SECRET_KEY is not set (use e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
    text = str(secret)
    if text.strip().lower() in KNOWN_WEAK_SECRETS:
        return "SECRET_KEY is a well-known default value"
    if len(text) < MIN_SECRET_LENGTH:
        return f"SECRET_KEY is too short ({len(text)} characters; at least {MIN_SECRET_LENGTH})"
    if len(set(text)) < 8:
        return "SECRET_KEY has too few distinct characters to be random"
    return None


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def backend_problem(config: Mapping[str, Any]) -> str | None:
    """Production must talk to a real Talon.One deployment, never the sandbox.

    The sandbox is recognised by its address (a loopback or unspecified host, where `make run`
    and the tests put it) or by its default API keys, wherever it runs.
    """
    base_url = str(config.get("TALON_BASE_URL") or "")
    if not base_url:
        return "TALON_BASE_URL is not set (the URL of your Talon.One deployment)"
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"TALON_BASE_URL {base_url!r} is not an http(s) URL"
    if is_loopback_host(parts.hostname):
        return f"TALON_BASE_URL points at {parts.hostname}, which is the sandbox, not Talon.One"
    if parts.scheme != "https":
        return "TALON_BASE_URL must use https in production (API keys travel in its headers)"
    keys = {str(config.get("TALON_INTEGRATION_KEY") or ""), str(config.get("TALON_MANAGEMENT_KEY") or "")}
    if keys & SANDBOX_KEYS:
        return "TALON_INTEGRATION_KEY/TALON_MANAGEMENT_KEY are the sandbox's default keys"
    if "" in keys:
        return "TALON_INTEGRATION_KEY and TALON_MANAGEMENT_KEY must both be set"
    return None


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """Everything wrong with the configuration itself (the database check is separate:
    auth.accounts.demo_accounts_present)."""
    problems = [secret_key_problem(config.get("SECRET_KEY")), backend_problem(config),
                throttle_storage_problem(config)]
    return [p for p in problems if p]


def throttle_storage_problem(config: Mapping[str, Any]) -> str | None:
    # gunicorn runs several workers (gunicorn.conf.py), and each would count failed logins on
    # its own: the throttle would allow five times as many guesses per worker and instance.
    if str(config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://"):
        return ("RATELIMIT_STORAGE_URI is memory://, so every worker process counts failed logins "
                "on its own; set it to a shared store such as redis://host:6379/0")
    return None
