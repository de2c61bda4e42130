"""The requests.Session the transport sends through, set up for a JSON API client.

A plain ``requests.Session`` used as requests means it to be (tests and operators hook it, mount
adapters on it, set proxies or a CA bundle on it), with what an API client never needs turned
off through requests' own settings:

- no cookies: Talon.One's API is stateless and keyed by the Authorization header, so the jar's
  policy refuses every cookie (none is kept, none is sent back);
- no environment lookups (trust_env off): .netrc could even replace our Authorization header;
- no redirects followed, no retries in the adapter (the transport's rules decide what is sent
  again: client.py);
- JSON bodies sent compact (no spaces after separators; NaN refused), as the SDKs send them.
"""

from __future__ import annotations

import json
from http.cookiejar import DefaultCookiePolicy
from typing import Any, Mapping

import requests
from requests.adapters import HTTPAdapter


def new_http_session(
    pool_size: int, headers: Mapping[str, str], *, proxy: str = "", ca_bundle: str = ""
) -> requests.Session:
    http = requests.Session()
    http.trust_env = False
    if proxy:
        http.proxies = {"http": proxy, "https": proxy}
    if ca_bundle:
        http.verify = ca_bundle
    http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=()))
    # Retries are the transport's (they depend on the method and the Idempotency-Key), so the
    # adapter does none. pool_block=False: a burst beyond the pool opens extra short-lived
    # connections instead of queueing.
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    http.headers.update(headers)
    return http


def send(
    http: requests.Session,
    method: str,
    url: str,
    query: Mapping[str, Any] | None,
    body: Any,
    headers: Mapping[str, str],
    timeout,
) -> requests.Response:
    """One request through the session (its adapters, hooks, proxies and CA bundle), the whole
    answer read. ``body`` is sent as compact JSON."""
    data = None
    if body is not None:
        data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode("utf-8")
        headers = {**headers, "Content-Type": "application/json"}
    return http.request(method, url, params=query, data=data, headers=headers, timeout=timeout,
                        allow_redirects=False)
