"""Proof that upstream calls overlapped, read from the sandbox's request log by order, not by
a clock: every call started before any of them finished."""

from __future__ import annotations


def overlapped(entries: list[dict]) -> bool:
    """True when the logged requests were all in flight at one moment."""
    assert len(entries) >= 2, "need at least two requests to speak of overlap"
    return max(e["started"] for e in entries) < min(e["finished"] for e in entries)
