"""Fixtures of the fault suite, and the end-of-run summary of every proof suite's counts
(fault cases, security checks, generated inputs)."""

from __future__ import annotations

from tests.faults.counts import tally, write_tally


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = tally()
    if not counts:
        return
    terminalreporter.section("proof counts")
    for suite, n in counts.items():
        terminalreporter.write_line(f"{suite}: {n}")
    path = write_tally()
    if path:
        terminalreporter.write_line(f"(written to {path})")
