"""The processes a benchmark measures: the sandbox (`python -m sandbox`, with an upstream latency)
and the console as production runs it (gunicorn from the Procfile, gunicorn.conf.py), on free
loopback ports, with throwaway data."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.scale.instances import ConsoleInstance, free_port, procfile_web_command  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
INTEGRATION_KEY = "sandbox-integration-key"
MANAGEMENT_KEY = "sandbox-management-key"


# Talon.One's Management API limit (docs.talon.one, Management API overview): every benchmark
# measures against a sandbox that refuses a fourth request per endpoint within a second.
MANAGEMENT_RATE_LIMIT = 3
#: the app factory the Procfile's web line serves
PROCFILE_FACTORY = "app:create_app()"


class Sandbox:
    def __init__(self, latency_ms: float, log_dir: Path, management_rate_limit: int = MANAGEMENT_RATE_LIMIT) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.latency_ms = latency_ms
        self.management_rate_limit = management_rate_limit
        self.log_path = log_dir / "sandbox.log"
        self.process: subprocess.Popen | None = None
        self.integration_key = INTEGRATION_KEY
        self.management_key = MANAGEMENT_KEY

    def start(self) -> "Sandbox":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [PYTHON, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(self.port),
                 "--control", "--latency-ms", str(self.latency_ms),
                 "--management-rate-limit", str(self.management_rate_limit)],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/sandbox/health", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"the sandbox did not start:\n{self.log_path.read_text()[-2000:]}")

    def reset(self) -> None:
        requests.post(f"{self.url}/sandbox/reset", timeout=60).raise_for_status()

    def rate_limit_report(self) -> dict:
        """Per Management endpoint: requests, refused (429s sent), peakPerSecond."""
        return requests.get(f"{self.url}/sandbox/rate-limit", timeout=30).json()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(os.getpgid(self.process.pid), signal.SIGTERM)
            self.process.wait(timeout=30)


def prepare_database(database_url: str) -> None:
    """The console's tables and the demo accounts (password 'demo'), made once before gunicorn
    starts. create_all + `stamp head` rather than the migrations: a benchmark measures speed,
    the migrations have their own tests."""
    script = (
        "from app import create_app, MIGRATIONS_DIR\n"
        "from app.extensions import db\n"
        "from app.auth.accounts import ensure_demo_accounts\n"
        "from flask_migrate import stamp\n"
        f"app = create_app({{'TALON_DESK_MODE': 'testing', 'SQLALCHEMY_DATABASE_URI': {database_url!r}}})\n"
        "with app.app_context():\n"
        "    db.create_all()\n"
        "    stamp(directory=MIGRATIONS_DIR)\n"
        "    ensure_demo_accounts()\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TALON_DESK_MODE")}
    subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True)


def console_environment(sandbox: Sandbox, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "TALON_DESK_MODE": "demo",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "TALON_BASE_URL": sandbox.url,
        "TALON_INTEGRATION_KEY": sandbox.integration_key,
        "TALON_MANAGEMENT_KEY": sandbox.management_key,
        "TALON_APPLICATION_ID": "1",
        **extra,
    }


def web_command(app_factory: str | None = None) -> str | None:
    """The Procfile's web command, serving ``app_factory`` ("module:create_app()") instead of
    the console's own factory; None (the Procfile as it is) without one."""
    if app_factory is None:
        return None
    command = procfile_web_command()
    if PROCFILE_FACTORY not in command:
        raise RuntimeError(f"the Procfile's web line no longer serves {PROCFILE_FACTORY}: {command}")
    return command.replace(PROCFILE_FACTORY, app_factory)


@contextmanager
def running_stack(latency_ms: float, *, database_url: str | None = None, app_factory: str | None = None,
                  **console_env: str):
    """(sandbox, console) running; everything stopped and removed afterwards. ``app_factory``
    serves another factory with the same gunicorn command and settings (bench/floor.py)."""
    with tempfile.TemporaryDirectory(prefix="talon-desk-bench-") as tmp:
        work = Path(tmp)
        database_url = database_url or f"sqlite:///{work / 'console.db'}"
        sandbox = Sandbox(latency_ms, work).start()
        console = None
        try:
            prepare_database(database_url)
            console = ConsoleInstance("console", console_environment(sandbox, database_url, **console_env), work,
                                      command=web_command(app_factory))
            console.start()
            yield sandbox, console
        finally:
            if console:
                console.stop()
            sandbox.stop()


def machine_description() -> str:
    import platform

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.release()}, Python {platform.python_version()}"
