"""Panels an area adds to the home page (``/``), so the home page (the main area) shows what
another area has to say without importing it: the campaigns area adds its open suite
regressions for the marketers.

An area registers a function ``panel(user) -> Markup | None`` (Markup: the output of
render_template, already autoescaped, marked safe by the area) with each app its blueprint is
registered on (``bp.record_once(lambda state: add(state.app, panel))``); the home page renders
them in registration order. A panel answers None when it has nothing for this user (its
permission lacking, nothing to say), and decides its own permission check.
"""

from __future__ import annotations

from typing import Any, Callable

from flask import Flask, current_app
from markupsafe import Markup

EXTENSION_KEY = "talon_desk.home_panels"

Panel = Callable[[Any], "Markup | None"]


def add(app: Flask, panel: Panel) -> None:
    panels = app.extensions.setdefault(EXTENSION_KEY, [])
    if panel not in panels:
        panels.append(panel)


def render(user: Any) -> list[Markup]:
    """The panels for ``user`` that have something to show."""
    shown = []
    for panel in current_app.extensions.get(EXTENSION_KEY, []):
        html = panel(user)
        if html:
            shown.append(html)
    return shown
