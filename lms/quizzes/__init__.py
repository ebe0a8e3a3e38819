"""Quizzes: question banks, timed attempts, grading, item analysis, GIFT / Aiken / Moodle XML."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes")
manage_bp = Blueprint("quizzes_manage", __name__, url_prefix="/teach")

from . import bundle_part, completion, jobs, manage_views, models, views  # noqa: E402, F401
