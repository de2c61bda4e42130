"""axe-core (vendored in tests/support/vendor/axe-core, test-only) run in a Playwright page.

The script is evaluated through the DevTools protocol, which the page's Content-Security-Policy
does not govern, so the console's CSP stays as strict in tests as in production."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "vendor" / "axe-core"
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
#: WCAG 2.2 level AA, with the levels and versions it includes
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")

RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return {version: axe.version, violations: result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 200)),
  }))};
}"""


@lru_cache(maxsize=1)
def axe_source() -> str:
    source = (VENDOR / "axe.min.js").read_bytes()
    digest = hashlib.sha256(source).hexdigest()
    assert digest == AXE_SHA256, f"tests/support/vendor/axe-core/axe.min.js is not axe-core {AXE_VERSION} ({digest})"
    return source.decode("utf-8")


def blocking_violations(page) -> list[str]:
    """The serious and critical WCAG 2.2 AA violations on the page as it is now, in words."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result = page.evaluate(RUN, WCAG_22_AA)
    assert result["version"] == AXE_VERSION
    return [f"{v['impact']} {v['id']} ({v['help']}): " + "; ".join(v["nodes"][:3])
            for v in result["violations"] if v["impact"] in BLOCKING]
