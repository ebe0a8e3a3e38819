"""The service worker, the web app manifest, the offline shell page and the low-data setting.

Every HTML page of a signed-in user carries `X-Offline-User` (the user's opaque key): the service
worker keeps the pages it saves in caches named after it, so another user of the same phone never
gets them. Logging out answers the next page with `X-Offline-Clear`, and the worker deletes that
user's caches even if the page's own script never ran.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from flask import Response, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, user_logged_out

from ..core.home import register_panel
from ..core.templating import asset_url
from ..extensions import db
from . import bp, lowdata, preferences
from .downloads import SHELL_ASSETS
from .keys import user_key


@cache
def _worker_source(path: str, mtime: float) -> str:
    return Path(path).read_text(encoding="utf-8")


@bp.get("/sw.js")
def service_worker():
    """static/sw.js at the root (scope "/"), told which versioned files to keep; never cached stale."""
    path = Path(current_app.static_folder, "sw.js")
    assets = [asset_url(name) for name in SHELL_ASSETS]
    version = hashlib.sha256((json.dumps(assets) + _worker_source(str(path), path.stat().st_mtime)).encode())
    prelude = (
        f"var VERSION = {json.dumps(version.hexdigest()[:12])};\n"
        f"var ASSETS = {json.dumps(assets)};\n"
        f"var SHELL = {json.dumps(url_for('.shell'))};\n"
    )
    response = Response(prelude + _worker_source(str(path), path.stat().st_mtime), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    # The browser checks for a new worker at every navigation; it must never get an old copy.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    name = current_app.config["SITE_NAME"]
    data = {
        "name": name,
        "short_name": current_app.config.get("SITE_SHORT_NAME", "Belajar ASN"),
        "description": _("Belajar untuk ASN: kursus, kuis, dan webinar, juga saat sinyal hilang."),
        "lang": "id",
        "dir": "ltr",
        "start_url": url_for("core.home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5cad",
        "icons": [
            {
                "src": asset_url(f"icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any maskable",
            }
            for size in (192, 512)
        ],
    }
    response = Response(json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json")
    response.cache_control.max_age = 86400
    return response


@bp.get("/offline")
def shell():
    """What opens when a page was never saved on the device: the downloaded courses, from the device."""
    return render_template("offline/shell.html")


# ---------------------------------------------------------------- per-user caches


@bp.after_app_request
def offline_headers(response):
    if response.status_code >= 500:
        return response  # an error page (the database may be down): nothing to name or clear
    if request.endpoint == "accounts.logout":
        # The view has just cleared the session: the next page tells the worker whose caches to drop.
        if g.get("offline_cleared"):
            session["offline_clear"] = g.pop("offline_cleared")
        return response
    if response.mimetype == "text/html":
        user = current_user._get_current_object()  # one look-up through the proxy, not two
        if user.is_authenticated:
            response.headers["X-Offline-User"] = user_key(user)
        if "offline_clear" in session:
            response.headers["X-Offline-Clear"] = session.pop("offline_clear")
    return response


def _on_logout(sender, user, **extra):
    g.offline_cleared = user_key(user)


user_logged_out.connect(_on_logout)


@bp.app_context_processor
def offline_globals():
    user = current_user._get_current_object()
    return {
        "offline_user": user_key(user) if user.is_authenticated else "",
        "low_data_mode": lowdata.low_data_mode,
        "human_size": lowdata.human_size,
    }


bp.add_app_template_filter(lowdata.hold_large_images, "low_data_images")


# ---------------------------------------------------------------- low-data mode


@bp.post("/account/low-data")
@login_required
def set_low_data():
    on = request.form.get("low_data") == "1"
    preferences.set_low_data(current_user, on)
    db.session.commit()
    flash(_("Mode hemat data aktif.") if on else _("Mode hemat data tidak aktif."), "success")
    return redirect(url_for("accounts.account"))


def account_panel(user):
    return "offline/_account_panel.html", {"low_data": preferences.low_data(user)}


register_panel("account", account_panel)


# ---------------------------------------------------------------- course downloads


def course_panel(course, user, enrolment=None):
    """ "Unduh untuk luring" on the course page, for an enrolled learner (shown by the script)."""
    return "offline/_course_panel.html", {"enrolled": enrolment is not None}


register_panel("course", course_panel, order=90)
