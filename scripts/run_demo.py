"""`make run`: the sandbox (Talon.One emulator with demo data), the console in demo mode, both on
127.0.0.1, and one queue worker (app.worker: bulk jobs and suite runs). Prints the URL and the
demo logins; Ctrl-C stops all three.

    python scripts/run_demo.py [--host 127.0.0.1] [--port 5000] [--sandbox-port 9100]

A Python launcher rather than shell job control: it waits until each server really accepts
connections, stops the others when one dies, and never leaves one running after Ctrl-C. The
worker starts once the console has migrated the demo database (it uses the same one, and the
queue file beside it).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 90  # seconds; the first start migrates the demo database
MANAGEMENT_RATE_LIMIT = 3
DEMO_LOGINS = "agent, marketer, manager (store-berlin), admin — password: demo"


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def wait_until_listening(host: str, port: int, process: subprocess.Popen, name: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"run_demo: the {name} exited during start-up (code {process.returncode})")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"run_demo: the {name} did not start listening on {host}:{port} "
                     f"within {STARTUP_TIMEOUT} s")


def die_with_launcher() -> None:
    """Runs in each child before it starts (Linux): the kernel sends it SIGTERM when the launcher
    dies, even by SIGKILL, where the launcher's own clean-up cannot run. Elsewhere a no-op."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


STOP_SECONDS = 10  # for all of them together: Ctrl-C must not take a process's time each


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def environment(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    integration = env.setdefault("SANDBOX_INTEGRATION_KEY", "sandbox-integration-key")
    management = env.setdefault("SANDBOX_MANAGEMENT_KEY", "sandbox-management-key")
    env.update({
        "TALON_DESK_MODE": "demo",
        "TALON_BASE_URL": f"http://{args.host}:{args.sandbox_port}",
        "TALON_INTEGRATION_KEY": integration,
        "TALON_MANAGEMENT_KEY": management,
        "TALON_APPLICATION_ID": "1",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 5000))
    parser.add_argument("--sandbox-port", type=int, default=int(os.environ.get("SANDBOX_PORT") or 9100))
    args = parser.parse_args(argv)

    for name, port, variable in (("console", args.port, "PORT"), ("sandbox", args.sandbox_port, "SANDBOX_PORT")):
        if not port_is_free(args.host, port):
            print(f"run_demo: port {port} for the {name} is in use; choose another, e.g. "
                  f"make run {variable}={port + 1}", file=sys.stderr)
            return 2

    env = environment(args)
    commands = {
        # Talon.One's Management API limit (3 per second per endpoint), which the console budgets for
        "sandbox": [sys.executable, "-m", "sandbox", "--host", args.host, "--port", str(args.sandbox_port),
                    "--seed", "demo", "--management-rate-limit", str(MANAGEMENT_RATE_LIMIT)],
        "console": [sys.executable, "-m", "flask", "--app", "app", "run", "--host", args.host,
                    "--port", str(args.port), "--no-reload", "--no-debugger", "--with-threads"],
        "worker": [sys.executable, "-m", "app.worker"],
    }
    processes: list[subprocess.Popen] = []

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    # Ctrl-C even when started from a process that ignores SIGINT (Python keeps an inherited
    # SIG_IGN: a test runner's worker, nohup), so the launcher always stops both servers
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        # Own process groups: Ctrl-C reaches only this launcher, which stops both in order.
        sandbox = subprocess.Popen(commands["sandbox"], cwd=ROOT, env=env, start_new_session=True,
                                   preexec_fn=die_with_launcher)
        processes.append(sandbox)
        wait_until_listening(args.host, args.sandbox_port, sandbox, "sandbox")
        console = subprocess.Popen(commands["console"], cwd=ROOT, env=env, start_new_session=True,
                                   preexec_fn=die_with_launcher)
        processes.append(console)
        wait_until_listening(args.host, args.port, console, "console")
        worker = subprocess.Popen(commands["worker"], cwd=ROOT, env=env, start_new_session=True,
                                  preexec_fn=die_with_launcher)
        processes.append(worker)
        print(
            "\nTalon Desk (demo mode) is running\n"
            f"  console: http://{args.host}:{args.port}/\n"
            f"  sandbox: http://{args.host}:{args.sandbox_port}/ (Talon.One emulator, demo data, "
            f"Management API limited to {MANAGEMENT_RATE_LIMIT} requests per second per endpoint)\n"
            f"  worker:  the job queue's worker (bulk jobs, suite runs), pid {worker.pid}\n"
            f"  logins:  {DEMO_LOGINS}\n"
            "Press Ctrl-C to stop them all.\n",
            flush=True,
        )
        while True:
            for name, process in (("sandbox", sandbox), ("console", console), ("worker", worker)):
                if process.poll() is not None:
                    print(f"run_demo: the {name} stopped (code {process.returncode}); stopping the others",
                          file=sys.stderr)
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nrun_demo: stopping", flush=True)
        return 0
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
