"""Template globals and filters shared by every page."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path

from babel.numbers import parse_pattern
from flask import Flask, current_app, g, render_template, request, session
from flask import url_for as flask_url_for
from flask.globals import request_ctx
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    get_locale,
    get_timezone,
    get_translations,
)
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup

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
def _fixed_fingerprint(folder: str, filename: str) -> str:
    path = Path(folder, filename)
    return _fingerprint(str(path), path.stat().st_mtime)


def asset_url(filename: str) -> str:
    """URL of a static file with a content hash, so it can be cached for a year. Static files
    change only with a deployment (a restart), so only debug mode looks at them again."""
    app = current_app
    if app.debug:
        path = Path(app.static_folder, filename)
        version = _fingerprint(str(path), path.stat().st_mtime)
    else:
        version = _fixed_fingerprint(app.static_folder, filename)
    return url_for("static", filename=filename, v=version)


# URLs built by templates, by endpoint, script root and values. Inside a request, a URL without
# scheme or host depends on nothing else (the application registers no url_defaults; with one,
# nothing is kept), and a page builds a dozen of them (menu, outline, cards) at some 5 µs each.
_built_urls: dict[tuple, str] = {}
BUILT_URLS_KEPT = 20_000


def url_for(endpoint: str, /, **values) -> str:
    """`flask.url_for`, remembered for the plain case: in a request, and only str and int values
    (no `_external`, `_anchor`... which are bools and None; True would also share 1's key)."""
    try:
        context = request_ctx._get_current_object()
    except RuntimeError:  # outside a request: URLs are external there
        return flask_url_for(endpoint, **values)
    if context.app.url_default_functions:
        return flask_url_for(endpoint, **values)
    if endpoint[:1] == ".":
        blueprint = context.request.blueprint
        endpoint = f"{blueprint}{endpoint}" if blueprint is not None else endpoint[1:]
    for value in values.values():
        if type(value) is not str and type(value) is not int:
            return flask_url_for(endpoint, **values)
    key = (endpoint, context.url_adapter.script_name, *values.items())
    url = _built_urls.get(key)
    if url is None:
        url = flask_url_for(endpoint, **values)
        if len(_built_urls) < BUILT_URLS_KEPT:
            _built_urls[key] = url
    return url


# Partials rendered once per key (kept_partial): the language and the URL root are part of it.
_kept_partials: dict[tuple, Markup] = {}
KEPT_PARTIALS = 1_000


def kept_partial(name: str, /, *key) -> Markup:
    """The partial template `name`, rendered once per `key` in this process and kept, for markup
    that depends on nothing but the key, the language and the URL root: the main menu of a set of
    roles costs some twenty template calls (texts, URLs, role checks) on every page otherwise.
    Sets in the key count as frozen sets. Debug mode renders every time (templates change)."""
    full = (
        name,
        str(get_locale()),
        request.script_root,
        *(frozenset(k) if isinstance(k, set) else k for k in key),
    )
    html = _kept_partials.get(full)
    if html is None:
        html = Markup(render_template(name))  # noqa: S704 - a template of ours, escaped by Jinja
        if not current_app.debug and len(_kept_partials) < KEPT_PARTIALS:
            _kept_partials[full] = html
    return html


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


# Signed CSRF tokens by session token and key. Signing (a JSON dump, a timestamp, two HMACs) cost
# some 85 us of every page with a form (the menu's logout button); with WTF_CSRF_TIME_LIMIT None
# the timestamp is never checked, so a token signed once is as valid as one signed now.
_signed_csrf: dict[tuple[str, str], str] = {}
SIGNED_CSRF_KEPT = 10_000


def csrf_token() -> str:
    """Flask-WTF's `generate_csrf()` for templates, the signed token kept per session token (and
    left in `g`, where Flask-WTF's forms of the same request find it). With a time limit or a
    field name of its own, Flask-WTF signs every time."""
    signed = g.get("csrf_token")
    if signed is not None:
        return signed
    config = current_app.config
    signs_each_time = config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None  # Flask-WTF's defaults
    if signs_each_time or config.get("WTF_CSRF_FIELD_NAME", "csrf_token") != "csrf_token":
        return generate_csrf()
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    raw = session.get("csrf_token")
    signed = None if raw is None else _signed_csrf.get((raw, secret))
    if signed is None:
        signed = generate_csrf()  # and gives a session without a raw token (new, or just logged in) one
        if len(_signed_csrf) >= SIGNED_CSRF_KEPT:
            _signed_csrf.clear()
        _signed_csrf[session["csrf_token"], secret] = signed
    g.csrf_token = signed
    return signed


@pass_context
def template_gettext(context, string: str, /, **variables) -> str:
    """`_()` and `gettext()` of templates: Jinja's newstyle gettext in one call instead of three
    (its `_` looks `gettext` up, which calls the translation function, each through the context),
    and no formatting of a text that has nothing to format."""
    text = translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - our own catalogue, trusted as Jinja's gettext trusts it
    return text % variables if variables or "%" in text else text


@pass_context
def template_ngettext(context, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - our own catalogue, trusted as Jinja's gettext trusts it
    return text % variables


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
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
    app.add_template_global(url_for)
    app.add_template_global(kept_partial)
    app.add_template_global(panels)

    @app.after_request
    def cache_fingerprinted_assets(response):
        if request.endpoint == "static" and "v" in request.args and response.status_code == 200:
            response.cache_control.no_cache = None  # send_file sets it; it would force a revalidation
            response.cache_control.public = True
            response.cache_control.max_age = 31536000
            response.cache_control.immutable = True
        return response

    @app.context_processor  # registered after Flask-WTF's: its csrf_token gives way to ours
    def inject_globals():
        return {
            "current_locale": str(get_locale()),
            "language_names": LANGUAGE_NAMES,
            "csrf_token": csrf_token,
        }
