"""Language and time-zone selection for Flask-Babel.

The language is the user's saved choice, else the `lang` cookie of an anonymous visitor,
else Indonesian (we do not guess from Accept-Language: most phones here say English even when
their owners read Indonesian best). Times are stored in UTC and shown in the user's zone.
"""

from __future__ import annotations

from functools import cache

from babel import Locale
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

LANG_COOKIE = "lang"

TIMEZONES = {
    "Asia/Jakarta": _l("WIB (Waktu Indonesia Barat)"),
    "Asia/Makassar": _l("WITA (Waktu Indonesia Tengah)"),
    "Asia/Jayapura": _l("WIT (Waktu Indonesia Timur)"),
}
TIMEZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}

LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def select_locale() -> Locale:
    """The request's language, as Babel's `Locale` (parsed once per language: Flask-Babel would
    parse the code again at every request)."""
    languages = current_app.config["LANGUAGES"]
    user = current_user._get_current_object()  # None outside a request
    if user is not None and user.is_authenticated and user.locale in languages:
        return _locale(user.locale)
    if request:
        cookie = request.cookies.get(LANG_COOKIE)
        if cookie in languages:
            return _locale(cookie)
    return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    user = current_user._get_current_object()
    if user is not None and user.is_authenticated:
        return user.effective_timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
