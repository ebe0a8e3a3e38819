"""How webinars take part in course completion.

Courses own the completion rule (lms/courses/completion.py, an open set of criteria). This module
registers the "webinars" criterion: every webinar of the course marked "required for completion"
has the learner present (final attendance, or a trainer's correction). When attendance becomes
final or is corrected, the affected enrolments are re-evaluated through courses' own service.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..courses.completion import check_completion, register_criterion
from ..courses.models import Course, Enrolment
from ..extensions import db
from .models import Attendance, Webinar

logger = logging.getLogger(__name__)

CRITERION = "webinars"


def required_webinars_attended(enrolment: Enrolment, option: Any) -> bool:
    """ "required": the learner was present at every required webinar of the course."""
    missing = (
        sa.select(sa.func.count(Webinar.id))
        .where(Webinar.course_id == enrolment.course_id, Webinar.required_for_course.is_(True))
        .where(
            ~sa.exists().where(
                Attendance.webinar_id == Webinar.id,
                Attendance.user_id == enrolment.user_id,
                Attendance.present.is_(True),
            )
        )
    )
    return db.session.scalar(missing) == 0


register_criterion(
    CRITERION,
    required_webinars_attended,
    label=_l("Webinar"),
    options=[("required", _l("Hadir di setiap webinar yang ditandai wajib untuk kursus ini"))],
)


def require_in_rule(course: Course) -> None:
    """A webinar marked required makes the course's rule include the webinar criterion."""
    rule = dict(course.completion_rule or {})
    if rule.get(CRITERION) != "required":
        rule[CRITERION] = "required"
        course.completion_rule = rule
        logger.info("course %s: completion rule now requires its required webinars", course.id)


def attendance_changed(webinar: Webinar, user_ids: set[int]) -> None:
    """Ask courses to re-evaluate the completion of the affected enrolments."""
    if webinar.course_id is None or not webinar.required_for_course or not user_ids:
        return
    enrolments = db.session.scalars(
        sa.select(Enrolment).where(
            Enrolment.course_id == webinar.course_id,
            Enrolment.user_id.in_(user_ids),
            Enrolment.completed_at.is_(None),
        )
    ).all()
    completed = sum(1 for enrolment in enrolments if check_completion(enrolment))
    logger.info(
        "webinar %s: course %s completion re-evaluated for %d enrolments, %d completed",
        webinar.id,
        webinar.course_id,
        len(enrolments),
        completed,
    )
