"""Regressions: a run in which a case that passed in the suite's previous finished run fails.

Pure functions over plain values, so they are tested without a database. A case is matched
with its earlier result by its case ID (a renamed case is still the same case), else by name
(a run imported from before the case was re-created). Only a real failure flips a case: a case
that could not run (Talon.One unreachable, status "error") is not a regression, since nothing
was learnt about the campaign, and it stays listed as an error on the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASSED, FAILED = "pass", "fail"


@dataclass(frozen=True)
class Outcome:
    """One case's result in a run, as the comparison needs it."""

    case_id: int | None
    name: str
    status: str
    differences: list = field(default_factory=list)
    actual: dict | None = None


def _key(outcome: Outcome):
    return ("id", outcome.case_id) if outcome.case_id is not None else ("name", outcome.name)


def flips(previous: list[Outcome], current: list[Outcome]) -> list[dict]:
    """The cases that passed before and fail now, in the current run's order, each with what
    was expected and what happened (the differences, one sentence each) and the outcome's
    summary (``actual``)."""
    before = {}
    for outcome in previous:
        before[_key(outcome)] = outcome
        before.setdefault(("name", outcome.name), outcome)
    flipped = []
    for outcome in current:
        earlier = before.get(_key(outcome)) or before.get(("name", outcome.name))
        if earlier is not None and earlier.status == PASSED and outcome.status == FAILED:
            flipped.append({"case_id": outcome.case_id, "case": outcome.name, "before": PASSED,
                            "now": FAILED, "differences": list(outcome.differences or []),
                            "actual": outcome.actual})
    return flipped


def is_regression(previous: list[Outcome] | None, current: list[Outcome]) -> bool:
    """A run fails after one that passed: some case flipped from pass to fail. The first run
    of a suite (no previous) is never a regression: there is nothing it regressed from."""
    return bool(previous) and bool(flips(previous, current))
