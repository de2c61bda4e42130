"""Layout measured in real Chromium: element boxes, not looks. Each helper answers with the
offending elements described in words, so a failing test says what overlaps or overflows."""

from __future__ import annotations

# Elements of `main` whose box runs past the viewport's right edge, outside a box that scrolls
# on its own (a wide table in .table-scroll is fine: the page itself does not get wider).
PAGE_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  if (document.documentElement.scrollWidth > width + 1)
    found.push('the page is ' + document.documentElement.scrollWidth + ' px wide');
  return found;
}"""

# Scroll boxes and sections whose content is wider than they are (cut off or hidden).
CLIPPED = """(selector) => {
  const found = [];
  for (const box of document.querySelectorAll(selector)) {
    for (const el of [box, ...box.querySelectorAll('*')]) {
      const style = getComputedStyle(el);
      if (!['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) continue;
      if (el.clientWidth <= 1) continue;  // visually hidden text
      if (style.textOverflow === 'ellipsis' && el.closest('details')) continue;  // a one-line summary that opens
      if (el.scrollWidth > el.clientWidth + 1)
        found.push((el.id || el.className || el.tagName) + ' in ' + box.id + ': ' + el.scrollWidth + ' px of content in ' + el.clientWidth + ' px');
    }
  }
  return found;
}"""

OVERLAPS = """([first, second]) => {
  const boxes = (selector) => [...document.querySelectorAll(selector)].map(e => [e, e.getBoundingClientRect()]);
  const found = [];
  for (const [a, ra] of boxes(first)) for (const [b, rb] of boxes(second)) {
    if (ra.width === 0 || rb.width === 0) continue;
    if (ra.left < rb.right && rb.left < ra.right && ra.top < rb.bottom && rb.top < ra.bottom)
      found.push((a.getAttribute('aria-label') || a.textContent.trim()).slice(0, 40) + ' overlaps ' + (b.id || b.tagName));
  }
  return found;
}"""

# Inline elements (by selector) whose text takes more than one line: one box per line.
WRAPPED = """(selector) => [...document.querySelectorAll(selector)]
  .filter(e => e.getClientRects().length > 1).map(e => e.textContent.trim())"""


def page_overflow(page) -> list[str]:
    return page.evaluate(PAGE_OVERFLOW)


def clipped(page, selector: str) -> list[str]:
    return page.evaluate(CLIPPED, selector)


def overlaps(page, first: str, second: str) -> list[str]:
    return page.evaluate(OVERLAPS, [first, second])


def wrapped(page, selector: str) -> list[str]:
    return page.evaluate(WRAPPED, selector)
