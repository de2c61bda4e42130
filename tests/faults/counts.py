"""How many checks, fault cases and generated inputs the proof suites ran (issue 8 asks for the
counts). Tests add to a per-suite tally; at the end of the run the tally is printed in pytest's
summary (tests/faults/conftest.py) and written to test-artifacts/proof-counts.json."""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from pathlib import Path

_lock = threading.Lock()
_tally: Counter = Counter()
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))


def count_checks(suite: str, n: int = 1) -> None:
    with _lock:
        _tally[suite] += n


def add_tally(counts: dict[str, int]) -> None:
    """Add another process's tally (an xdist worker's; tests/support/tiers.py)."""
    with _lock:
        _tally.update(counts)


def tally() -> dict[str, int]:
    with _lock:
        return dict(sorted(_tally.items()))


def write_tally() -> Path | None:
    counts = tally()
    if not counts:
        return None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "proof-counts.json"
    path.write_text(json.dumps(counts, indent=2) + "\n")
    return path


def terminal_summary(terminalreporter, config) -> None:
    """pytest_terminal_summary for every proof suite's conftest: printed once per run, by
    whichever suite's conftest pytest asks first."""
    if getattr(config, "_proof_counts_printed", False):
        return
    config._proof_counts_printed = True
    counts = tally()
    if not counts:
        return
    terminalreporter.section("proof counts")
    for suite, n in counts.items():
        terminalreporter.write_line(f"{suite}: {n}")
    path = write_tally()
    if path:
        terminalreporter.write_line(f"(written to {path})")
