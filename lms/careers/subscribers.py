"""How careers follows what happens elsewhere, without those features knowing about careers.

- `course_completed` (courses): award the course's competencies and count its JP;
- `webinar_attended` and `attendance_corrected` (webinars): the webinar's JP and competencies
  follow the attendance, whichever way a trainer corrects it;
- `certificate_revoked` (certificates): the records it evidences are revoked, its JP stops counting;
- `webinar_competencies_changed` (webinars): the records of the people present follow at once,
  with the moderator as the actor of the audit entries;
- a course's JP or competencies edited, or a webinar's competencies edited some other way (seen
  in the session's flushes): when the transaction commits, the records and JP of everyone who
  completed the course or was present at the webinar follow (awards.follow_courses,
  awards.follow_webinars);
- a person's agency, unit, active flag or identity verification changed (accounts, through the
  ORM): move their contribution to the heatmap; a person deleted: take it out.

Everything runs in the transaction that made the change: all of it happens, or none.
"""

from __future__ import annotations

import logging
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..certificates.signals import certificate_revoked
from ..courses.completion import course_completed
from ..courses.models import Course, CourseCompetency
from ..extensions import db
from ..webinars.models import WebinarCompetency
from ..webinars.signals import attendance_corrected, webinar_attended, webinar_competencies_changed
from . import awards, records, summaries
from .models import RecordSource

logger = logging.getLogger(__name__)

WATCHED = ("agency_id", "unit_id", "active", "identity_verified_at")
# Keys in Session.info: ids of the courses whose JP or awards changed, of the webinars whose awards did.
EDITED_COURSES = "careers_edited_courses"
EDITED_WEBINARS = "careers_edited_webinars"


def on_course_completed(sender, enrolment, **extra) -> None:
    records.award_course(enrolment)
    completed = enrolment.completed_at
    if completed.tzinfo is None:
        completed = completed.replace(tzinfo=UTC)
    year = completed.astimezone(ZoneInfo(enrolment.user.effective_timezone)).year
    summaries.refresh_jp(db.session, enrolment.user, [year])
    db.session.flush()


def on_webinar_attended(sender, attendance, **extra) -> None:
    awards.follow_sources(RecordSource.WEBINAR, [attendance.id])


def on_attendance_corrected(sender, attendance, by=None, **extra) -> None:
    awards.follow_sources(RecordSource.WEBINAR, [attendance.id], by=by)


def on_certificate_revoked(sender, certificate, by=None, **extra) -> None:
    awards.follow_certificate(certificate, by=by)


def on_webinar_competencies_changed(sender, webinar, by=None, **extra) -> None:
    db.session.flush()  # _note_edited_courses sees the change and notes the webinar
    awards.follow_webinars([webinar.id], by=by)
    # Followed now with the actor: the commit need not follow it again.
    db.session.info.get(EDITED_WEBINARS, set()).discard(webinar.id)


# ---------------------------------------------------------------- courses edited after completion


def _note_edited_courses(session: Session, flush_context) -> None:
    """after_flush: remember the courses whose JP or awarded competencies changed, and the
    webinars whose awarded competencies did."""
    edited = set()
    for obj in session.dirty:
        if isinstance(obj, Course) and sa.inspect(obj).attrs.jp.history.has_changes():
            edited.add(obj.id)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CourseCompetency) and obj.course_id is not None:
            edited.add(obj.course_id)
    if edited:
        session.info.setdefault(EDITED_COURSES, set()).update(edited)
    webinars = {
        obj.webinar_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, WebinarCompetency) and obj.webinar_id is not None
    }
    if webinars:
        session.info.setdefault(EDITED_WEBINARS, set()).update(webinars)


def follow_edited_courses(session: Session) -> set[int]:
    """Let the records and JP of people follow the courses (and webinars) edited in this
    transaction so far; returns the people concerned."""
    session.flush()
    courses = session.info.pop(EDITED_COURSES, set())
    webinars = session.info.pop(EDITED_WEBINARS, set())
    if not has_app_context() or session is not db.session():
        return set()  # another session (a script's own): careers works through db.session
    return awards.follow_courses(courses) | awards.follow_webinars(webinars)


def _before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit would flush next anyway; _note_edited_courses must see it first
    if session.info.get(EDITED_COURSES) or session.info.get(EDITED_WEBINARS):
        follow_edited_courses(session)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction: committed or rolled back
        session.info.pop(EDITED_COURSES, None)
        session.info.pop(EDITED_WEBINARS, None)


# ---------------------------------------------------------------- people moved or deleted


def on_user_updated(mapper, connection, target: User) -> None:
    state = sa.inspect(target)
    if any(state.attrs[name].history.has_changes() for name in WATCHED):
        summaries.sync_people(connection, [target.id])


def on_user_deleted(mapper, connection, target: User) -> None:
    summaries.forget_people(connection, [target.id])


course_completed.connect(on_course_completed)
webinar_attended.connect(on_webinar_attended)
attendance_corrected.connect(on_attendance_corrected)
certificate_revoked.connect(on_certificate_revoked)
webinar_competencies_changed.connect(on_webinar_competencies_changed)
sa.event.listen(Session, "after_flush", _note_edited_courses)
sa.event.listen(Session, "before_commit", _before_commit)
sa.event.listen(Session, "after_transaction_end", _after_transaction_end)
sa.event.listen(User, "after_update", on_user_updated)
sa.event.listen(User, "before_delete", on_user_deleted)
