"""The console's form base: Flask-WTF's FlaskForm with WTForms' own messages ("This field is
required.", "Not a valid integer value.") translated into the console's LOCALE, as Flask-WTF
does, but the catalogue read from disk once per locale, not once per request.

Flask-WTF's translations (WTF_I18N_ENABLED, on by default) load WTForms' message catalogue with
Babel for every request that builds a form: about 0.6 ms of a page's 10 (issue 19). The console
has one locale (LOCALE, Flask-Babel's default locale; there is no per-user locale selector), so
the catalogue is the same for every request. WTForms' Meta.get_translations is the documented
place to give a form its translations ("Override in subclasses to provide alternate
translations factory", wtforms/meta.py; the i18n page of WTForms' documentation).

Every input of every console form (text, hidden, the CSRF token, checkbox, radio, date, number,
password, file, submit) is WTForms' own widget with a quicker ``html_params``, the attribute writer
WTForms' Input widgets take as a class attribute (``Input.html_params``) so that a subclass can
give its own. WTForms' writes each attribute through ``Markup.format`` (string.Formatter, in
Python): about 65 us for an input's five attributes, 26 us here, the same text
(tests/web/test_request_work.py, tests/web/test_render_work.py). The form's Meta.bind_field
(WTForms' hook for "how fields are bound") gives each field the quick twin of the input widget it
would have had; a page's forms render 8-21 fields (issue 19). A select's options are written the
same quicker way (``Select.render_option``, the method WTForms documents for overriding); its own
``<select>`` tag, and text areas, are written with WTForms' module function, which no class
attribute replaces: they stay as they are.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.i18n import messages_path


@lru_cache(maxsize=8)
def wtforms_translations(locale: str) -> support.Translations:
    """WTForms' catalogue for ``locale``, as Flask-WTF loads it (flask_wtf/i18n.py), kept."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class ConsoleForm(FlaskForm):
    """Every form of the console derives from this one (tests/web/test_request_cost.py)."""

    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return wtforms_translations(str(get_locale()))

        def bind_field(self, form, unbound_field, options):
            twins = quick_twins(unbound_field)
            return super().bind_field(form, unbound_field, {**options, **twins} if twins else options)


def html_params(**kwargs) -> Markup:
    """wtforms.widgets.html_params, the same output (sorted by key, ``class_`` → ``class``,
    ``data_``/``aria_`` underscores → hyphens, True: the bare name, False: left out, every value
    escaped), without a Markup.format per attribute."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = key.rstrip("_")
        if key.startswith(("data_", "aria_")):
            key = key.replace("_", "-")
        if value is True:
            params.append(escape(key))
        elif value is not False:
            params.append(f'{escape(key)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))  # every name and value went through escape


@lru_cache(maxsize=None)
def quick_input(stock: type) -> type:
    """WTForms' input widget class ``stock`` with the quicker html_params."""
    return type(stock.__name__, (stock,), {"__module__": __name__, "html_params": staticmethod(html_params)})


TextInput, NumberInput = quick_input(widgets.TextInput), quick_input(widgets.NumberInput)
HiddenInput, CheckboxInput = quick_input(widgets.HiddenInput), quick_input(widgets.CheckboxInput)


class Select(widgets.Select):
    """WTForms' select, each option written with the quicker html_params: WTForms' own
    render_option with that one writer changed (a select of 10 options: 283 -> 212 us)."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        options = {"value": value, **(choice.render_kw or {}), **kwargs}
        if choice.selected:
            options["selected"] = True
        label = escape(choice.label or choice.value)
        return Markup(f"<option {html_params(**options)}>{label}</option>")  # html_params escaped all


def quick_twin(widget: Any) -> Any:
    """The quick twin of WTForms' select, or of a WTForms input widget that writes its
    attributes with WTForms' own html_params; None for any other widget."""
    stock = type(widget)
    if stock is widgets.Select:
        quick = Select
    elif isinstance(widget, widgets.Input) and stock.html_params is widgets.Input.html_params:
        quick = quick_input(stock)
    else:
        return None
    return _twin(widget, quick)


@lru_cache(maxsize=1024)  # an unbound field is made once, with its form class (compared by identity)
def quick_twins(unbound_field: Any) -> dict[str, Any]:
    """The widget and option widget (a radio or checkbox list's) the field gets instead of those
    it declares: their quick twins, where they have one."""
    twins = {}
    for name in ("widget", "option_widget"):
        twin = quick_twin(unbound_field.kwargs.get(name, getattr(unbound_field.field_class, name, None)))
        if twin is not None:
            twins[name] = twin
    return twins


@lru_cache(maxsize=512)  # widgets compare by identity; each is made once, with its field or form class
def _twin(widget: Any, quick: type) -> Any:
    twin = object.__new__(quick)
    twin.__dict__.update(vars(widget))  # set up as the widget is: its input type, step, multiple...
    return twin
