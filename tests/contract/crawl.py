"""A crawl of the console as an admin: every page of app.url_map (with demo IDs), then every
link, htmx partial and form found on the pages themselves, each sent as a browser would (forms
with their default values and the CSRF token, htmx requests with HX-Request).

Answers from the stand-in upstream are random, so the IDs on a page are too: the crawl keeps at
most PER_ENDPOINT distinct requests per endpoint, which covers each page, partial and form
without following random IDs for ever.
"""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from tests.faults.catalog import DemoIds, all_routes, attributes
from tests.fuzz.forms import endpoint_of, forms_on, split_action

PER_ENDPOINT = 4
# Not crawled: the end of the crawler's own login, files, and a download (not a page).
NOT_CRAWLED = frozenset({"auth.logout", "static", "audit.export_csv"})
PAGE_QUERIES = {"search.search": {"q": "cust-0001"}, "search.suggest": {"q": "cust-000"}}
LINK = re.compile(r"<a\b[^>]*\shref=(?:\"[^\"]*\"|'[^']*')[^>]*>", re.S | re.I)
HX_GET = re.compile(r"<[^>]+\shx-get=[^>]*>", re.S | re.I)


@dataclass(frozen=True)
class Visit:
    method: str
    path: str
    query: tuple = ()
    form: tuple = ()
    htmx: bool = False
    found_on: str = ""

    @property
    def url(self) -> str:
        return self.path + ("?" + urlencode(self.query) if self.query else "")

    def key(self) -> tuple:
        return (self.method, self.path, self.query, self.form, self.htmx)


@dataclass
class Crawl:
    app: object
    client: object
    csrf: str
    per_endpoint: Counter = field(default_factory=Counter)
    seen: set = field(default_factory=set)
    visits: list = field(default_factory=list)

    def endpoint_of(self, method: str, path: str) -> str | None:
        return endpoint_of(self.app, method, path)

    def offer(self, visit: Visit) -> None:
        endpoint = self.endpoint_of(visit.method, visit.path)
        if endpoint is None or endpoint in NOT_CRAWLED or endpoint.endswith(".static"):
            return
        if visit.key() in self.seen or self.per_endpoint[(visit.method, endpoint)] >= PER_ENDPOINT:
            return
        self.seen.add(visit.key())
        self.per_endpoint[(visit.method, endpoint)] += 1
        self.visits.append(visit)

    def seed(self) -> None:
        ids = DemoIds()
        for route in all_routes():
            if route.method != "GET":
                continue
            path = ids.path(route)  # a variable without a demo value fails loudly
            query = tuple(PAGE_QUERIES.get(route.endpoint, {}).items())
            self.offer(Visit("GET", path, query, htmx="/sections/" in path, found_on="url_map"))

    def send(self, visit: Visit):
        headers = {"X-CSRFToken": self.csrf}
        if visit.htmx:
            headers["HX-Request"] = "true"
        if visit.method == "GET":
            return self.client.get(visit.path, query_string=dict(visit.query), headers=headers)
        data = dict(visit.form)
        data.setdefault("csrf_token", self.csrf)
        return self.client.open(visit.path, method=visit.method, query_string=dict(visit.query),
                                data=data, headers=headers)

    def discover(self, visit: Visit, body: str) -> None:
        here = visit.path
        for tag in LINK.findall(body):
            self._offer_url("GET", attributes(tag).get("href", ""), here, htmx=False)
        for tag in HX_GET.findall(body):
            self._offer_url("GET", attributes(tag).get("hx-get", ""), here, htmx=True)
        for spec in forms_on(here, body):
            path, query = split_action(spec.path)
            if not path.startswith("/") or path.startswith("//"):
                continue
            fields = {k: v for k, v in spec.fields.items() if k != "csrf_token"}
            if spec.method == "GET":
                self.offer(Visit("GET", path, tuple(sorted({**query, **fields}.items())),
                                 htmx=spec.htmx, found_on=here))
            else:
                self.offer(Visit(spec.method, path, tuple(sorted(query.items())),
                                 tuple(sorted(fields.items())), htmx=spec.htmx, found_on=here))

    def _offer_url(self, method: str, url: str, here: str, *, htmx: bool) -> None:
        url = html_lib.unescape(url)
        if not url.startswith("/") or url.startswith("//"):
            return
        parts = urlsplit(url)
        _, query = split_action(url)
        self.offer(Visit(method, parts.path, tuple(sorted(query.items())), htmx=htmx, found_on=here))
