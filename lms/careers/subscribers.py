"""How careers follows what happens elsewhere, without those features knowing about careers.

- `course_completed` (courses): award the course's competencies and count its JP;
- `course_awards_changed` (courses, sent by the service that edited the course's JP or
  competencies): the records and JP of everyone who completed the course follow;
- `webinar_attended` and `attendance_corrected` (webinars): the webinar's JP and competencies
  follow the attendance, whichever way a trainer corrects it;
- `webinar_competencies_changed` (webinars): the records of the people present follow at once,
  with the moderator as the actor of the audit entries;
- `certificate_revoked` (certificates): the records it evidences are revoked, its JP stops counting;
- a person's agency, unit, active flag or identity verification changed (accounts, through the
  ORM events of `User`): move their contribution to the heatmap; a person deleted: take it out.

`connect()` subscribes all of it; `careers.init_app` calls it when the app is built. Everything
runs in the transaction that made the change: all of it happens, or none.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..accounts.models import User
from ..certificates.signals import certificate_revoked
from ..core.clock import as_utc
from ..courses.signals import course_awards_changed, course_completed
from ..extensions import db
from ..webinars.signals import attendance_corrected, webinar_attended, webinar_competencies_changed
from . import awards, jobs, records, summaries
from .models import RecordSource

logger = logging.getLogger(__name__)

WATCHED = ("agency_id", "unit_id", "active", "identity_verified_at")


def on_course_completed(sender, enrolment, **extra) -> None:
    records.award_course(enrolment)
    year = as_utc(enrolment.completed_at).astimezone(ZoneInfo(enrolment.user.effective_timezone)).year
    summaries.refresh_jp(db.session, enrolment.user, [year])
    db.session.flush()


def on_webinar_attended(sender, attendance, **extra) -> None:
    awards.follow_sources(RecordSource.WEBINAR, [attendance.id])


def on_attendance_corrected(sender, attendance, by=None, **extra) -> None:
    awards.follow_sources(RecordSource.WEBINAR, [attendance.id], by=by)


def on_certificate_revoked(sender, certificate, by=None, **extra) -> None:
    awards.follow_certificate(certificate, by=by)


def on_webinar_competencies_changed(sender, webinar, by=None, **extra) -> None:
    awards.follow_webinars([webinar.id], by=by)


def on_course_awards_changed(sender, course, by=None, **extra) -> None:
    jobs.follow_course_edit(course, by=by)


# ---------------------------------------------------------------- people moved or deleted


def on_user_updated(mapper, connection, target: User) -> None:
    state = sa.inspect(target)
    if any(state.attrs[name].history.has_changes() for name in WATCHED):
        summaries.sync_people(connection, [target.id])


def on_user_deleted(mapper, connection, target: User) -> None:
    summaries.forget_people(connection, [target.id])


def connect() -> None:
    """Subscribe careers to the signals and ORM events above. Idempotent: tests build several
    apps in one process, and blinker keeps one connection per receiver; the ORM events are
    checked first."""
    course_completed.connect(on_course_completed)
    course_awards_changed.connect(on_course_awards_changed)
    webinar_attended.connect(on_webinar_attended)
    attendance_corrected.connect(on_attendance_corrected)
    certificate_revoked.connect(on_certificate_revoked)
    webinar_competencies_changed.connect(on_webinar_competencies_changed)
    for event, listener in (("after_update", on_user_updated), ("before_delete", on_user_deleted)):
        if not sa.event.contains(User, event, listener):
            sa.event.listen(User, event, listener)
