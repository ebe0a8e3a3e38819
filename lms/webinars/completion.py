"""How webinars take part in course completion.

Courses own the completion rule (lms/courses/completion.py, an open set of criteria). Until that
registry is available, this module only logs which enrolments should be re-evaluated.
"""

from __future__ import annotations

import logging

from .models import Webinar

logger = logging.getLogger(__name__)


def attendance_changed(webinar: Webinar, user_ids: set[int]) -> None:
    """Ask courses to re-evaluate the completion of the affected enrolments."""
    if webinar.course_id is None or not webinar.required_for_course or not user_ids:
        return
    logger.info(
        "webinar %s: course %s completion to re-evaluate for %d people",
        webinar.id,
        webinar.course_id,
        len(user_ids),
    )
