"""Prints the proof suites' counts (fault cases, security checks, generated inputs) at the end
of the run (tests/faults/counts.py)."""

from __future__ import annotations

from tests.faults.counts import terminal_summary


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    terminal_summary(terminalreporter, config)
