"""Language and time-zone selection for Flask-Babel.

The language is the user's saved choice, else the `lang` cookie of an anonymous visitor,
else Indonesian (we do not guess from Accept-Language: most phones here say English even when
their owners read Indonesian best). Times are stored in UTC and shown in the user's zone.
"""

from __future__ import annotations

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


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if request:
        cookie = request.cookies.get(LANG_COOKIE)
        if cookie in languages:
            return cookie
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.effective_timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
