"""Waiting in Playwright until a page is done with htmx: loaded, and every htmx request it made
answered, swapped and settled.

htmx marks an element while its request is in flight (`htmx-request`, on the element or its
hx-indicator), while it swaps (`htmx-swapping`) and until the new content has settled
(`htmx-settling`, `htmx-added`: settleDelay, 20 ms). A section that loads after the page
(hx-trigger="load") starts its request in htmx's DOMContentLoaded handler, before the load event,
and a swapped-in section that loads more starts its request during the swap, before the first
request's marks are removed: so no mark and a complete document mean nothing more is coming.
Unlike Playwright's "networkidle" (no request for 500 ms) this needs no silence: it holds as soon
as it is true, and it fails (timeout) if a request never ends."""

from __future__ import annotations

SETTLED = """() => document.readyState === 'complete' && typeof htmx !== 'undefined'
  && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"""


def wait_until_settled(page) -> None:
    page.wait_for_function(SETTLED)
