"""Paging and chunking helpers shared by the Integration and Management operations."""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence, TypeVar

from .errors import TalonError
from .models import BulkResult, ItemOutcome, Page

T = TypeVar("T")


def iterate_pages(
    fetch: Callable[[int, int], Page[T]], *, page_size: int = 1000, limit: int | None = None
) -> Iterator[T]:
    """Yield items across pages, following ``hasMore`` (or a full page / the total when the
    API only gives totalResultSize) by advancing ``skip``. ``limit`` caps the items yielded so a
    huge list cannot hold a request hostage."""
    skip, seen = 0, 0
    while True:
        page = fetch(skip, page_size)
        for item in page.items:
            yield item
            seen += 1
            if limit is not None and seen >= limit:
                return
        if not page.has_more or not page.items:
            return
        skip = page.next_skip


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def run_in_chunks(
    items: Sequence[Any],
    size: int,
    send: Callable[[Sequence[Any]], Any],
) -> BulkResult:
    """Send ``items`` in chunks of at most ``size`` (the API's per-request limit) and report an
    outcome per item: a failed chunk marks each of its items failed with that chunk's error,
    and the other chunks still go out."""
    outcomes: list[ItemOutcome] = []
    count = 0
    for chunk in chunks(list(items), size):
        count += 1
        try:
            send(chunk)
        except TalonError as exc:
            outcomes.extend(ItemOutcome(item, False, exc) for item in chunk)
            continue
        outcomes.extend(ItemOutcome(item, True) for item in chunk)
    return BulkResult(tuple(outcomes), count)
