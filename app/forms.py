"""The console's form base: Flask-WTF's FlaskForm with WTForms' own messages ("This field is
required.", "Not a valid integer value.") translated into the console's LOCALE, as Flask-WTF
does, but the catalogue read from disk once per locale, not once per request.

Flask-WTF's translations (WTF_I18N_ENABLED, on by default) load WTForms' message catalogue with
Babel for every request that builds a form: about 0.6 ms of a page's 10 (issue 19). The console
has one locale (LOCALE, Flask-Babel's default locale; there is no per-user locale selector), so
the catalogue is the same for every request. WTForms' Meta.get_translations is the documented
place to give a form its translations ("Override in subclasses to provide alternate
translations factory", wtforms/meta.py; the i18n page of WTForms' documentation).

For the long tables (a cart's lines, a return's lines: several inputs per row), the inputs are
WTForms' own widgets with a quicker ``html_params``, the attribute writer WTForms' Input widgets
take as a class attribute (``Input.html_params``) so that a subclass can give its own. WTForms'
writes each attribute through ``Markup.format`` (string.Formatter, in Python): about 65 us for an
input's five attributes, 26 us here, the same text (tests/web/test_request_work.py).
"""

from __future__ import annotations

from functools import lru_cache

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


class TextInput(widgets.TextInput):
    html_params = staticmethod(html_params)


class NumberInput(widgets.NumberInput):
    html_params = staticmethod(html_params)


class HiddenInput(widgets.HiddenInput):
    html_params = staticmethod(html_params)


class CheckboxInput(widgets.CheckboxInput):
    html_params = staticmethod(html_params)
