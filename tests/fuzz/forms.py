"""The forms and query parameters of the console, found the way a browser finds them: by reading
the pages. Every page of the route catalog is rendered once (as admin, against the sandbox's
demo data), and every <form> and htmx element that sends something is recorded with its fields
and their default values. Query parameters are also read from the code (`request.args`), so a
parameter no form shows is still fuzzed.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from tests.faults.catalog import attributes

APP = Path(__file__).resolve().parents[2] / "app"
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)
OPEN_TAG = re.compile(r"<form\b[^>]*>", re.S | re.I)
FIELD = re.compile(r"<(input|select|textarea|button)\b[^>]*>", re.S | re.I)
OPTION = re.compile(r"<option\b([^>]*)>", re.S | re.I)
HX_ELEMENT = re.compile(r"<(?!form\b)\w+\b[^>]*\shx-(?:post|put|patch|delete)=[^>]*>", re.S | re.I)
ARGS_READ = re.compile(r"request\.args(?:\.get|\.getlist)?\(\s*[\"'](\w+)[\"']|request\.args\[[\"'](\w+)[\"']\]")
SKIPPED_FIELDS = ("csrf_token",)


@dataclass
class FormSpec:
    method: str
    path: str
    fields: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    found_on: str = ""
    # sent by htmx (hx-post...), so with the HX-Request header
    htmx: bool = False

    @property
    def fuzzable(self) -> list[str]:
        return [name for name, kind in self.types.items()
                if not name.endswith(SKIPPED_FIELDS) and kind not in ("submit", "button", "image", "reset")]


def _default(tag: str, kind: str, body: str) -> str:
    attrs = attributes(tag)
    if kind == "select":
        options = [attributes(o) for o in OPTION.findall(body)]
        chosen = next((o for o in options if "selected" in o), options[0] if options else {})
        return chosen.get("value", "")
    if kind == "textarea":
        return ""
    return attrs.get("value", "")


def forms_on(page_path: str, html: str) -> list[FormSpec]:
    specs = []
    for block in FORM.findall(html):
        form_attrs = attributes(OPEN_TAG.match(block).group(0))
        method, action, htmx = "GET", form_attrs.get("action") or page_path, False
        for verb in ("post", "put", "patch", "delete", "get"):
            if f"hx-{verb}" in form_attrs:
                method, action, htmx = verb.upper(), form_attrs[f"hx-{verb}"] or page_path, True
                break
        else:
            method = (form_attrs.get("method") or "GET").upper()
        spec = FormSpec(method, action, found_on=page_path, htmx=htmx)
        for match in FIELD.finditer(block):
            tag, kind = match.group(0), match.group(1).lower()
            attrs = attributes(tag)
            name = attrs.get("name")
            if not name:
                continue
            input_type = attrs.get("type", "text").lower() if kind == "input" else kind
            if kind == "button" and "value" not in attrs:
                continue
            spec.types.setdefault(name, input_type)
            if input_type in ("checkbox", "radio") and "checked" not in attrs:
                continue  # a browser sends only checked boxes
            end = block.find(f"</{kind}>", match.end()) if kind in ("select", "textarea") else match.end()
            spec.fields.setdefault(name, _default(tag, kind, block[match.end():end]))
        specs.append(spec)
    for tag in HX_ELEMENT.findall(html):
        attrs = attributes(tag)
        verb = next(v for v in ("post", "put", "patch", "delete") if f"hx-{v}" in attrs)
        spec = FormSpec(verb.upper(), attrs[f"hx-{verb}"], found_on=page_path, htmx=True)
        try:
            values = json.loads(attrs.get("hx-vals") or "{}")
        except ValueError:
            values = {}
        for name, value in values.items():
            spec.fields[name] = str(value)
            spec.types[name] = "hidden"
        specs.append(spec)
    return specs


def endpoint_of(app, method: str, path: str) -> str | None:
    """The endpoint that would serve ``method path``, or None (a 404 or 405)."""
    from werkzeug.exceptions import HTTPException

    try:
        endpoint, _ = app.url_map.bind("localhost").match(path, method=method)
    except HTTPException:
        return None
    return endpoint


def split_action(action: str) -> tuple[str, dict[str, str]]:
    """An action URL's path and its query arguments."""
    parts = urlsplit(html_lib.unescape(action))
    return parts.path, dict(parse_qsl(parts.query, keep_blank_values=True))


def query_names_in_code(endpoint: str) -> set[str]:
    """Query parameter names the endpoint's blueprint reads with request.args."""
    area = endpoint.split(".", 1)[0]
    folder = APP / area
    names: set[str] = set()
    if folder.is_dir():
        for source in folder.glob("*.py"):
            for match in ARGS_READ.finditer(source.read_text(encoding="utf-8")):
                names.add(match.group(1) or match.group(2))
    return names
