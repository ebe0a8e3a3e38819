"""Subscriptions to other features' signals: open the reaction survey when a course is completed
(`course_completed`) or a webinar attended (`webinar_attended`). `connect()` is called by
`evaluations.init_app`.

A survey that cannot be opened is logged and skipped in a savepoint of its own: it must never
undo the completion, the certificate or the JP that the same transaction records.
"""

from __future__ import annotations

import logging

from ..courses.signals import course_completed
from ..extensions import db
from ..webinars.signals import webinar_attended
from . import surveys

logger = logging.getLogger(__name__)


def on_course_completed(sender, enrolment, **extra) -> None:
    try:
        with db.session.begin_nested():
            surveys.open_for_enrolment(enrolment)
    except Exception:
        logger.exception("survey for enrolment %s could not be opened", enrolment.id)


def on_webinar_attended(sender, attendance, **extra) -> None:
    try:
        with db.session.begin_nested():
            surveys.open_for_attendance(attendance)
    except Exception:
        logger.exception("survey for attendance %s could not be opened", attendance.id)


def connect() -> None:
    course_completed.connect(on_course_completed)
    webinar_attended.connect(on_webinar_attended)
