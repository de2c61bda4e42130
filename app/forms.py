"""The console's form base: Flask-WTF's FlaskForm with WTForms' own messages ("This field is
required.", "Not a valid integer value.") translated into the console's LOCALE, as Flask-WTF
does, but the catalogue read from disk once per locale, not once per request.

Flask-WTF's translations (WTF_I18N_ENABLED, on by default) load WTForms' message catalogue with
Babel for every request that builds a form: about 0.6 ms of a page's 10 (issue 19). The console
has one locale (LOCALE, Flask-Babel's default locale; there is no per-user locale selector), so
the catalogue is the same for every request. WTForms' Meta.get_translations is the documented
place to give a form its translations ("Override in subclasses to provide alternate
translations factory", wtforms/meta.py; the i18n page of WTForms' documentation).
"""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
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
