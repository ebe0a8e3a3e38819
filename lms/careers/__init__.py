"""Careers: positions and staffing, competency records, JP, appraisals, career profiles, training
requests, learning reported from elsewhere, the transcript, and the derived tables the HR reports
read (lms.reports, above this package).

The competency catalogue is lms.competencies (below courses). Careers builds on courses, webinars
and certificates; `init_app` registers the blueprints and connects the subscribers.
"""

from flask import Blueprint, Flask

bp = Blueprint("careers", __name__, url_prefix="/careers")
hr_bp = Blueprint("careers_hr", __name__, url_prefix="/hr")

from . import (  # noqa: E402
    evidence,
    hr_external_views,  # noqa: F401
    hr_manage_views,  # noqa: F401
    hr_views,  # noqa: F401
    learning_views,  # noqa: F401
    subscribers,
    views,  # noqa: F401
)


def init_app(app: Flask) -> None:
    """Register the blueprints, settings and subscriptions of careers."""
    app.config.setdefault("JP_MINUTES", 45)
    app.config.setdefault("JP_YEARLY_TARGET", 20)
    app.config.setdefault("EVIDENCE_MAX_BYTES", evidence.DEFAULT_MAX_BYTES)  # one file of learning elsewhere
    app.register_blueprint(bp)
    app.register_blueprint(hr_bp)
    subscribers.connect()
