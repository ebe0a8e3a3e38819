"""What notifications does when the features below announce something. `connect()` is called
by `notifications.init_app`. Listeners run in the announcing transaction and only flush; each
works in a savepoint of its own, so a notice that fails (logged) never undoes the change it
announces (an assignment, a certificate, an answer)."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from ..accounts.models import User
from ..careers.signals import external_learning_answered, training_request_answered
from ..certificates.signals import certificate_issued
from ..core.clock import utcnow
from ..courses.models import Enrolment
from ..courses.signals import course_assigned, reminder_requested
from ..evaluations.signals import evaluation_waiting
from ..extensions import db
from . import kinds, services
from .paths import site_path
from .reminders import enrolment_key

logger = logging.getLogger(__name__)


def _notify_safely(user, kind: str, key: str, params: dict, *, path: str | None) -> None:
    try:
        with db.session.begin_nested():
            services.notify(user, kind, key, params, path=path)
    except Exception:
        logger.exception("notice %s %s for user %s could not be added", kind, key, getattr(user, "id", None))


def _course_params(enrolment: Enrolment) -> dict:
    due = enrolment.due_date
    return {"course": enrolment.course.title, "due_date": due.isoformat() if due else None}


def on_course_assigned(sender, enrolments: list[Enrolment], by=None, **extra) -> None:
    """A course was assigned (or its due date changed): one notice per enrolment and due date.
    One person is told as every notice is (`notify`, its own mail job); a batch of a unit's
    people at once, in a fixed number of statements and one mail job (`notify_many`)."""
    if len(enrolments) == 1:
        [enrolment] = enrolments
        _notify_safely(
            enrolment.user,
            kinds.COURSE_ASSIGNED,
            enrolment_key(enrolment),
            _course_params(enrolment),
            path=site_path("courses.detail", slug=enrolment.course.slug),
        )
        return
    path = site_path("courses.detail", slug=enrolments[0].course.slug)  # one course per batch
    batch = [services.NewNotice(e.user_id, enrolment_key(e), _course_params(e), path) for e in enrolments]
    try:
        with db.session.begin_nested():
            services.notify_many(kinds.COURSE_ASSIGNED, batch)
    except Exception:
        logger.exception("%d notices %s could not be added", len(batch), kinds.COURSE_ASSIGNED)


def on_reminder_requested(sender, enrolment: Enrolment, by=None, **extra) -> None:
    """HR reminded a person of an assigned course. The report lets one reminder a day through
    (`enrolment.reminded_at`); each is one notice, and the same one announced again is not."""
    user = enrolment.user
    if enrolment.reminded_at is not None:  # the report's claim of today's reminder
        when = enrolment.reminded_at.isoformat()
    else:  # announced by something else: one a day, the person's day
        when = utcnow().astimezone(ZoneInfo(user.effective_timezone)).date().isoformat()
    _notify_safely(
        user,
        kinds.COURSE_REMINDER,
        f"{enrolment_key(enrolment)}:{when}",
        _course_params(enrolment),
        path=site_path("courses.detail", slug=enrolment.course.slug),
    )


def on_certificate_issued(sender, certificate, **extra) -> None:
    """A certificate was issued: the holder hears of it with its verification link."""
    user = db.session.get(User, certificate.user_id) if certificate.user_id else None
    if user is None:
        return
    _notify_safely(
        user,
        kinds.CERTIFICATE_ISSUED,
        f"certificate:{certificate.id}",
        {
            "title": certificate.title,
            "number": certificate.number,
            "verify_path": site_path("certificates.verify", code=certificate.number),
        },
        path=site_path("certificates.mine"),
    )


def on_training_request_answered(sender, request, by=None, **extra) -> None:
    """HR answered a training request: one notice per answer given (a changed answer is new)."""
    status = request.status.value
    _notify_safely(
        request.user,
        kinds.TRAINING_REQUEST_ANSWERED,
        f"training-request:{request.id}:{status}",
        {"competency": request.competency.name, "status": status},
        path=site_path("careers.my_profile"),
    )


def on_external_learning_answered(sender, item, by=None, **extra) -> None:
    """HR approved, returned or revoked a report of learning elsewhere: one notice per answer."""
    status = item.status.value
    _notify_safely(
        item.user,
        kinds.EXTERNAL_LEARNING_ANSWERED,
        f"external-learning:{item.id}:{status}:{item.answered_at.isoformat() if item.answered_at else ''}",
        {"title": item.title, "status": status, "reason": item.reason or ""},
        path=site_path("careers.external_list"),
    )


def on_evaluation_waiting(sender, user, title: str, url: str, key: str, **extra) -> None:
    """lms.evaluations: an evaluation waits for this person (`url` is a site path)."""
    _notify_safely(user, kinds.EVALUATION, f"evaluation:{key}", {"title": title}, path=url)


def connect() -> None:
    """Subscribe to the signals; connecting again changes nothing (blinker keeps one per receiver)."""
    course_assigned.connect(on_course_assigned)
    reminder_requested.connect(on_reminder_requested)
    certificate_issued.connect(on_certificate_issued)
    training_request_answered.connect(on_training_request_answered)
    evaluation_waiting.connect(on_evaluation_waiting)
    external_learning_answered.connect(on_external_learning_answered)
