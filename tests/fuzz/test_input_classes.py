"""Each class of hostile input that once gave a 500 (issue 14), generated for every route that
could have it, not only where it was found. Where test_bad_input.py samples at random, this
sends every class to every route it applies to:

- numbers no integer column or ``skip`` takes, in ``?page=`` and every query argument a route
  reads (OverflowError on /audit, histories, job rows, the bench);
- URL-building names in the query string (``_method``, ``_scheme``, ``_anchor``,
  ``_external``, and the route's own variable names), with and without htmx (url_for);
- ``.`` and ``..`` in every string URL variable: never a 500, and nothing reaches Talon.One
  with a path that walks (``/profile/../transactions``);
- CR/LF and tabs in the login's ``next``;
- files nested 2,000 deep and numbers of 5,000 digits in every file upload;
- more lines than Talon.One takes (1,001) in every form with a list of lines.

Reproducible: no randomness. The count is printed with the proof counts.
"""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest

from tests.faults.counts import count_checks
from tests.faults.faults import sandbox_requests, upstream_changes
from tests.fuzz.forms import query_names_in_code, split_action
from tests.fuzz.test_bad_input import (  # noqa: F401  (fixtures)
    ROUTES,
    check_answer,
    demo_ids,
    form_map,
    fuzz_console,
    path_with,
)

HUGE = "9" * 23
NUMBERS = (HUGE, "-" + HUGE, "1e309", "9" * 5000)
URL_BUILDING = {"_method": "DELETE", "_scheme": "javascript", "_anchor": "x\r\ny",
                "_external": "1", "endpoint": "auth.logout"}
DOT_SEGMENTS = (".", "..")
BAD_NEXT = ("/x\r\nSet-Cookie: a=b", "/\t/evil.example", "/%0d%0aLocation:%20//evil.example",
            "\\\\evil.example", "/" + "x" * 5000)
LINE = re.compile(r"^(\w+)-(\d+)-(\w+)$")
TOO_MANY_LINES = 1001
WALKING = re.compile(r"/\.\.?(/|$)")


def _string_variables(route) -> list[str]:
    return [name for name in route.variables
            if re.search(rf"<(?:string:)?{re.escape(name)}>", route.rule)]


def _targets(route, form_map):
    return [(split_action(spec.path), spec) for spec in form_map.get((route.method, route.endpoint), [])]


def _send(client, route, path, fields, *, htmx=True, files=None):
    headers = {"X-CSRFToken": getattr(client, "csrf", "") or ""}
    if htmx:
        headers["HX-Request"] = "true"
    if route.method == "GET":
        return client.get(path, query_string=fields or None, headers=headers)
    data = dict(fields)
    data.update(files or {})
    return client.open(path, method=route.method, data=data, headers=headers)


def cases_for(route, form_map, demo_ids):
    """(what, path, fields, extra) for every class that applies to the route."""
    cases = []
    base_path = demo_ids.path(route)
    if route.method == "GET":
        names = {"page"} | query_names_in_code(route.endpoint)
        for name in sorted(names):
            for value in NUMBERS:
                cases.append((f"?{name}={value[:12]}", base_path, {name: value}, {}))
        building = {**URL_BUILDING, **{name: "x" for name in route.variables}}
        cases.append(("url-building arguments", base_path, building, {}))
        cases.append(("url-building arguments, no htmx", base_path, building, {"htmx": False}))
    for name in _string_variables(route):
        for value in DOT_SEGMENTS:
            cases.append((f"<{name}>={value}", path_with(route, demo_ids, name, value), {},
                          {"walk": True}))
    if route.endpoint == "auth.login":
        for target in BAD_NEXT:
            cases.append((f"next={target[:20]!r}", f"/login?next={quote(target)}",
                          {"username": "agent", "password": "demo"} if route.method == "POST" else {},
                          {"next": True}))
    for (path, query), spec in _targets(route, form_map):
        fields = {**query, **spec.fields}
        for name, kind in spec.types.items():
            if kind == "file":
                for label, content in (("nested 2,000 deep", b"[" * 2000 + b"]" * 2000),
                                       ("a 5,000-digit number", b'{"version": ' + b"9" * 5000 + b"}")):
                    cases.append((f"{name}: {label}", path, fields,
                                  {"files": {name: (io.BytesIO(content), "suite.json")}}))
        lines = {}
        for name in fields:
            match = LINE.match(name)
            if match and match.group(2) == "0":
                lines.setdefault(match.group(1), []).append(match.group(3))
        for prefix, subfields in lines.items():
            many = {k: v for k, v in fields.items() if not (LINE.match(k) and k.startswith(prefix + "-"))}
            for index in range(TOO_MANY_LINES):
                for sub in subfields:
                    many[f"{prefix}-{index}-{sub}"] = fields[f"{prefix}-0-{sub}"]
            cases.append((f"{TOO_MANY_LINES:,} {prefix}", path, many, {}))
    return cases


@pytest.mark.slow
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_each_input_class_on_every_route_it_applies_to(route, fuzz_console, form_map, demo_ids,
                                                        talon_sandbox):
    cases = cases_for(route, form_map, demo_ids)
    if not cases:
        pytest.skip(f"no class of issue 14 applies to {route.id}")
    for what, path, fields, extra in cases:
        client = fuzz_console.client_for(route)
        before = len(sandbox_requests(talon_sandbox))
        changes_before = len(upstream_changes(talon_sandbox))
        response = _send(client, route, path, fields, htmx=extra.get("htmx", True),
                         files=extra.get("files"))
        location = response.headers.get("Location", "")
        if response.status_code == 302 and "/login" in location and not route.public:
            fuzz_console.login()
        assert not re.search(r"[\r\n\t]", location), f"{route.id} {what}: Location {location!r}"
        if extra.get("next") and location:
            assert location.startswith("/") and not location.startswith(("//", "/\\")), (
                f"{route.id} {what}: sent to {location!r}")
        check_answer(response, what, f"{route.id} {what}", changes_before, talon_sandbox)
        if extra.get("walk"):
            walked = [e["path"] for e in sandbox_requests(talon_sandbox)[before:]
                      if WALKING.search(e.get("path", ""))]
            assert not walked, f"{route.id} {what}: Talon.One was asked at {walked}"
        count_checks("input classes (bad-input suite)", 1)

