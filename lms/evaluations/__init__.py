"""Evaluations: the reaction survey after a course or a webinar (Kirkpatrick level 1), the
follow-up of the learner and their supervisor months later (level 3), and their results for the
trainer and HR. Above certificates (a survey never holds a certificate back), below careers (the
career profile shows the supervisor's follow-ups beside the appraisals)."""

from flask import Blueprint, Flask

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations")

from . import handlers, jobs, models, views  # noqa: E402, F401


def init_app(app: Flask) -> None:
    """Settings, the blueprint and the subscriptions of evaluations."""
    app.config.setdefault("EVALUATION_FOLLOW_UP_DAYS", 90)
    app.register_blueprint(bp)
    handlers.connect()
