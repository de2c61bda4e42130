"""Console instances as production runs them: gunicorn started from the Procfile's `web` line
(with gunicorn.conf.py), each in its own process group on its own free port; and queue workers
from its `worker` line (WorkerInstance).

Used by tests/scale (two instances sharing PostgreSQL and Redis, a worker beside each) and
bench/load.py.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable

import requests

ROOT = Path(__file__).resolve().parents[2]
# What the Procfile's web line is expected to be; used when there is no Procfile yet.
DEFAULT_WEB_COMMAND = '.venv/bin/gunicorn -c gunicorn.conf.py "app:create_app()"'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile_command(process: str, root: Path = ROOT) -> str | None:
    """The command of one Procfile process (`web`, `release`), or None."""
    procfile = root / "Procfile"
    if procfile.exists():
        for line in procfile.read_text().splitlines():
            name, sep, rest = line.partition(":")
            if sep and name.strip() == process:
                return rest.strip()
    return None


def run_release(env: dict[str, str], timeout: float = 180.0) -> None:
    """The Procfile's release step (the database migrations), as a deploy runs it once before
    starting the web processes."""
    command = procfile_command("release")
    if command:
        path = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        subprocess.run(["bash", "-c", command], cwd=ROOT, env={**os.environ, **env, "PATH": path},
                       check=True, capture_output=True, timeout=timeout)


def procfile_web_command(root: Path = ROOT) -> str:
    """The command of the Procfile's `web:` process (it reads the port from $PORT). Tests bind
    loopback only, so a bind to every interface becomes one to 127.0.0.1."""
    command = procfile_command("web", root) or DEFAULT_WEB_COMMAND
    return command.replace("0.0.0.0:", "127.0.0.1:")


class _ProcfileProcess:
    """A Procfile command in its own process group, its output in ``log_path``. stop() ends
    exactly this process group: ``STOP_SIGNAL``, then SIGKILL after 30 s."""

    STOP_SIGNAL = signal.SIGTERM
    process: subprocess.Popen | None = None
    log_path: Path
    command: str
    env: dict[str, str]

    def spawn(self) -> None:
        log = self.log_path.open("ab")
        # bash so that $PORT and the Procfile's quoting work as they do for a process manager;
        # exec so that the process group's leader (and the pid) is the command itself.
        self.process = subprocess.Popen(
            ["bash", "-c", f"exec {self.command}"], cwd=ROOT, env=self.env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        pgid = os.getpgid(self.process.pid)
        os.killpg(pgid, self.STOP_SIGNAL)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=10)


class ConsoleInstance(_ProcfileProcess):
    """One gunicorn master and its workers (SIGTERM: gunicorn's graceful shutdown)."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path, port: int | None = None,
                 command: str | None = None) -> None:
        self.name = name
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = command or procfile_web_command()
        # The Procfile names bare `gunicorn`, as a process manager with the virtualenv active runs it.
        path = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        self.env = {**os.environ, **env, "PORT": str(self.port), "HOST": "127.0.0.1", "PATH": path}
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> "ConsoleInstance":
        self.spawn()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"{self.name} did not answer /healthz on port {self.port} within {timeout:.0f} s "
            f"(does the Procfile's web line `{self.command}` bind $PORT?):\n{self.log_tail()}")

    def __repr__(self) -> str:
        return f"<ConsoleInstance {self.name} {self.url} {shlex.quote(self.command)}>"


class WorkerInstance(_ProcfileProcess):
    """One queue worker as the Procfile's `worker:` line starts it (``python -m app.worker``),
    plus ``args`` (``--threads 1``). ``name`` is the one it records in its heartbeat and in the
    audit of each chunk it sends: host:pid. SIGINT stops it as Ctrl-C does (Huey finishes the
    task under way)."""

    STOP_SIGNAL = signal.SIGINT

    def __init__(self, name: str, env: dict[str, str], log_dir: Path, args: str = "") -> None:
        self.label = name
        command = procfile_command("worker") or "python -m app.worker"
        self.command = f"{command} {args}".strip()
        path = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        self.env = {**os.environ, **env, "PATH": path}
        self.log_path = log_dir / f"{name}.log"

    @property
    def name(self) -> str:
        return f"{socket.gethostname()}:{self.process.pid}"[:255]

    def start(self, ready: Callable[["WorkerInstance"], bool], timeout: float = 90.0) -> "WorkerInstance":
        """Start it and wait until ``ready(worker)`` (its heartbeat is in the database)."""
        self.spawn()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.label} exited with {self.process.returncode}:\n{self.log_tail()}")
            if ready(self):
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.label} was not ready within {timeout:.0f} s:\n{self.log_tail()}")
