"""Rendering's own work per page (issue 19: server time p50): what the templates did again and
again that can be done once, each with the output it must keep.

- each template's globals, a dict rather than Jinja's ChainMap (app.templating.DeskEnvironment):
  a render and an ``{% from %}`` import no longer read the 25 globals one by one in Python;
"""

from __future__ import annotations

from app.templating import DeskEnvironment


# -- template globals --------------------------------------------------------------------------

def test_templates_read_their_globals_from_a_dict_holding_every_global(app):
    assert isinstance(app.jinja_env, DeskEnvironment)
    template = app.jinja_env.get_template("base.html")
    assert type(template.globals) is dict  # Jinja's own is a ChainMap, 20-25 us a render or import
    assert template.globals == app.jinja_env.globals
    assert {"url_for", "csrf_token", "can", "nav_items", "bulk_notices"} <= template.globals.keys()


def test_a_templates_own_globals_stay_its_own(app):
    template = app.jinja_env.from_string("{{ greeting }} {{ url_for('main.home') }}",
                                         globals={"greeting": "hello"})
    with app.test_request_context("/"):
        assert template.render() == "hello /"
    assert "greeting" not in app.jinja_env.globals
    assert "greeting" not in app.jinja_env.get_template("base.html").globals


def test_an_imported_macro_sees_the_globals_and_renders_as_before(app):
    page = app.jinja_env.from_string('{% from "_macros.html" import state_badge %}{{ state_badge("open") }}')
    with app.test_request_context("/"):
        first, again = page.render(), page.render()
    assert first == again and "open" in first.lower()
