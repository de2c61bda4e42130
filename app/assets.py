"""Static files that browsers keep: versioned URLs and far-future caching.

Every ``url_for('static', filename=...)`` (and a blueprint's ``url_for('<bp>.static', ...)``)
gets ``?v=<first 10 hex digits of the file's SHA-256>``. The hash is computed once per file per
app (per process), not per request; in debug mode it is recomputed when the file's mtime changes,
so edits show up without a restart. A changed file therefore has a new URL, and the browser
fetches it anew.

Caching: a static answer whose ``v`` is the file's current version is cached for a year and
marked ``immutable`` (no revalidation on navigation). A static URL without ``v`` (or with a stale
one) is served with ``no-cache``, so an unversioned link can never pin an old file for a year.
Pages keep ``Cache-Control: no-store`` (app.security); static files never get it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.security import safe_join

from .security import is_static

ONE_YEAR = 31536000
VERSION_ARG = "v"
VERSION_LENGTH = 10
_EXTENSION = "talon_desk_assets"


class StaticVersions:
    """``{absolute path: (mtime or None, version)}`` for one app."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._versions: dict[str, tuple[float | None, str | None]] = {}
        self._by_name: dict[tuple[str, str], str | None] = {}
        self._lock = threading.Lock()

    def folder(self, endpoint: str) -> str | None:
        if endpoint == "static":
            return self.app.static_folder
        blueprint = self.app.blueprints.get(endpoint.rsplit(".", 1)[0])
        return blueprint.static_folder if blueprint is not None else None

    def version_for_url(self, endpoint: str, filename: str) -> str | None:
        """``version``, for the URLs the templates build: outside debug mode it is held by
        (endpoint, filename), as every page builds the same six static URLs, and resolving the
        folder and joining the path for each cost about 0.3 ms a page (issue 19). Only names in
        templates come here (url_for), not the names requests ask for (cache_static), so what
        it holds stays as small as the templates' list of files."""
        if self.app.debug:
            return self.version(endpoint, filename)
        key = (endpoint, filename)
        try:
            return self._by_name[key]
        except KeyError:
            version = self._by_name[key] = self.version(endpoint, filename)
            return version

    def version(self, endpoint: str, filename: str) -> str | None:
        """The file's short content hash; None when it does not exist."""
        folder = self.folder(endpoint)
        path = safe_join(folder, filename) if folder else None
        if path is None:
            return None
        reload = self.app.debug
        cached = self._versions.get(path)
        if cached is not None and not reload:
            return cached[1]
        try:
            mtime = os.stat(path).st_mtime if reload else None
        except OSError:
            mtime = None
        if cached is not None and cached[0] == mtime:
            return cached[1]
        version = _hash(path)
        with self._lock:
            self._versions[path] = (mtime, version)
        return version


def _hash(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(65536), b""):
                digest.update(chunk)
    except OSError:  # a directory, a missing or unreadable file: no version
        return None
    return digest.hexdigest()[:VERSION_LENGTH]


def versions() -> StaticVersions:
    return current_app.extensions[_EXTENSION]


def add_version(endpoint: str, values: dict[str, Any]) -> None:
    """url_defaults hook: version every static URL built with url_for."""
    if not is_static(endpoint) or VERSION_ARG in values or "filename" not in values:
        return
    version = versions().version_for_url(endpoint, values["filename"])
    if version is not None:
        values[VERSION_ARG] = version


def cache_static(response: Response) -> Response:
    """Far-future caching only for a URL that names the file's current version."""
    if not is_static(request.endpoint) or response.status_code not in (200, 206, 304):
        return response
    filename = (request.view_args or {}).get("filename")
    wanted = request.args.get(VERSION_ARG)
    current = versions().version(request.endpoint, filename) if filename else None
    if wanted is not None and current is not None and wanted == current:
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    else:
        response.cache_control.max_age = 0
        response.cache_control.no_cache = True
        response.cache_control.immutable = False
    return response


def init_assets(app: Flask) -> None:
    app.extensions[_EXTENSION] = StaticVersions(app)
    app.url_defaults(add_version)
    app.after_request(cache_static)
