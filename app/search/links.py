"""Links to other areas' pages, only when those pages exist (areas land one by one) and the
user may use them. Registered as template globals by the search blueprint."""

from __future__ import annotations

from flask import current_app, url_for
from flask_login import current_user
from jinja2 import TemplateNotFound
from werkzeug.routing import BuildError

from ..permissions import can
from .lookups import Match


def endpoint_exists(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def may_use(endpoint: str) -> bool:
    """The endpoint exists and the user's role holds the permission its @require names."""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False
    permission = getattr(view, "required_permission", None)
    return permission is None or can(current_user, permission)


def link_to(endpoint: str, **values) -> str | None:
    """The URL of another area's page, or None while that area is not installed (or names its
    URL arguments differently), so a missing page never breaks ours."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        current_app.logger.warning("cannot build a link to %s with %s", endpoint, sorted(values))
        return None


def template_exists(name: str) -> bool:
    try:
        current_app.jinja_env.get_template(name)
    except TemplateNotFound:
        return False
    return True


def match_url(match: Match) -> str | None:
    """Where a search match leads; None when the page for that kind is not installed."""
    if match.kind == "customer":
        return url_for("customers.show", integration_id=match.identifier)
    if match.kind == "session":
        return url_for("sessions.show", session_id=match.identifier)
    if match.kind == "coupon":
        return link_to("coupons.show", code=match.identifier)
    if match.kind == "card" and match.program_id is not None:
        return link_to("loyalty.card", program_id=match.program_id, identifier=match.identifier)
    return None


TEMPLATE_GLOBALS = {
    "endpoint_exists": endpoint_exists,
    "may_use": may_use,
    "template_exists": template_exists,
    "link_to": link_to,
    "match_url": match_url,
}
