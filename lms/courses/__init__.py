"""Courses: catalogue, modules and lessons, media, enrolment, progress and course bundles."""

from flask import Blueprint

bp = Blueprint("courses", __name__, url_prefix="/courses")
manage_bp = Blueprint("courses_manage", __name__, url_prefix="/teach")

from . import manage_views, models, views  # noqa: E402, F401
