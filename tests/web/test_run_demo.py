"""`make run`'s launcher: both servers and a queue worker up, /login served, demo logins work,
Ctrl-C stops all three."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_banner(process, lines: list[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Press Ctrl-C" in line:
            return
    raise AssertionError("launcher did not start:\n" + "".join(lines))


def start_launcher(tmp_path):
    """`make run`'s launcher on free ports, with a throwaway demo database and none of the
    developer's TALON_* settings: (process, console port, sandbox port)."""
    port, sandbox_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TALON_", "SECRET_KEY"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.db'}"
    process = subprocess.Popen(
        [sys.executable, "scripts/run_demo.py", "--port", str(port), "--sandbox-port", str(sandbox_port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return process, port, sandbox_port


def test_make_runs_launcher_serves_the_demo_and_stops_both_on_ctrl_c(tmp_path):
    process, port, sandbox_port = start_launcher(tmp_path)
    lines: list[str] = []
    try:
        wait_for_banner(process, lines)
        banner = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in banner
        assert "agent, marketer, manager (store-berlin), admin" in banner and "password: demo" in banner

        web = requests.Session()
        login_page = web.get(f"http://127.0.0.1:{port}/login", timeout=30)
        assert login_page.status_code == 200
        token = re.search(r'name="csrf-token" content="([^"]+)"', login_page.text).group(1)
        landed = web.post(f"http://127.0.0.1:{port}/login", timeout=30,
                          data={"username": "agent", "password": "demo", "csrf_token": token})
        assert landed.status_code == 200 and landed.url == f"http://127.0.0.1:{port}/"
        assert 'action="/search"' in landed.text
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30).json()
        assert health["talon"]["status"] == "ok", health
        worker_pid = int(re.search(r"worker: .*pid (\d+)", banner).group(1))
        # the worker's first heartbeat comes as it starts: wait for that real process (and for
        # it to take what its scheduler queued, e.g. the suites' every-minute check)
        for _ in range(300):
            health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30).json()
            if health["queue"]["workers_seen"] == 1 and health["queue"]["depth"] == 0:
                break
            time.sleep(0.1)
        assert health["queue"]["workers_seen"] == 1 and health["queue"]["depth"] == 0, health

        process.send_signal(signal.SIGINT)
        # communicate, not wait: the servers log into the same pipe, and a full pipe nobody
        # reads would block them (and the launcher's own "stopping") until the timeout
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    for port_number in (port, sandbox_port):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port_number)) != 0, f"port {port_number} still served"
    assert not os.path.exists(f"/proc/{worker_pid}") or _zombie(worker_pid), "the worker outlived Ctrl-C"


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1].startswith("Z")
    except OSError:
        return True


def test_the_servers_do_not_outlive_a_killed_launcher(tmp_path):
    # SIGKILL leaves the launcher no chance to clean up; the kernel must stop its children.
    process, port, sandbox_port = start_launcher(tmp_path)
    try:
        wait_for_banner(process, [])
    finally:
        process.kill()
        process.wait()
    for port_number in (port, sandbox_port):
        for _ in range(100):  # the children get SIGTERM and shut down: wait for the ports to close
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port_number)) != 0:
                    break
            time.sleep(0.1)
        else:
            raise AssertionError(f"port {port_number} still served after the launcher was killed")
