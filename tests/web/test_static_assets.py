"""Vendored front-end files: present, the versions and checksums the vendor README states,
served from our own origin (no CDN)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"
VENDOR = STATIC / "vendor"


def vendor_table() -> dict[str, tuple[str, str]]:
    """{file: (version, sha256)} from vendor/README.md."""
    rows = {}
    for line in (VENDOR / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].endswith((".js", ".css")):
            rows[cells[0]] = (cells[2], cells[5])
    return rows


def test_every_vendored_file_is_listed_with_its_checksum():
    table = vendor_table()
    assert set(table) == {"htmx.min.js", "pico.min.css"}
    for name, (_, sha256) in table.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == sha256, name


def test_the_stated_versions_are_the_files_versions():
    table = vendor_table()
    htmx = (VENDOR / "htmx.min.js").read_text(encoding="utf-8")
    assert re.search(r'version:"' + re.escape(table["htmx.min.js"][0]) + '"', htmx)
    pico = (VENDOR / "pico.min.css").read_text(encoding="utf-8")[:200]
    assert f"Pico CSS ✨ v{table['pico.min.css'][0]}" in pico


def test_licenses_ship_with_the_files():
    assert "Zero-Clause BSD" in (VENDOR / "htmx.LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in (VENDOR / "pico.LICENSE.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("template", sorted((Path(__file__).resolve().parents[2] / "app").rglob("*.html")),
                         ids=lambda p: str(p.relative_to(p.parents[2])))
def test_no_template_loads_anything_from_another_origin(template):
    html = template.read_text(encoding="utf-8")
    loads = r'<(script|img|iframe|source)\b[^>]*\bsrc="(https?:)?//|<link\b[^>]*\bhref="(https?:)?//'
    assert not re.search(loads, html), "use app/static, not a CDN"
