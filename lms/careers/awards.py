"""Competency records that follow what earned them: course completions and webinar attendance.

- A completed course (an enrolment) earns the competencies its course awards, at their levels.
- A webinar attended (an attendance marked present) earns the webinar's own competencies at
  their levels, the ones its trainer set (webinars.competencies), never those of its course:
  attending one webinar is not finishing the course. Its certificate lists the same ones when it
  is issued (certificates.on_webinar_attended). A webinar without competencies earns JP only.
- The certificate issued for the same source is the evidence. When it is revoked, the records it
  evidences are revoked and its JP stops counting (jp.py leaves it out).
- Learning elsewhere (`external`), once HR approves the learner's report, earns the competencies
  the report claims at the claimed levels, dated the day it ended, recorded by the approving
  officer; when HR revokes the approval (or deletes its JP record) they stop counting. Its JP is
  the report's JP record, not followed here.

`follow(kind, ids)` brings the records of these sources in line with what they earn now: it
creates what is missing, corrects levels, revokes what is no longer earned (with the cause) and
reinstates what is earned again, except records HR withdrew by hand. Each change is audit-logged
with the actor, then the people's levels, gaps, heatmap cells and 9-box summaries are refreshed.
Every event (a completion, an attendance final or corrected, a certificate revoked, a course's
JP or competencies edited, a webinar's competencies edited) is one call of it, so there is one
rule, not one per event.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.audit import log_changes
from ..accounts.models import Agency, User
from ..certificates.models import Certificate, CertificateSource
from ..core.clock import as_utc, utcnow
from ..courses.models import Course, CourseCompetency, Enrolment
from ..extensions import db
from ..webinars.models import Attendance, Webinar, WebinarCompetency
from . import summaries
from .models import (
    CompetencyRecord,
    ExternalLearning,
    ExternalLearningCompetency,
    ExternalStatus,
    RecordSource,
    RevokeCause,
)

logger = logging.getLogger(__name__)

EVIDENCE_MAX = 500
CHUNK = 500


@dataclass
class Earning:
    """What one source (an enrolment or an attendance) earns now."""

    user_id: int
    achieved_on: date
    title: str  # the evidence its records show
    wanted: dict[int, int]  # competency id -> level
    cause: RevokeCause  # why a record it no longer earns stops counting
    recorded_by_id: int | None = None  # who recorded what it earns (the HR officer who approved)


def zone_expr():
    """The person's time zone in SQL, as User.effective_timezone computes it."""
    return sa.func.coalesce(User.timezone, Agency.timezone, "Asia/Jakarta")


def local_date(value: datetime, zone: str) -> date:
    return as_utc(value).astimezone(ZoneInfo(zone)).date()


def revoked_certificate(source: CertificateSource, source_id) -> sa.Exists:
    """SQL: the certificate of this source exists and is revoked."""
    return sa.exists().where(
        Certificate.source == source, Certificate.source_id == source_id, Certificate.revoked_at.is_not(None)
    )


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _awards(
    link: type[CourseCompetency] | type[WebinarCompetency], owner, ids: set[int]
) -> dict[int, dict[int, int]]:
    """{course or webinar id: {competency id: level}} from its competency link table."""
    awards: dict[int, dict[int, int]] = {owner_id: {} for owner_id in ids}
    if ids:
        rows = db.session.execute(sa.select(owner, link.competency_id, link.level).where(owner.in_(ids)))
        for owner_id, competency_id, level in rows:
            awards[owner_id][competency_id] = level
    return awards


def _course_earnings(enrolment_ids: list[int]) -> dict[int, Earning]:
    rows = db.session.execute(
        sa.select(
            Enrolment.id,
            Enrolment.user_id,
            Enrolment.course_id,
            Enrolment.completed_at,
            Course.title,
            zone_expr(),
            revoked_certificate(CertificateSource.COURSE, Enrolment.id),
        )
        .join(Course, Course.id == Enrolment.course_id)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(Enrolment.id.in_(enrolment_ids))
    ).all()
    awards = _awards(CourseCompetency, CourseCompetency.course_id, {row[2] for row in rows})
    earnings = {}
    for enrolment_id, user_id, course_id, completed_at, title, zone, revoked in rows:
        if completed_at is None:
            earnings[enrolment_id] = Earning(user_id, date.today(), title, {}, RevokeCause.COURSE)
            continue
        earnings[enrolment_id] = Earning(
            user_id,
            local_date(completed_at, zone),
            title,
            {} if revoked else awards[course_id],
            RevokeCause.CERTIFICATE if revoked else RevokeCause.COURSE,
        )
    return earnings


def _webinar_earnings(attendance_ids: list[int]) -> dict[int, Earning]:
    rows = db.session.execute(
        sa.select(
            Attendance.id,
            Attendance.user_id,
            Attendance.present,
            Attendance.webinar_id,
            Webinar.starts_at,
            Webinar.title,
            zone_expr(),
            revoked_certificate(CertificateSource.WEBINAR, Attendance.id),
        )
        .join(Webinar, Webinar.id == Attendance.webinar_id)
        .join(User, User.id == Attendance.user_id)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(Attendance.id.in_(attendance_ids))
    ).all()
    awards = _awards(WebinarCompetency, WebinarCompetency.webinar_id, {row[3] for row in rows})
    earnings = {}
    for attendance_id, user_id, present, webinar_id, starts_at, title, zone, revoked in rows:
        wanted = awards[webinar_id] if present and not revoked else {}
        cause = (
            RevokeCause.ATTENDANCE
            if not present
            else RevokeCause.CERTIFICATE
            if revoked
            else RevokeCause.WEBINAR
        )
        earnings[attendance_id] = Earning(user_id, local_date(starts_at, zone), title, wanted, cause)
    return earnings


def external_evidence(item: ExternalLearning) -> str:
    """What proves a record from learning elsewhere: the training, its organiser, and the
    certificate number (or the evidence file's name) the learner gave."""
    shown = (
        f"sertifikat No. {item.certificate_number}"
        if item.certificate_number
        else f"berkas {item.evidence_name}"
        if item.evidence_name
        else ""
    )
    text = f"{item.title} ({item.organizer})" + (f", {shown}" if shown else "")
    return f"Laporan pegawai No. {item.id}: {text}"[:EVIDENCE_MAX]


def _external_earnings(item_ids: list[int]) -> dict[int, Earning]:
    items = db.session.scalars(sa.select(ExternalLearning).where(ExternalLearning.id.in_(item_ids))).all()
    claimed: dict[int, dict[int, int]] = {item.id: {} for item in items}
    rows = db.session.execute(
        sa.select(
            ExternalLearningCompetency.item_id,
            ExternalLearningCompetency.competency_id,
            ExternalLearningCompetency.level,
        ).where(ExternalLearningCompetency.item_id.in_(item_ids))
    )
    for item_id, competency_id, level in rows:
        claimed[item_id][competency_id] = level
    return {
        item.id: Earning(
            item.user_id,
            item.ended_on,
            external_evidence(item),
            claimed[item.id] if item.status is ExternalStatus.APPROVED else {},
            RevokeCause.EXTERNAL,
            item.answered_by_id,
        )
        for item in items
    }


EARNINGS = {
    RecordSource.COURSE: _course_earnings,
    RecordSource.WEBINAR: _webinar_earnings,
    RecordSource.EXTERNAL: _external_earnings,
}


def earnings_of(kind: RecordSource, ids: list[int]) -> dict[int, Earning]:
    """Source id -> what it earns now, for course (enrolment), webinar (attendance) or external
    (reported learning) sources."""
    found: dict[int, Earning] = {}
    for chunk in _chunks(ids):
        found.update(EARNINGS[kind](chunk))
    return found


def _existing(kind: RecordSource, ids: list[int]) -> dict[int, list[CompetencyRecord]]:
    found: dict[int, list[CompetencyRecord]] = {}
    for chunk in _chunks(ids):
        rows = db.session.scalars(
            sa.select(CompetencyRecord).where(
                CompetencyRecord.source == kind, CompetencyRecord.source_id.in_(chunk)
            )
        )
        for record in rows:
            found.setdefault(record.source_id, []).append(record)
    return found


def follow(kind: RecordSource, ids: Iterable[int], *, by: User | None = None) -> list[CompetencyRecord]:
    """Bring the records of these sources in line with what they earn now (see the module
    docstring); returns the records that changed."""
    wanted_ids = sorted(set(ids))
    if not wanted_ids:
        return []
    earnings = earnings_of(kind, wanted_ids)
    existing = _existing(kind, wanted_ids)
    now = utcnow()
    changes: list[tuple[CompetencyRecord, str, dict | None]] = []
    # New values of existing records, grouped so each group is one UPDATE ... WHERE id IN (...):
    # the ORM would send one UPDATE per row (psycopg reports no rowcount for executemany).
    updates: dict[tuple, list[CompetencyRecord]] = {}
    for source_id, earning in earnings.items():
        have = {record.competency_id: record for record in existing.get(source_id, [])}
        for competency_id, record in have.items():
            level = earning.wanted.get(competency_id)
            values = None
            if level is None:
                if record.revoked_at is None:
                    values, action = {"revoked_at": now, "revoked_cause": earning.cause}, "revoke"
            elif record.revoked_at is not None:
                if record.revoked_cause is not RevokeCause.HR:
                    values, action = {"revoked_at": None, "revoked_cause": None, "level": level}, "reinstate"
            elif record.level != level:
                values, action = {"level": level}, "update"
            if values is not None:
                changes.append((record, action, record.snapshot()))
                updates.setdefault(tuple(sorted(values.items())), []).append(record)
        for competency_id, level in earning.wanted.items():
            if competency_id in have:
                continue
            record = CompetencyRecord(
                user_id=earning.user_id,
                competency_id=competency_id,
                level=level,
                source=kind,
                source_id=source_id,
                achieved_on=earning.achieved_on,
                evidence=earning.title[:EVIDENCE_MAX],
                recorded_by_id=earning.recorded_by_id,
            )
            db.session.add(record)
            changes.append((record, "create", None))
    for values, records in updates.items():
        values = {**dict(values), "updated_at": now}
        for start in range(0, len(records), CHUNK):
            chunk = records[start : start + CHUNK]
            db.session.execute(
                sa.update(CompetencyRecord)
                .where(CompetencyRecord.id.in_([record.id for record in chunk]))
                .values(values)
                .execution_options(synchronize_session=False)
            )
            for record in chunk:  # what the row holds now, without marking the object changed
                for key, value in values.items():
                    set_committed_value(record, key, value)
    if not changes:
        return []
    db.session.flush()
    people: set[int] = set()
    competencies: set[int] = set()
    log_changes(
        "competency_record",
        [
            (record.id, action, record.user_id, before, record.snapshot())
            for record, action, before in changes
        ],
        actor=by,
    )
    for record, _action, _before in changes:
        people.add(record.user_id)
        competencies.add(record.competency_id)
    summaries.refresh_levels_of(db.session, people, competencies)
    summaries.sync_people(db.session, people)
    db.session.flush()
    logger.info(
        "%s records of %d %s sources followed: %d changes for %d people",
        kind.value,
        len(earnings),
        kind.value,
        len(changes),
        len(people),
    )
    return [record for record, _action, _before in changes]


def source_people(kind: RecordSource, ids: Iterable[int]) -> set[int]:
    """The people of these enrolments, attendances or reports."""
    model = {
        RecordSource.COURSE: Enrolment,
        RecordSource.WEBINAR: Attendance,
        RecordSource.EXTERNAL: ExternalLearning,
    }[kind]
    people: set[int] = set()
    for chunk in _chunks(ids):
        people.update(db.session.scalars(sa.select(model.user_id).where(model.id.in_(chunk))))
    return people


def follow_sources(kind: RecordSource, ids: Iterable[int], *, by: User | None = None) -> set[int]:
    """follow() and recompute the JP of the people of these sources; returns those people."""
    ids = set(ids)
    follow(kind, ids, by=by)
    people = source_people(kind, ids)
    summaries.refresh_jp_people(db.session, people)
    db.session.flush()
    return people


def follow_certificate(certificate: Certificate, *, by: User | None = None) -> set[int]:
    """A certificate was revoked: the records it evidences stop counting, and its JP."""
    kind = RecordSource.COURSE if certificate.source is CertificateSource.COURSE else RecordSource.WEBINAR
    return follow_sources(kind, [certificate.source_id], by=by)


def follow_courses(course_ids: Iterable[int], *, by: User | None = None) -> set[int]:
    """Courses' JP or competencies were edited: the records and JP of everyone who completed them
    follow (their webinars award their own competencies); returns those people."""
    course_ids = sorted(set(course_ids))
    if not course_ids:
        return set()
    enrolments = db.session.scalars(
        sa.select(Enrolment.id).where(
            Enrolment.course_id.in_(course_ids), Enrolment.completed_at.is_not(None)
        )
    ).all()
    people = follow_sources(RecordSource.COURSE, enrolments, by=by)
    logger.info("courses %s edited: records and JP of %d people followed", course_ids, len(people))
    return people


def follow_webinars(webinar_ids: Iterable[int], *, by: User | None = None) -> set[int]:
    """Webinars' competencies were edited (possibly after their attendance was final): the
    records of their present participants follow, audit-logged with `by`; returns those people."""
    webinar_ids = sorted(set(webinar_ids))
    if not webinar_ids:
        return set()
    attendances = db.session.scalars(
        sa.select(Attendance.id).where(Attendance.webinar_id.in_(webinar_ids), Attendance.present.is_(True))
    ).all()
    return follow_sources(RecordSource.WEBINAR, attendances, by=by)
