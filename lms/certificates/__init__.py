"""Certificates: issued on completion, signed (Ed25519), printable (PDF), verifiable by anyone."""

from flask import Blueprint, Flask

bp = Blueprint("certificates", __name__)

from . import handlers, models, review_views, views  # noqa: E402, F401


def init_app(app: Flask) -> None:
    """Register the blueprint and connect to the signals certificates reacts to."""
    app.register_blueprint(bp)
    handlers.connect()
