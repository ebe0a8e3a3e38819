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
    panels = home_panels(current_user) if current_user.is_authenticated else []
    return render_template("core/home.html", panels=panels)


@bp.get("/healthz")
def health():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
