"""Rendering's own work per page (issue 19: server time p50): what the templates did again and
again that can be done once, each with the output it must keep.

- each template's globals, a dict rather than Jinja's ChainMap (app.templating.DeskEnvironment):
  a render and an ``{% from %}`` import no longer read the 25 globals one by one in Python;
- amounts and points (app.talon.effects), each distinct text written by Babel once per process,
  the same text as Babel's own;
- every input of every console form and every select's options, WTForms' own widget with the quicker
  html_params (app.forms), the same HTML as WTForms' stock widget;
- times (app.formatting.time), Babel's format_datetime called with Flask-Babel's locale and zone
  directly rather than through Flask-Babel's wrapper, the same text;
- the page frame's fixed links (static files, the header's pages), url_for's URLs built once per
  process and script root (app.navigation.fixed_url), anew in debug mode.
"""

from __future__ import annotations

import decimal
import re
from datetime import datetime, timezone

import pytest
from babel import Locale
from babel.numbers import format_currency, format_decimal
from flask_babel import force_locale
from flask_babel import format_datetime as flask_babel_datetime
from markupsafe import escape

from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice, widgets

from app.talon import effects
from app.talon.models import parse_time
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


# -- amounts and points ------------------------------------------------------------------------

def babel_text(write, number, *args, **kwargs) -> str:
    """What effects wrote before it kept its texts: Babel's, in 400 digits, a letter symbol
    kept apart from the digits by a no-break space."""
    with decimal.localcontext(prec=400):
        return re.sub(r"([^\W\d_])(\d)", "\\1\u00a0\\2", write(number, *args, **kwargs))


@pytest.mark.parametrize("locale", ["en", "de_DE", Locale.parse("de_CH")])
@pytest.mark.parametrize("value", [12.97, -8, 0.0, -0.0, 1234567.891, "3.5", 1e300, 0.005])
def test_amounts_and_points_are_babels_text(value, locale):
    number = float(value)
    for currency in ("CHF", "EUR", "JPY"):
        assert effects.money(value, currency, locale=locale) == babel_text(format_currency, number, currency,
                                                                           locale=locale)
    assert effects.points(value, locale) == babel_text(format_decimal, number, format="#,##0.##", locale=locale)


def test_a_negative_zero_is_not_taken_for_zero():
    assert (effects.money(0.0, "EUR"), effects.money(-0.0, "EUR")) == ("€0.00", "-€0.00")
    assert (effects.points(0.0), effects.points(-0.0)) == ("0", "-0")


def test_an_amount_shown_again_is_not_written_again():
    effects._currency_text.cache_clear()
    effects._points_text.cache_clear()
    texts = {effects.money(12.97, "EUR", sign=sign, locale="en") for sign in ("", "-", "+", "")}
    assert texts == {"€12.97", "-€12.97", "+€12.97"}
    assert [effects.points(1200, "en") for _ in range(3)] == ["1,200"] * 3
    # Babel wrote 12.97 and -12.97 once each ("+" is the same text as ""), and 1200 once
    assert effects._currency_text.cache_info()[:2] == (2, 2)  # (hits, misses)
    assert effects._points_text.cache_info()[:2] == (2, 1)


# -- every console form's inputs ---------------------------------------------------------------

def console_forms() -> list[type]:
    from flask_wtf import FlaskForm

    from tests.web.test_request_work import all_subclasses

    return sorted((cls for cls in all_subclasses(FlaskForm) if cls.__module__.startswith("app.")),
                  key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def stock_binding(form, unbound_field, options):
    """WTForms' own Meta.bind_field (DefaultMeta's): each field with the widgets it declares."""
    return unbound_field.bind(form=form, **options)


def every_field(form):
    for field in form:
        if hasattr(field, "entries"):  # a FieldList
            for entry in field.entries:
                yield from every_field(entry.form if hasattr(entry, "form") else [entry])
        elif hasattr(field, "form"):  # a FormField
            yield from every_field(field.form)
        else:
            yield field


def test_every_input_of_every_console_form_is_the_html_wtforms_writes(app):
    from app.forms import html_params

    data = MultiDict({"name": 'say "hi" <b>', "quantity": "x", "reason": "é & ü", "email": "a@b"})
    rendered, quick = 0, set()
    for form_class in console_forms():
        with app.test_request_context("/", method="POST", data=data):
            try:
                forms = [form_class(), form_class(meta={"bind_field": stock_binding})]
            except TypeError:  # takes arguments (a profile's ID...): its area's tests render it
                continue
            for form in forms:
                form.validate()
            for field, as_before in zip(every_field(forms[0]), every_field(forms[1]), strict=True):
                as_before.data, as_before.raw_data = field.data, field.raw_data  # a default made anew (a token)
                for options in ({}, {"aria-describedby": "x-errors", "class_": "wide", "required": True}):
                    assert field(**options) == as_before(**options), (form_class.__name__, field.name)
                rendered += 1
                if getattr(field.widget, "html_params", None) is html_params:
                    quick.add(type(field.widget).__name__)
    assert rendered > 150, rendered
    assert {"TextInput", "HiddenInput", "CheckboxInput", "PasswordInput", "DateInput"} <= quick, quick


@pytest.mark.parametrize("choices", [
    [SelectChoice("a", "A"), SelectChoice("b", 'B "quoted" <b>', render_kw={"data_code": "<b>"}),
     SelectChoice("", "None of them"), SelectChoice(True, "yes"), SelectChoice(3)],
    [SelectChoice("run", "Running", optgroup="Shoes & more"), SelectChoice("trail", "Trail <x>", optgroup="Shoes & more"),
     SelectChoice("x", "", optgroup="Other")],
    [],
])
@pytest.mark.parametrize("multiple", [False, True])
def test_a_selects_options_are_the_html_wtforms_writes(app, choices, multiple):
    from wtforms import SelectField, SelectMultipleField

    from app.forms import ConsoleForm

    class Form(ConsoleForm):
        pick = (SelectMultipleField if multiple else SelectField)("Pick", choices=choices, coerce=str,
                                                                   render_kw={"data_row": "1"})

    data = MultiDict([("pick", "b"), ("pick", "run"), ("pick", "True")])
    with app.test_request_context("/", method="POST", data=data):
        form, as_before = Form(meta={"csrf": False}), Form(meta={"csrf": False, "bind_field": stock_binding})
        assert type(form.pick.widget).__module__ == "app.forms"
        assert type(as_before.pick.widget).__module__.startswith("wtforms.")
        for options in ({}, {"aria-describedby": "x-hint", "class_": "wide", "required": True}):
            assert form.pick(**options) == as_before.pick(**options)


def test_widgets_other_than_wtforms_own_inputs_and_select_are_left_as_they_are():
    from app.forms import TextInput, quick_twin

    assert quick_twin(widgets.TextArea()) is None and quick_twin(widgets.ListWidget()) is None
    assert quick_twin(TextInput()) is None  # already the quick one
    stock_input = widgets.NumberInput(step="any", min=0)
    twin = quick_twin(stock_input)
    assert twin is quick_twin(stock_input) and isinstance(twin, widgets.NumberInput)
    assert (twin.step, twin.min, twin.input_type) == ("any", 0, "number")


# -- the frame's fixed links -------------------------------------------------------------------

def count_url_for(monkeypatch) -> list[str]:
    from app import navigation

    built = []
    real = navigation.url_for

    def url_for(endpoint, **values):
        built.append(endpoint)
        return real(endpoint, **values)

    monkeypatch.setattr(navigation, "url_for", url_for)
    return built


def test_the_frames_links_are_url_fors_built_once(app, login_as, monkeypatch):
    from flask import url_for

    from app.navigation import fixed_url

    agent = login_as("agent")
    versions = app.extensions["talon_desk_assets"]  # every url_for of a static file asks it
    real_version = versions.version_for_url
    asked = []
    monkeypatch.setattr(versions, "version_for_url", lambda e, f: asked.append(f) or real_version(e, f))
    built = count_url_for(monkeypatch)
    first = agent.get("/").get_data(as_text=True)
    asked.clear(), built.clear()
    assert agent.get("/").get_data(as_text=True) == first
    assert asked == [] and built == []  # the 7 static files and 9 pages of the frame: held
    with app.test_request_context("/"):
        for endpoint, values in [("static", {"filename": "app.css"}), ("search.static", {"filename": "search.js"}),
                                 ("main.home", {}), ("auth.logout", {}), ("coupons.index", {})]:
            assert fixed_url(endpoint, **values) == url_for(endpoint, **values)
            assert f'"{url_for(endpoint, **values)}"' in first
    with app.test_request_context("/", base_url="http://localhost/desk/"):
        assert fixed_url("static", filename="app.css") == url_for("static", filename="app.css")
        assert fixed_url("static", filename="app.css").startswith("/desk/static/app.css?v=")


def test_in_debug_mode_the_frames_links_are_built_every_time(app, monkeypatch):
    from app.navigation import fixed_url

    built = count_url_for(monkeypatch)
    app.debug = True
    try:
        with app.test_request_context("/"):
            urls = {fixed_url("static", filename="app.css") for _ in range(3)}
    finally:
        app.debug = False
    assert len(urls) == 1 and built == ["static"] * 3


# -- times -------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["en", "de_DE", "ja"])
@pytest.mark.parametrize("value", [datetime(2026, 3, 2, 10, 5, 7, tzinfo=timezone.utc), datetime(2026, 7, 1, 23, 59),
                                   "2026-12-07T12:10:00.123456Z", "2026-06-30T22:00:00+02:00"])
def test_times_are_flask_babels_text(app, locale, value):
    from app import formatting

    when = value if isinstance(value, datetime) else parse_time(value)
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    with app.test_request_context("/"), force_locale(locale):
        for seconds, pattern in ((False, formatting.TIME_FORMAT), (True, formatting.TIME_FORMAT_SECONDS)):
            text = str(formatting.time(value, seconds=seconds))
            assert f">{escape(flask_babel_datetime(when, pattern))}</time>" in text, text
