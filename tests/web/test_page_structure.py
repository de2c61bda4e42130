"""Every role's main pages are well-formed HTML (the WHATWG parser reports no error), their IDs
are unique, and every reference to an ID (label for, aria-describedby, aria-labelledby,
aria-controls, hx-target="#…") names an element that exists."""

from __future__ import annotations

import re
from collections import Counter

import html5lib
import pytest

from tests.support.pages import MAIN_PAGES

PAGES = [(role, path) for role, paths in MAIN_PAGES.items() for path in paths]
REFERENCES = ("for", "aria-describedby", "aria-labelledby", "aria-controls", "aria-activedescendant")


def structure_problems(html: str) -> list[str]:
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    tree = parser.parse(html)
    problems = [f"line {line}, column {col}: {code} {data or ''}" for (line, col), code, data in parser.errors]
    elements = list(tree.iter())
    ids = Counter(e.get("id") for e in elements if e.get("id"))
    problems += [f"id {name!r} is used {count} times" for name, count in ids.items() if count > 1]
    for element in elements:
        for attribute in REFERENCES:
            for name in (element.get(attribute) or "").split():
                if name not in ids:
                    problems.append(f"<{element.tag} {attribute}={name!r}> names no element")
        target = element.get("hx-target") or ""
        if re.fullmatch(r"#[\w-]+", target) and target[1:] not in ids:
            problems.append(f"<{element.tag} hx-target={target!r}> names no element")
    if sum(1 for e in elements if e.tag == "main") != 1:
        problems.append("not exactly one <main>")
    if sum(1 for e in elements if e.tag == "h1") != 1:
        problems.append(f"{sum(1 for e in elements if e.tag == 'h1')} <h1> elements")
    return problems


@pytest.mark.parametrize("role,path", PAGES, ids=[f"{r}:{p}" for r, p in PAGES])
def test_a_main_page_is_well_formed_with_unique_ids(login_as, role, path):
    response = login_as(role).get(path)
    assert response.status_code in (200, 403, 404), (path, response.status_code)
    assert structure_problems(response.get_data(as_text=True)) == []


def test_the_login_page_is_well_formed(client):
    assert structure_problems(client.get("/login").get_data(as_text=True)) == []


def test_the_checker_finds_what_it_looks_for():
    broken = ('<!doctype html><html><head><title>x</title></head><body><main><h1>a</h1>'
              '<p id="a">x</p><p id="a"><label for="b">y</label></div></main></body></html>')
    problems = structure_problems(broken)
    assert any("used 2 times" in p for p in problems)
    assert any("names no element" in p for p in problems)
    assert any("end-tag-too-early" in p for p in problems)
