"""The requests.Session the transport sends through, tuned for a JSON API client.

The session stays a plain ``requests.Session`` (tests and operators hook it, mount adapters on
it, set proxies or a CA bundle on it), but three per-call costs an API client never needs are
cut, which brings requests' overhead below the official SDK's urllib3 client:

- no cookies: Talon.One's API is stateless and keyed by the Authorization header, so Set-Cookie
  headers are not parsed into jars (twice per call in stock requests);
- no Session.request/Session.send: they merge cookie jars, environment settings and redirect
  options and read the body in chunks; we prepare the request ourselves (URL, headers, JSON
  body), send it through the session's adapter and pool, and run the session's response hooks;
- no environment lookups (trust_env off): .netrc could even replace our Authorization header.
"""

from __future__ import annotations

import json
from typing import Any, Mapping
from urllib.parse import urlencode

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar
from requests.hooks import dispatch_hook
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers


class NoCookieJar(RequestsCookieJar):
    """A cookie jar that never stores anything."""

    def extract_cookies(self, response, request) -> None:
        return None

    def set_cookie(self, cookie, *args, **kwargs) -> None:
        return None


class ApiAdapter(HTTPAdapter):
    """HTTPAdapter whose responses skip cookie parsing (see module doc)."""

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = getattr(resp, "status", None)
        response.headers = CaseInsensitiveDict(getattr(resp, "headers", {}))
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url.decode("utf-8") if isinstance(req.url, bytes) else req.url
        response.request = req
        response.connection = self
        return response


def new_http_session(
    pool_size: int, headers: Mapping[str, str], *, proxy: str = "", ca_bundle: str = ""
) -> requests.Session:
    http = requests.Session()
    http.trust_env = False
    if proxy:
        http.proxies = {"http": proxy, "https": proxy}
    if ca_bundle:
        http.verify = ca_bundle
    http.cookies = NoCookieJar()
    # Retries are the transport's (they depend on the method and the Idempotency-Key), so the
    # adapter does none. pool_block=False: a burst beyond the pool opens extra short-lived
    # connections instead of queueing.
    adapter = ApiAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    http.headers.update(headers)
    return http


def prepare(
    http: requests.Session,
    method: str,
    url: str,
    query: Mapping[str, Any] | None,
    body: Any,
    headers: Mapping[str, str],
) -> requests.PreparedRequest:
    """A PreparedRequest with the session's headers and hooks, without Session.request.

    ``url`` must already be percent-encoded (the operations quote each path segment) and the
    header values are ours (keys are checked for line breaks when settings are read), so
    requests' URL re-quoting and per-header validation are skipped.
    """
    prepared = requests.PreparedRequest()
    prepared.method = method
    if query:
        url = f"{url}?{urlencode(query, doseq=True)}"
    prepared.url = url
    merged = CaseInsensitiveDict(http.headers)
    merged.update(headers)
    if body is not None:
        data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode("utf-8")
        merged["Content-Type"] = "application/json"
        merged["Content-Length"] = str(len(data))
        prepared.body = data
    else:
        prepared.body = None
        if method not in ("GET", "HEAD"):
            merged["Content-Length"] = "0"
    prepared.headers = merged
    prepared.hooks = {"response": list(http.hooks.get("response", ()))}
    return prepared


def send(http: requests.Session, prepared: requests.PreparedRequest, timeout) -> requests.Response:
    """Send through the session's adapter, read the whole body at once, run the response hooks.

    Session.send would add proxy resolution from the environment, cookie extraction, redirect
    handling and a chunked body read (several layers per chunk); an API client needs none of
    them. The adapter still comes from the session (``http.get_adapter``, so mounted adapters
    apply), with the session's verify/cert/proxies, and the session's response hooks run on
    every response, as they would in Session.send. Errors while reading the body are raised as
    the requests exceptions the transport handles.
    """
    adapter = http.get_adapter(prepared.url)
    response = adapter.send(prepared, stream=True, timeout=timeout, verify=http.verify,
                            cert=http.cert, proxies=http.proxies)
    try:
        response._content = response.raw.read(decode_content=True) or b""
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.ReadTimeout(exc, request=prepared) from exc
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.HTTPError, OSError) as exc:
        raise requests.ConnectionError(exc, request=prepared) from exc
    finally:
        response.raw.release_conn()
    response._content_consumed = True
    return dispatch_hook("response", prepared.hooks, response)
