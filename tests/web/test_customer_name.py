"""The name staff see for a customer comes from the attribute CUSTOMER_NAME_ATTRIBUTE names, the
same one the search asks by name, on every page that shows it (issue 16)."""

from __future__ import annotations

from tests.web.test_sessions_support import agent, app_config, upstream  # noqa: F401  (fixtures)
from tests.web.test_sessions_support import text


def heading(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index("<h1"):html.index("</h1>")]

PROFILE = "cust-fullname-1"


def profile_named(app, **attributes) -> None:
    from app.talon import talon

    with app.app_context():
        talon.integration.update_customer_profile(PROFILE, attributes=attributes)


def test_pages_name_the_customer_by_the_configured_attribute(agent, app, monkeypatch):
    monkeypatch.setitem(app.config, "CUSTOMER_NAME_ATTRIBUTE", "FullName")
    profile_named(app, FullName="Grace Hopper", Name="Not This One")
    title = heading(agent.get(f"/customers/{PROFILE}"))
    assert "Grace Hopper" in title and "Not This One" not in title
    found = agent.get("/search", query_string={"q": "Grace Hopper"})
    assert found.status_code in (200, 303)
    # one match opens the customer page; several list the customer under that name
    landing = heading(agent.get(found.headers["Location"])) if found.status_code == 303 else text(found)
    assert "Grace Hopper" in landing and "Not This One" not in landing


def test_without_the_attribute_the_integration_id_stands_in(agent, app, monkeypatch):
    monkeypatch.setitem(app.config, "CUSTOMER_NAME_ATTRIBUTE", "FullName")
    profile_named(app, Name="Only The Default")
    title = heading(agent.get(f"/customers/{PROFILE}"))
    assert "Only The Default" not in title and PROFILE in title


def test_the_default_attribute_is_name(agent, app):
    profile_named(app, Name="Ada Lovelace")
    assert "Ada Lovelace" in heading(agent.get(f"/customers/{PROFILE}"))
