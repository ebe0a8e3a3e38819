"""Completion reports: who finished what.

For HR, every course their agency assigned (an enrolment with a due date or an
assigner), per unit: who completed it, who is in progress and who is overdue, with the export.
The trainer's report of their courses' learners (learners.py) lists the same rows.

Progress comes from `courses.learning.with_progress`, the function the learner's own page uses,
so both show the same percent. JP is what the JP ledger counts for a completion (the course's
JP, none when its certificate was revoked; careers.jp_sources.CourseSource). Every list costs a
fixed number of statements, whatever the number of learners and courses.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..accounts.identity import verified
from ..accounts.models import Agency, User
from ..accounts.services import TIMEZONE_CHOICES
from ..certificates.models import Certificate, CertificateSource
from ..core.clock import as_utc, utcnow
from ..courses.learning import Progress, with_progress
from ..courses.models import Course, Enrolment
from ..extensions import db
from .units import PAGE_SIZE

logger = logging.getLogger(__name__)

DEFAULT_ZONE = "Asia/Jakarta"
STATUSES = {
    "completed": _l("Selesai"),
    "in_progress": _l("Sedang berjalan"),
    "overdue": _l("Terlambat"),
}
SORTS = {
    "name": _l("Nama"),
    "enrolled": _l("Terbaru mendaftar"),
    "due": _l("Tenggat"),
    "completed": _l("Terbaru selesai"),
}
EXPORT_BATCH = 500


# ---------------------------------------------------------------- status


def zone_expr() -> sa.ColumnElement[str]:
    """The learner's time zone: their own, else their agency's (needs Agency outer-joined)."""
    return sa.func.coalesce(User.timezone, Agency.timezone, DEFAULT_ZONE)


def overdue_clause(now: datetime) -> sa.ColumnElement[bool]:
    """Not completed, and the due date has passed in the learner's time zone."""
    zone = zone_expr()
    today = {name: now.astimezone(ZoneInfo(name)).date() for name in (*TIMEZONE_CHOICES, DEFAULT_ZONE)}
    passed = sa.or_(
        *(sa.and_(zone == name, Enrolment.due_date < today[name]) for name in TIMEZONE_CHOICES),
        sa.and_(zone.not_in(TIMEZONE_CHOICES), Enrolment.due_date < today[DEFAULT_ZONE]),
    )
    return sa.and_(Enrolment.completed_at.is_(None), Enrolment.due_date.is_not(None), passed)


def status_clause(status: str, now: datetime) -> sa.ColumnElement[bool]:
    if status == "completed":
        return Enrolment.completed_at.is_not(None)
    if status == "overdue":
        return overdue_clause(now)
    return sa.and_(Enrolment.completed_at.is_(None), sa.not_(overdue_clause(now)))


def status_of(enrolment: Enrolment, now: datetime) -> str:
    """The status `status_clause` selects, for one loaded enrolment (with its user and agency)."""
    if enrolment.completed_at is not None:
        return "completed"
    zone = enrolment.user.effective_timezone
    today = now.astimezone(ZoneInfo(zone if zone in TIMEZONE_CHOICES else DEFAULT_ZONE)).date()
    if enrolment.due_date is not None and enrolment.due_date < today:
        return "overdue"
    return "in_progress"


def assigned() -> sa.ColumnElement[bool]:
    """An enrolment HR (or someone else) assigned: it has a due date or an assigner."""
    return sa.or_(Enrolment.due_date.is_not(None), Enrolment.assigned_by_id.is_not(None))


@dataclass
class Counts:
    enrolled: int = 0
    completed: int = 0
    overdue: int = 0

    @property
    def in_progress(self) -> int:
        return self.enrolled - self.completed - self.overdue

    @property
    def percent_completed(self) -> int:
        return 100 * self.completed // self.enrolled if self.enrolled else 0


def count_columns(now: datetime) -> tuple:
    return (
        sa.func.count(Enrolment.id),
        sa.func.sum(sa.case((Enrolment.completed_at.is_not(None), 1), else_=0)),
        sa.func.sum(sa.case((overdue_clause(now), 1), else_=0)),
    )


def counted(query: sa.Select) -> dict:
    """key -> Counts for a query of (key, *count_columns)."""
    return {key: Counts(n, done or 0, late or 0) for key, n, done, late in db.session.execute(query)}


def with_zone(query: sa.Select) -> sa.Select:
    return query.join(User, User.id == Enrolment.user_id).outerjoin(Agency, Agency.id == User.agency_id)


# ---------------------------------------------------------------- the rows of a list


@dataclass
class LearnerRow:
    enrolment: Enrolment
    progress: Progress
    status: str
    certificate: str | None = None  # its number
    certificate_revoked: bool = False
    scores: list = field(default_factory=list)  # the trainer's report: learners.QuizScore

    @property
    def status_label(self) -> str:
        return str(STATUSES[self.status])

    @property
    def jp(self) -> int:
        """The JP the ledger counts for this enrolment."""
        if self.enrolment.completed_at is None or self.certificate_revoked:
            return 0
        return self.enrolment.course.jp

    @property
    def completed_on(self) -> date | None:
        """The completion date in the learner's time zone (the JP ledger's year follows it)."""
        at = self.enrolment.completed_at
        return as_utc(at).astimezone(ZoneInfo(self.enrolment.user.effective_timezone)).date() if at else None


def _people_options(query: sa.Select) -> sa.Select:
    return query.options(
        joinedload(Enrolment.user).joinedload(User.agency), joinedload(Enrolment.user).joinedload(User.unit)
    )


def _rows(query: sa.Select, now: datetime) -> list[LearnerRow]:
    """The enrolments of the query with progress, status and certificate (three statements and
    those of the completion criteria)."""
    rows = [LearnerRow(e, p, status_of(e, now)) for e, p in with_progress(_people_options(query))]
    if rows:
        by_id = {row.enrolment.id: row for row in rows}
        for source_id, number, revoked_at in db.session.execute(
            sa.select(Certificate.source_id, Certificate.number, Certificate.revoked_at).where(
                Certificate.source == CertificateSource.COURSE, Certificate.source_id.in_(by_id)
            )
        ):
            by_id[source_id].certificate = number
            by_id[source_id].certificate_revoked = revoked_at is not None
    return rows


def ordered(query: sa.Select, sort: str) -> sa.Select:
    if sort == "enrolled":
        return query.order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
    if sort == "due":
        return query.order_by(Enrolment.due_date.is_(None), Enrolment.due_date, User.name, Enrolment.id)
    if sort == "completed":
        return query.order_by(
            Enrolment.completed_at.is_(None), Enrolment.completed_at.desc(), User.name, Enrolment.id
        )
    return query.order_by(User.name, Enrolment.id)


def page_of(query: sa.Select, page: int, now: datetime) -> tuple[list[LearnerRow], bool]:
    rows = _rows(query.limit(PAGE_SIZE + 1).offset((max(page, 1) - 1) * PAGE_SIZE), now)
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


# ---------------------------------------------------------------- for HR


def _hr_query(agency_id: int, *columns) -> sa.Select:
    """Assigned enrolments of the agency's active, verified people."""
    query = sa.select(*columns) if columns else sa.select(Enrolment)
    return with_zone(query.select_from(Enrolment)).where(
        User.agency_id == agency_id, User.active.is_(True), verified(), assigned()
    )


@dataclass
class CourseCounts:
    course: Course
    counts: Counts


def assigned_courses(
    agency_id: int, unit_ids: list[int] | None = None, *, now: datetime | None = None
) -> list[CourseCounts]:
    """Every course assigned to the agency's people (of the units, when given) with how many
    completed it, are in progress and are overdue (two statements)."""
    now = now or utcnow()
    query = _hr_query(agency_id, Enrolment.course_id, *count_columns(now)).group_by(Enrolment.course_id)
    if unit_ids is not None:
        query = query.where(User.unit_id.in_(unit_ids))
    counts = counted(query)
    if not counts:
        return []
    courses = db.session.scalars(
        sa.select(Course).where(Course.id.in_(counts)).order_by(Course.title, Course.id)
    )
    return [CourseCounts(course, counts[course.id]) for course in courses]


def unit_counts(
    agency_id: int, course_id: int, unit_ids: list[int] | None = None, *, now: datetime | None = None
) -> dict[int | None, Counts]:
    """Unit id (None: no unit) -> the counts of a course assigned in the agency (one statement)."""
    now = now or utcnow()
    query = (
        _hr_query(agency_id, User.unit_id, *count_columns(now))
        .where(Enrolment.course_id == course_id)
        .group_by(User.unit_id)
    )
    if unit_ids is not None:
        query = query.where(User.unit_id.in_(unit_ids))
    return counted(query)


def _people_query(
    agency_id: int, course_id: int | None, unit_ids: list[int] | None, status: str, now: datetime
) -> sa.Select:
    query = _hr_query(agency_id)
    if course_id is not None:
        query = query.where(Enrolment.course_id == course_id)
    if unit_ids is not None:
        query = query.where(User.unit_id.in_(unit_ids))
    if status in STATUSES:
        query = query.where(status_clause(status, now))
    return query


def assigned_people(
    agency_id: int,
    course_id: int,
    *,
    unit_ids: list[int] | None = None,
    status: str = "",
    sort: str = "name",
    page: int = 1,
    now: datetime | None = None,
) -> tuple[list[LearnerRow], bool]:
    """One page of the people a course was assigned to in the agency, with progress and status."""
    now = now or utcnow()
    return page_of(ordered(_people_query(agency_id, course_id, unit_ids, status, now), sort), page, now)


def assigned_enrolment(agency_id: int, enrolment_id: int) -> Enrolment | None:
    """An assigned enrolment of one of the agency's people (None for anyone else's)."""
    return db.session.scalar(_people_options(_hr_query(agency_id).where(Enrolment.id == enrolment_id)))


def overdue_enrolments(
    agency_id: int, course_id: int, unit_ids: list[int] | None, *, now: datetime | None = None
) -> list[Enrolment]:
    """Every overdue enrolment of a course assigned in the agency (of the units, when given)."""
    now = now or utcnow()
    query = _people_query(agency_id, course_id, unit_ids, "overdue", now).order_by(Enrolment.id)
    return list(db.session.scalars(_people_options(query)))


# ---------------------------------------------------------------- the export


def export_header() -> list[str]:
    return [
        _("NIP"),
        _("Nama"),
        _("Unit kerja"),
        _("Kursus"),
        _("Tenggat"),
        _("Status"),
        _("Kemajuan (%)"),
        _("Tanggal selesai"),
        _("JP"),
        _("Nomor sertifikat"),
    ]


def export_rows(
    agency_id: int,
    *,
    course_id: int | None = None,
    unit_ids: list[int] | None = None,
    status: str = "",
    now: datetime | None = None,
) -> Iterator[list]:
    """Every assigned enrolment of the agency (filtered), a batch of 500 at a time: the same
    statements per batch as a page, whatever the size of the agency."""
    now = now or utcnow()
    query = _people_query(agency_id, course_id, unit_ids, status, now).order_by(Enrolment.id)
    last = 0
    while True:
        rows = _rows(query.where(Enrolment.id > last).limit(EXPORT_BATCH), now)
        for row in rows:
            user = row.enrolment.user
            yield [
                user.nip or "",
                user.name,
                user.unit.name if user.unit else "",
                row.enrolment.course.title,
                row.enrolment.due_date.isoformat() if row.enrolment.due_date else "",
                row.status_label,
                row.progress.percent,
                row.completed_on.isoformat() if row.completed_on else "",
                row.jp,
                row.certificate or "",
            ]
        if len(rows) < EXPORT_BATCH:
            return
        last = rows[-1].enrolment.id
