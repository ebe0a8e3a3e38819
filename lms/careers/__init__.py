"""Careers: competencies, positions, competency records, JP, appraisals, career profiles, HR analytics.

The catalogue (models and `services`) sits below courses: courses import it. Everything else
here builds on courses, so this package's `__init__` imports no views: `init_app` does, when the
application is built (importing them here would close an import cycle through courses.models).
"""

from flask import Blueprint, Flask

bp = Blueprint("careers", __name__, url_prefix="/careers")
hr_bp = Blueprint("careers_hr", __name__, url_prefix="/hr")


def init_app(app: Flask) -> None:
    """Register the blueprints, settings and subscriptions of careers."""
    from . import hr_manage_views, hr_views, subscribers, views  # noqa: F401

    app.config.setdefault("JP_MINUTES", 45)
    app.config.setdefault("JP_YEARLY_TARGET", 20)
    app.register_blueprint(bp)
    app.register_blueprint(hr_bp)
    subscribers.connect()
