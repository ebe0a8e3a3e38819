"""Notifications: in-app notices (the bell, the notifications page) and their mail, sent as jobs.

It listens to the signals of the features below (courses, certificates, careers; webinars and
due dates through its scheduled scan) and is imported by none of them. `init_app` registers the
pages and connects the listeners.
"""

from flask import Blueprint, Flask

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from . import jobs, listeners, views  # noqa: E402, F401


def init_app(app: Flask) -> None:
    """Register the pages and connect the listeners of notifications."""
    app.register_blueprint(bp)
    listeners.connect()
