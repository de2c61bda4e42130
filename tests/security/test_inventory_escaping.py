"""No template renders unescaped user input.

1. The code: no `|safe`, no autoescape switched off, no Markup() or render_template_string on
   anything but a rendered template (an allow-list says why each exception is safe).
2. Reflected input: markup in every URL variable and query parameter of every page comes back
   escaped.
3. Stored input: markup that reaches the console through Talon.One data (a profile's name, a
   cart item's name) or through the console's own records (a login name in the audit log) is
   shown escaped on the pages that display it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from tests.faults.catalog import discover_demo_ids, pages
from tests.faults.counts import count_checks
from tests.fuzz.forms import query_names_in_code

APP = Path(__file__).resolve().parents[2] / "app"
MARKER = "tdxss"
PAYLOAD = f'<script>alert("{MARKER}")</script><img src=x onerror=alert(1) data-{MARKER}>'
RAW = re.compile(rf"<script>alert\(\"{MARKER}\"\)|<img src=x onerror=alert\(1\) data-{MARKER}", re.I)
ESCAPED = re.compile(rf"&lt;script&gt;alert\((&#34;|&quot;|\"){MARKER}", re.I)

UNSAFE_CODE = re.compile(
    r"\|\s*safe\b|autoescape\s+false|autoescape\s*=\s*False|Markup\(|render_template_string\(|"
    r"jinja_env\.autoescape\s*=", re.I)
# (file, the unsafe-looking text) -> why it is safe.
ALLOWED = {
    ("app/loyalty/sections.py", "Markup(render_template("):
        "marks the output of render_template as safe, which the template already autoescaped",
    ("app/campaigns/routes.py", "Markup(render_template("):
        "the home page's regressions panel: render_template output, which the template already "
        "autoescaped",
    ("app/formatting.py", "Markup(TIME_ELEMENT_SECONDS if seconds else TIME_ELEMENT).format("):
        "a fixed <time> element; Markup.format escapes the moment and the text it puts in",
    ("app/forms.py", 'return Markup(" ".join(params))'):
        "WTForms' html_params, the same output: every attribute name and value is escaped first "
        "(tests/web/test_request_work.py compares it with WTForms' own)",
    ("app/forms.py", 'return Markup(f"<option {html_params(**options)}>{label}</option>")'):
        "WTForms' Select.render_option with the console's html_params: the attributes are escaped "
        "by html_params, the label by escape (tests/web/test_render_work.py compares it with WTForms')",
    ("app/streaming.py", "content_slot=Markup(slot)"):
        "the slot is an HTML comment made of 32 random hex digits, no user input; the content "
        "that replaces it is render_template output, autoescaped",
}


def unsafe_spots() -> list[tuple[str, int, str]]:
    spots = []
    for path in sorted(APP.rglob("*")):
        if path.suffix not in (".html", ".py", ".jinja", ".j2") or "static" in path.parts:
            continue
        relative = str(path.relative_to(APP.parent))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if UNSAFE_CODE.search(line) and not any(
                    file == relative and text in line for (file, text) in ALLOWED):
                spots.append((relative, number, line.strip()))
    return spots


def test_no_template_or_view_turns_escaping_off():
    spots = unsafe_spots()
    assert not spots, "unescaped output (add to ALLOWED only with a reason):\n" + "\n".join(
        f"  {file}:{number}: {line}" for file, number, line in spots)
    count_checks("security", 1)


def test_autoescaping_is_on_for_every_template(app):
    env = app.jinja_env
    for name in env.list_templates(extensions=("html",)):
        assert env.autoescape(name) if callable(env.autoescape) else env.autoescape, name
        count_checks("security", 1)


@pytest.fixture(scope="module")
def demo_ids(sandbox):
    return discover_demo_ids(sandbox)


VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def probes(route, demo_ids) -> list[tuple[str, dict]]:
    """(path, query) pairs: the payload in each URL variable, then in each query parameter."""
    from urllib.parse import quote

    def path_with(variable: str | None) -> str:
        def fill(match):
            name = match.group(1)
            raw = PAYLOAD if name == variable else str(demo_ids.value(route, name))
            return quote(raw, safe="")
        return VARIABLE.sub(fill, route.rule)

    out = []
    for variable in route.variables:
        if "int" in route.rule.split(f"{variable}>")[0].rsplit("<", 1)[-1]:
            continue  # an int converter never lets text through (404 before any view)
        out.append((path_with(variable), {}))
    for name in sorted(query_names_in_code(route.endpoint) | {"q", "page", "next"}):
        out.append((path_with(None), {name: PAYLOAD}))
    return out


@pytest.mark.parametrize("route", [r for r in pages() if not r.endpoint.endswith(".static")],
                         ids=lambda r: r.id)
def test_reflected_markup_is_escaped(route, login_as, demo_ids):
    admin = login_as("admin")
    for path, query in probes(route, demo_ids):
        for headers in ({}, {"HX-Request": "true"}):
            response = admin.get(path, query_string=query, headers=headers)
            body = response.get_data(as_text=True)
            response.close()
            if response.mimetype != "text/html":
                # a download (CSV, JSON): a browser never renders it as a page
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert response.mimetype in ("text/csv", "application/json", "text/plain"), response.mimetype
                continue
            assert not RAW.search(body), f"{path} {query}: markup came back unescaped"
            count_checks("security", 1)


def put_profile_name(sandbox, profile: str, name: str) -> None:
    answer = requests.put(
        f"{sandbox.url}/v2/customer_profiles/{profile}",
        json={"attributes": {"Name": name}},
        headers={"Authorization": f"ApiKey-v1 {sandbox.integration_key}"}, timeout=30)
    assert answer.status_code < 300, answer.text


def put_session_with_item(sandbox, session_id: str, profile: str, item_name: str) -> None:
    answer = requests.put(
        f"{sandbox.url}/v2/customer_sessions/{session_id}",
        json={"customerSession": {"profileId": profile, "state": "open", "cartItems": [
            {"name": item_name, "sku": "XSS-1", "quantity": 1, "price": 10}]}},
        headers={"Authorization": f"ApiKey-v1 {sandbox.integration_key}"}, timeout=30)
    assert answer.status_code < 300, answer.text


def test_markup_stored_in_talon_data_is_escaped(app, login_as, talon_sandbox):
    put_profile_name(talon_sandbox, "cust-0002", PAYLOAD)
    put_session_with_item(talon_sandbox, "sess-xss-0001", "cust-0002", PAYLOAD)
    agent = login_as("agent")
    shown = 0
    for path in ("/customers/cust-0002", "/sessions/sess-xss-0001", "/search?q=cust-0002",
                 "/sessions/sess-xss-0001/preview"):
        response = agent.get(path, follow_redirects=True)
        body = response.get_data(as_text=True)
        assert not RAW.search(body), f"{path}: stored markup came back unescaped"
        shown += bool(ESCAPED.search(body))
        count_checks("security", 1)
    # the payload was really on the pages (escaped), not just absent
    assert shown >= 2


def test_markup_in_the_console_s_own_records_is_escaped(app, client, login_as, csrf_token):
    token = csrf_token(client)
    client.post("/login", data={"username": PAYLOAD[:80], "password": "x", "csrf_token": token})
    manager = login_as("manager")
    body = manager.get("/audit").get_data(as_text=True)
    assert not RAW.search(body)
    assert "&lt;script&gt;" in body
    count_checks("security", 1)
