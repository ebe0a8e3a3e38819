"""Home page and health check."""

from flask import render_template
from flask_login import current_user

from ..extensions import db
from . import bp
from .home import home_panels
from .reads import read_only


@bp.get("/")
@read_only
def home():
    # The user itself, not Flask-Login's proxy: each panel reads it a few times, and every read
    # through the proxy looks the user up again in the request's context (some 3.5 us each).
    user = current_user._get_current_object()
    panels = home_panels(user) if user.is_authenticated else []
    return render_template("core/home.html", panels=panels)


@bp.get("/healthz")
def health():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
