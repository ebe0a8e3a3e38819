"""Subscriptions to other features' signals: issue a certificate the moment one is earned (a
course completed, a webinar attended). `connect()` is called by `certificates.init_app`.

This is an edge, like a view: it works out the site's public address (PUBLIC_BASE_URL, else
the request's) and hands it to the services as a plain argument.
"""

from __future__ import annotations

import logging

from ..core.clock import utcnow
from ..core.urls import public_base_url
from ..courses.models import Enrolment
from ..courses.signals import course_completed
from ..extensions import db
from ..webinars.signals import webinar_attended
from . import services
from .models import Certificate

logger = logging.getLogger(__name__)


def _issue_safely(what: str, issue_fn) -> Certificate | None:
    # A certificate that cannot be issued (say, unreadable keys) must not undo the learner's
    # completion: it is logged and `flask lms issue-certificates` issues it later.
    try:
        with db.session.begin_nested():
            return issue_fn()
    except Exception:
        logger.exception("certificate for %s could not be issued", what)
        return None


def on_course_completed(sender, enrolment: Enrolment, **extra) -> None:
    """Subscriber of courses' `course_completed`: issue the certificate at once."""
    base_url = public_base_url()
    _issue_safely(
        f"enrolment {enrolment.id}", lambda: services.issue_for_enrolment(enrolment, base_url=base_url)
    )


def on_webinar_attended(sender, attendance, **extra) -> None:
    """Subscriber of webinars' `webinar_attended`.

    Reads attendance.id, .user, .webinar (title, jp, course, competencies), .jp_credited and
    .finalized_at.
    """
    webinar = attendance.webinar
    jp = getattr(attendance, "jp_credited", None) or webinar.jp
    _issue_safely(
        f"webinar attendance {attendance.id}",
        lambda: services.issue_for_webinar(
            attendance.id,
            attendance.user,
            title=webinar.title,
            jp=jp,
            attended_at=getattr(attendance, "finalized_at", None) or utcnow(),
            competencies=services.webinar_competencies(webinar),
            course=getattr(webinar, "course", None),
            base_url=public_base_url(),
        ),
    )


def connect() -> None:
    """Subscribe to the signals; connecting again (another app in the same process) changes
    nothing, since blinker keeps one connection per receiver."""
    course_completed.connect(on_course_completed)
    webinar_attended.connect(on_webinar_attended)
