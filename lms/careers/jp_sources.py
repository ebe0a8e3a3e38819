"""The JP sources: where a person's JP of a year comes from (see jp.py).

Each source answers the same four questions: `total()` of a person's year (to keep jp_totals in
step), `yearly_sql()` (PostgreSQL rebuild, set-based), `yearly_rows()` (SQLite rebuild, bucketed
in Python) and `items()` (the lines of the profile of a year; of every year for the transcript).
A course or webinar whose certificate was revoked is left out of the totals and listed, marked,
in the items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import Agency, User
from ..certificates.models import Certificate, CertificateSource
from ..core.clock import as_utc
from ..courses.models import Course, Enrolment
from ..extensions import db
from ..webinars.models import Attendance, Webinar
from .models import JpRecord


def _zone_expr():
    return sa.func.coalesce(User.timezone, Agency.timezone, "Asia/Jakarta")


def year_bounds(year: int, timezone: str) -> tuple[datetime, datetime]:
    """The start of a calendar year and of the next one, in a time zone."""
    zone = ZoneInfo(timezone)
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def _in_year(column, user: User, year: int | None) -> tuple:
    """Conditions that keep a time column inside the person's calendar year (none: every year)."""
    if year is None:
        return (column.is_not(None),)
    start, end = year_bounds(year, user.effective_timezone)
    return (column >= as_utc(start), column < as_utc(end))


@dataclass(frozen=True)
class JpItem:
    """One line of a person's JP of a year, for the profile."""

    kind: str  # "course", "jp_record", "webinar"
    title: str
    on: date
    jp: int
    detail: str = ""
    course_slug: str | None = None
    webinar_id: int | None = None
    certificate: str | None = None  # its number, for courses and webinars
    revoked: bool = False  # the certificate was revoked: listed, not counted
    started: date | None = None  # when it began, if not the same day
    organizer: str = ""  # for learning elsewhere

    @property
    def counted(self) -> int:
        return 0 if self.revoked else self.jp


def _not_revoked(source: CertificateSource, source_id):
    return ~sa.exists().where(
        Certificate.source == source, Certificate.source_id == source_id, Certificate.revoked_at.is_not(None)
    )


def _certificate_join(source: CertificateSource, source_id):
    return sa.and_(Certificate.source == source, Certificate.source_id == source_id)


# ---------------------------------------------------------------- sources


class CourseSource:
    """JP of the courses completed in the year."""

    def total(self, conn, user_id: int, year: int, timezone: str) -> int:
        start, end = year_bounds(year, timezone)
        return int(
            conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(Course.jp), 0))
                .join(Enrolment, Enrolment.course_id == Course.id)
                .where(
                    Enrolment.user_id == user_id,
                    Enrolment.completed_at >= as_utc(start),
                    Enrolment.completed_at < as_utc(end),
                    _not_revoked(CertificateSource.COURSE, Enrolment.id),
                )
            ).scalar()
            or 0
        )

    def yearly_sql(self, where) -> sa.Select:
        local = sa.func.timezone(_zone_expr(), Enrolment.completed_at)
        return (
            sa.select(
                Enrolment.user_id.label("user_id"),
                sa.cast(sa.extract("year", local), sa.Integer).label("year"),
                Course.jp.label("jp"),
            )
            .join(Course, Course.id == Enrolment.course_id)
            .join(User, User.id == Enrolment.user_id)
            .outerjoin(Agency, Agency.id == User.agency_id)
            .where(
                where,
                Enrolment.completed_at.is_not(None),
                Course.jp > 0,
                _not_revoked(CertificateSource.COURSE, Enrolment.id),
            )
        )

    def yearly_rows(self, conn, where):

        query = (
            sa.select(Enrolment.user_id, Enrolment.completed_at, _zone_expr(), Course.jp)
            .join(Course, Course.id == Enrolment.course_id)
            .join(User, User.id == Enrolment.user_id)
            .outerjoin(Agency, Agency.id == User.agency_id)
            .where(
                where,
                Enrolment.completed_at.is_not(None),
                Course.jp > 0,
                _not_revoked(CertificateSource.COURSE, Enrolment.id),
            )
        )
        for user_id, completed_at, zone, jp in conn.execute(query):
            yield user_id, as_utc(completed_at).astimezone(ZoneInfo(zone)).year, jp

    def items(self, user: User, year: int | None) -> list[JpItem]:
        rows = db.session.execute(
            sa.select(
                Course.title,
                Course.slug,
                Course.jp,
                Enrolment.enrolled_at,
                Enrolment.completed_at,
                Certificate.number,
                Certificate.revoked_at.is_not(None),
            )
            .join(Enrolment, Enrolment.course_id == Course.id)
            .outerjoin(Certificate, _certificate_join(CertificateSource.COURSE, Enrolment.id))
            .where(Enrolment.user_id == user.id, *_in_year(Enrolment.completed_at, user, year))
            .order_by(Enrolment.completed_at)
        )

        zone = ZoneInfo(user.effective_timezone)
        return [
            JpItem(
                "course",
                title,
                as_utc(at).astimezone(zone).date(),
                jp,
                str(_l("Kursus daring")),
                course_slug=slug,
                certificate=number,
                revoked=bool(revoked),
                started=as_utc(enrolled).astimezone(zone).date() if enrolled else None,
            )
            for title, slug, jp, enrolled, at, number, revoked in rows
        ]


class WebinarSource:
    """JP credited by the webinars a person was present at, in the year the webinar took place."""

    def _base(self, *columns):
        return (
            sa.select(*columns)
            .join(Webinar, Webinar.id == Attendance.webinar_id)
            .where(Attendance.present.is_(True), Attendance.jp_credited > 0)
        )

    def total(self, conn, user_id: int, year: int, timezone: str) -> int:
        start, end = year_bounds(year, timezone)
        return int(
            conn.execute(
                self._base(sa.func.coalesce(sa.func.sum(Attendance.jp_credited), 0)).where(
                    Attendance.user_id == user_id,
                    Webinar.starts_at >= as_utc(start),
                    Webinar.starts_at < as_utc(end),
                    _not_revoked(CertificateSource.WEBINAR, Attendance.id),
                )
            ).scalar()
            or 0
        )

    def yearly_sql(self, where) -> sa.Select:
        local = sa.func.timezone(_zone_expr(), Webinar.starts_at)
        return (
            self._base(
                Attendance.user_id.label("user_id"),
                sa.cast(sa.extract("year", local), sa.Integer).label("year"),
                Attendance.jp_credited.label("jp"),
            )
            .join(User, User.id == Attendance.user_id)
            .outerjoin(Agency, Agency.id == User.agency_id)
            .where(where, _not_revoked(CertificateSource.WEBINAR, Attendance.id))
        )

    def yearly_rows(self, conn, where):

        query = (
            self._base(Attendance.user_id, Webinar.starts_at, _zone_expr(), Attendance.jp_credited)
            .join(User, User.id == Attendance.user_id)
            .outerjoin(Agency, Agency.id == User.agency_id)
            .where(where, _not_revoked(CertificateSource.WEBINAR, Attendance.id))
        )
        for user_id, starts_at, zone, jp in conn.execute(query):
            yield user_id, as_utc(starts_at).astimezone(ZoneInfo(zone)).year, jp

    def items(self, user: User, year: int | None) -> list[JpItem]:
        rows = db.session.execute(
            self._base(
                Webinar.id,
                Webinar.title,
                Attendance.jp_credited,
                Webinar.starts_at,
                Certificate.number,
                Certificate.revoked_at.is_not(None),
            )
            .outerjoin(Certificate, _certificate_join(CertificateSource.WEBINAR, Attendance.id))
            .where(Attendance.user_id == user.id, *_in_year(Webinar.starts_at, user, year))
            .order_by(Webinar.starts_at)
        )
        zone = ZoneInfo(user.effective_timezone)
        return [
            JpItem(
                "webinar",
                title,
                as_utc(at).astimezone(zone).date(),
                jp,
                str(_l("Webinar")),
                webinar_id=webinar_id,
                certificate=number,
                revoked=bool(revoked),
            )
            for webinar_id, title, jp, at, number, revoked in rows
        ]


class JpRecordSource:
    """JP recorded by HR for learning elsewhere, counted in the year it ended."""

    def total(self, conn, user_id: int, year: int, timezone: str) -> int:
        return int(
            conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(JpRecord.jp), 0)).where(
                    JpRecord.user_id == user_id,
                    JpRecord.ended_on >= date(year, 1, 1),
                    JpRecord.ended_on <= date(year, 12, 31),
                )
            ).scalar()
            or 0
        )

    def yearly_sql(self, where) -> sa.Select:
        return (
            sa.select(
                JpRecord.user_id.label("user_id"),
                sa.cast(sa.extract("year", JpRecord.ended_on), sa.Integer).label("year"),
                JpRecord.jp.label("jp"),
            )
            .join(User, User.id == JpRecord.user_id)
            .where(where)
        )

    def yearly_rows(self, conn, where):
        query = (
            sa.select(JpRecord.user_id, JpRecord.ended_on, JpRecord.jp)
            .join(User, User.id == JpRecord.user_id)
            .where(where)
        )
        for user_id, ended_on, jp in conn.execute(query):
            yield user_id, ended_on.year, jp

    def items(self, user: User, year: int | None) -> list[JpItem]:
        query = (
            sa.select(JpRecord).where(JpRecord.user_id == user.id).order_by(JpRecord.ended_on, JpRecord.id)
        )
        if year is not None:
            query = query.where(
                JpRecord.ended_on >= date(year, 1, 1), JpRecord.ended_on <= date(year, 12, 31)
            )
        return [
            JpItem(
                "jp_record",
                r.title,
                r.ended_on,
                r.jp,
                r.kind.label,
                certificate=r.certificate_number or None,
                started=r.started_on,
                organizer=r.organizer,
            )
            for r in db.session.scalars(query)
        ]


_sources: list = [CourseSource(), WebinarSource(), JpRecordSource()]


def sources() -> list:
    """The JP sources (courses, webinars, JP records) the yearly totals add up."""
    return list(_sources)


def register_source(source) -> None:
    """Add a JP source: total(), yearly_sql(), yearly_rows() and items() as above."""
    if all(type(existing) is not type(source) for existing in _sources):
        _sources.append(source)
