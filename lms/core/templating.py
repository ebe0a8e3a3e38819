"""Template globals and filters shared by every page."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path

from babel.numbers import parse_pattern
from flask import Flask, current_app, g, request, url_for
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    get_locale,
    get_timezone,
    get_translations,
)

from .home import panels
from .i18n import LANGUAGE_NAMES, TIMEZONE_ABBREVIATIONS

STYLES = ("short", "medium", "long", "full")


def zone_name() -> str:
    return TIMEZONE_ABBREVIATIONS.get(str(get_timezone()), str(get_timezone()))


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """A UTC datetime in the viewer's zone and language, with WIB/WITA/WIT appended.

    A named style ("short" ... "full") sets the date's length; the time is always hours and
    minutes in the locale's one style (Indonesian "17.07", English "5:07 PM"): nobody needs the
    seconds. Any other `fmt` is a CLDR pattern used as is.
    """
    if value is None:
        return ""
    if fmt in STYLES:
        pattern = get_locale().datetime_formats[fmt]
        text = pattern.format(format_time(value, "short"), format_date(value, fmt))
    else:
        text = format_datetime(value, fmt)
    return f"{text} {zone_name()}"


def local_time(value: datetime | None, zone: bool = True) -> str:
    """Only the time (hours and minutes) in the viewer's zone, with the zone unless told not to
    (chat lines: the room's header names the zone once)."""
    if value is None:
        return ""
    text = format_time(value, "short")
    return f"{text} {zone_name()}" if zone else text


def local_date(value, fmt: str = "medium") -> str:
    """A date (or a datetime's date in the viewer's zone) in the viewer's language."""
    return format_date(value, fmt) if value is not None else ""


def number(value) -> str:
    """A number as the viewer's language writes it (Indonesian 1.234,5; English 1,234.5)."""
    return format_decimal(value) if value is not None else "–"


def decimal(value, digits: int = 1) -> str:
    """A number with exactly `digits` decimals in the viewer's language: "100,0"."""
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""))


def percent(share, digits: int = 1) -> str:
    """A share (0.118) as the viewer's language writes a percentage: "11,8 %" / "11.8%"."""
    if share is None:
        return "–"
    locale = get_locale()
    # Indonesian office style keeps a (non-breaking) space before the sign: "11,8 %".
    source = "#,##0\u00a0%" if locale.language == "id" else locale.percent_formats[None].pattern
    pattern = parse_pattern(source)
    pattern.frac_prec = (digits, digits)
    return pattern.apply(share, locale)


def percent_of(value, digits: int = 0) -> str:
    """A percentage already counted out of 100 (42 -> "42 %")."""
    return percent(value / 100 if value is not None else None, digits)


@cache
def _fingerprint(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


@cache
def _fixed_fingerprint(path: str) -> str:
    return _fingerprint(path, Path(path).stat().st_mtime)


def asset_url(filename: str) -> str:
    """URL of a static file with a content hash, so it can be cached for a year. Static files
    change only with a deployment (a restart), so only debug mode looks at them again."""
    path = Path(current_app.static_folder, filename)
    if current_app.debug:
        version = _fingerprint(str(path), path.stat().st_mtime)
    else:
        version = _fixed_fingerprint(str(path))
    return url_for("static", filename=filename, v=version)


def translations():
    """This request's translations, looked up once per locale: Flask-Babel's own lookup (three
    context look-ups and the locale's name built again) runs at every `_()` of a template, some
    twenty times a page. Kept beside Flask-Babel's locale, so `force_locale` is followed."""
    try:
        babel_context = g._flask_babel
        locale, found = babel_context.lms_translations
        if locale is babel_context.babel_locale:
            return found
    except (AttributeError, RuntimeError):  # not looked up yet; or outside an application context
        pass
    found = get_translations()
    babel_context = g.get("_flask_babel") if g else None
    if babel_context is not None and getattr(babel_context, "babel_locale", None) is not None:
        babel_context.lms_translations = (babel_context.babel_locale, found)
    return found


def register(app: Flask) -> None:
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(local_time, "time")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(number)
    app.add_template_filter(decimal)
    app.add_template_filter(percent)
    app.add_template_filter(percent_of)
    app.add_template_global(asset_url)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    app.add_template_global(panels)

    @app.after_request
    def cache_fingerprinted_assets(response):
        if request.endpoint == "static" and "v" in request.args and response.status_code == 200:
            response.cache_control.no_cache = None  # send_file sets it; it would force a revalidation
            response.cache_control.public = True
            response.cache_control.max_age = 31536000
            response.cache_control.immutable = True
        return response

    @app.context_processor
    def inject_globals():
        return {
            "current_locale": str(get_locale()),
            "language_names": LANGUAGE_NAMES,
        }
