"""Simulated support agents for bench/load.py (run by locust, headless).

Each simulated agent has its own login (made before the run), and works like an agent on the phone: searches a profile ID,
reads customer and session pages (with the sections the pages load by htmx), runs dry-run
previews, and now and then returns an item (preview, then confirm). Demo IDs come from the
environment that bench/load.py sets (LOAD_PROFILES, LOAD_SESSIONS: closed sessions, shared out
so that two agents never return from the same session at once).
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import deque

from locust import HttpUser, between, events, task

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
LAZY = re.compile(r'hx-get="([^"]+)"[^>]*hx-trigger="[^"]*\bload\b')
INPUT = re.compile(r"<input\b[^>]*>", re.S)
SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S)
OPTION = re.compile(r"<option\b([^>]*)>", re.S)
ATTR = re.compile(r'([\w-]+)="([^"]*)"')

PROFILES = os.environ.get("LOAD_PROFILES", "cust-0001").split(",")
SESSIONS = os.environ.get("LOAD_SESSIONS", "sess-00001").split(",")
# (session cookie, CSRF token) per simulated agent, made by bench/load.py.
LOGINS = deque(tuple(pair) for pair in json.loads(os.environ.get("LOAD_LOGINS", "[]")))
COOKIE = "talon_desk_session"
RETURNABLE = deque(os.environ.get("LOAD_RETURNABLE", "").split(",") if os.environ.get("LOAD_RETURNABLE") else [])

# Where the time of each request went, from the console's own Server-Timing header (app: the
# console's whole time on the request; talon: the time Talon.One calls were in flight) next to
# the time locust saw. Written at the end of the run to LOAD_TIMINGS (a JSON file) for
# bench/load.py: {"request name": [[client ms, app ms, talon ms], ...]}.
SERVER_TIMING = re.compile(r"(\w+);dur=([0-9.]+)")
TIMINGS: dict[str, list[list[float]]] = {}
# Pages and sections that showed an error panel (a section Talon.One could not fill), per request
# name, written with the timings to LOAD_SECTIONS (issue 12: 0 error sections is the target).
ERROR_PANEL = 'class="inline-error"'
ERROR_SECTIONS: dict[str, int] = {}
# Think time between actions in seconds, "min,max" (issue 8: 0.2-1; a support desk: 10-30).
WAIT = tuple(float(x) for x in os.environ.get("LOAD_WAIT", "0.2,1.0").split(","))


@events.request.add_listener
def _keep_server_timing(request_type, name, response_time, response=None, **_kwargs) -> None:
    if response is not None and ERROR_PANEL in (response.text or ""):
        ERROR_SECTIONS[f"{request_type} {name}"] = ERROR_SECTIONS.get(f"{request_type} {name}", 0) + 1
    if response is None or not os.environ.get("LOAD_TIMINGS"):
        return
    durations = dict(SERVER_TIMING.findall(response.headers.get("Server-Timing", "")))
    if "app" in durations and "talon" in durations:
        TIMINGS.setdefault(f"{request_type} {name}", []).append(
            [round(response_time, 1), float(durations["app"]), float(durations["talon"])])


@events.test_stop.add_listener
def _write_server_timing(**_kwargs) -> None:
    if os.environ.get("LOAD_TIMINGS"):
        with open(os.environ["LOAD_TIMINGS"], "w") as handle:
            json.dump(TIMINGS, handle)
    if os.environ.get("LOAD_SECTIONS"):
        with open(os.environ["LOAD_SECTIONS"], "w") as handle:
            json.dump(ERROR_SECTIONS, handle)


def form_fields(html: str, action: str) -> dict[str, str]:
    """The named inputs of the form that posts to `action` (enough for the return form)."""
    start = html.find(f'action="{action}"')
    if start < 0:
        return {}
    block = html[start:html.find("</form>", start)]
    fields = {}
    for tag in INPUT.findall(block):
        attrs = dict(ATTR.findall(tag))
        if "name" in attrs and attrs.get("type") not in ("checkbox", "radio", "submit"):
            fields[attrs["name"]] = attrs.get("value", "")
    for select_attrs, options in SELECT.findall(block):
        name = dict(ATTR.findall(select_attrs)).get("name")
        choices = [(dict(ATTR.findall(o)), o) for o in OPTION.findall(options)]
        chosen = next((a for a, raw in choices if "selected" in raw), choices[0][0] if choices else {})
        if name:
            fields[name] = chosen.get("value", "")
    return fields


class Agent(HttpUser):
    wait_time = between(*WAIT)

    def on_start(self) -> None:
        # A login made by bench/load.py before the run (logins are not what is measured).
        cookie, self.csrf = LOGINS.popleft()
        self.client.cookies.set(COOKIE, cookie)

    def sections(self, html: str) -> None:
        for url in dict.fromkeys(LAZY.findall(html)):
            name = re.sub(r"/(customers|sessions)/[^/]+", r"/\1/[id]", url.split("?")[0])
            self.client.get(url.replace("&amp;", "&"), headers={"HX-Request": "true"}, name=name)

    @task(3)
    def search_then_customer(self) -> None:
        # Two requests, as the browser makes them: the search answers 303 to the customer page.
        with self.client.get(f"/search?q={random.choice(PROFILES)}", name="/search",
                             allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 303:
                answer.failure(f"search: {answer.status_code}")
                return
            location = answer.headers["Location"]
        page = self.client.get(location, name="/customers/[id]")
        self.sections(page.text)

    @task(3)
    def customer_page(self) -> None:
        answer = self.client.get(f"/customers/{random.choice(PROFILES)}", name="/customers/[id]")
        self.sections(answer.text)

    @task(3)
    def session_page(self) -> None:
        answer = self.client.get(f"/sessions/{random.choice(SESSIONS)}", name="/sessions/[id]")
        self.sections(answer.text)

    @task(2)
    def dry_run_preview(self) -> None:
        session = random.choice(SESSIONS)
        path = f"/sessions/{session}/preview"
        page = self.client.get(path, name="/sessions/[id]/preview")
        fields = form_fields(page.text, path)
        if not fields:
            return
        fields["run"] = "1"
        with self.client.post(path, data=fields, headers={"HX-Request": "true", "X-CSRFToken": self.csrf},
                              name="/sessions/[id]/preview (dry run)", catch_response=True) as answer:
            if answer.status_code != 200 or "preview-result-heading" not in answer.text:
                answer.failure(f"preview: {answer.status_code}")

    @task(1)
    def return_an_item(self) -> None:
        if not RETURNABLE:
            return
        session = RETURNABLE.popleft()  # each session is returned from by one agent only
        path = f"/sessions/{session}/return"
        page = self.client.get(path, name="/sessions/[id]/return")
        fields = form_fields(page.text, path)
        quantity = next((name for name in fields if name.endswith("-quantity")), None)
        if quantity is None:
            return
        fields.update({quantity: "1", "reason": "Load test: customer brought it back", "action": "preview"})
        with self.client.post(path, data=fields, name="/sessions/[id]/return (preview)",
                              catch_response=True) as answer:
            if answer.status_code != 200 or "return-preview" not in answer.text:
                answer.failure(f"return preview: {answer.status_code}")
                return
        fields["action"] = "confirm"
        with self.client.post(path, data=fields, name="/sessions/[id]/return (confirm)",
                              allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 303:
                answer.failure(f"return confirm: {answer.status_code}")
