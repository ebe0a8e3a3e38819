"""Template globals and filters shared by every page."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path

from flask import Flask, current_app, request, url_for
from flask_babel import format_datetime, get_locale, get_timezone

from .home import panels
from .i18n import LANGUAGE_NAMES, TIMEZONE_ABBREVIATIONS


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """Format a UTC datetime in the viewer's zone, with WIB/WITA/WIT appended."""
    if value is None:
        return ""
    zone = TIMEZONE_ABBREVIATIONS.get(str(get_timezone()), str(get_timezone()))
    return f"{format_datetime(value, fmt)} {zone}"


@cache
def _fingerprint(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """URL of a static file with a content hash, so it can be cached for a year."""
    path = Path(current_app.static_folder, filename)
    return url_for("static", filename=filename, v=_fingerprint(str(path), path.stat().st_mtime))


def register(app: Flask) -> None:
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_global(asset_url)
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
