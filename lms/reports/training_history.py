"""The training history of an agency's people in the shape SIASN imports (riwayat diklat): every
JP source the careers ledger counts (completed courses, webinars attended for JP, JP records from
HR) with its certificate number, person by person, streamed over a server-side cursor. A course or
webinar whose certificate was revoked is left out, as the ledger leaves it out of the JP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from ..accounts.identity import verified
from ..accounts.models import Agency, User
from ..careers.models import JpRecord, LearningKind
from ..certificates.models import Certificate, CertificateSource
from ..core.clock import as_utc
from ..courses.models import Course, Enrolment
from ..extensions import db
from ..webinars.models import Attendance, Webinar

HISTORY_PEOPLE = 500  # people whose training history is read (and sorted) in one query


def training_history_header() -> list[str]:
    return [
        _("NIP"),
        _("Nama"),
        _("Jenis diklat"),
        _("Nama diklat"),
        _("Penyelenggara"),
        _("Tanggal mulai"),
        _("Tanggal selesai"),
        _("Tahun"),
        _("Durasi (jam)"),
        _("JP"),
        _("Nomor sertifikat"),
    ]


def _local_date(value: datetime | None, zone: ZoneInfo) -> date | None:
    """A stored time (naive from SQLite when read through a raw union) as a date in the zone."""
    return as_utc(value).astimezone(zone).date() if value is not None else None


def _certificate(source: CertificateSource, source_id):
    return sa.and_(Certificate.source == source, Certificate.source_id == source_id)


def training_history_rows(
    agency_id: int, year: int | None = None, *, site: str = "", jp_minutes: int = 45
) -> Iterator[list]:
    """Every completed course, webinar attended for JP and JP record of the agency's people,
    person by person (what the careers JP ledger counts).

    `site` names the organiser of the platform's own courses; `jp_minutes` is the length of one JP."""
    minutes = jp_minutes
    zone_of: dict[str, ZoneInfo] = {}
    agency_zone = (
        db.session.scalar(sa.select(Agency.timezone).where(Agency.id == agency_id)) or "Asia/Jakarta"
    )
    courses = (
        sa.select(
            User.id.label("user_id"),
            User.nip,
            User.name,
            User.timezone,
            sa.literal("course").label("kind"),
            Course.title,
            Agency.name.label("organizer"),
            Enrolment.enrolled_at.label("started"),
            Enrolment.completed_at.label("ended"),
            sa.cast(sa.null(), sa.Date).label("start_day"),
            sa.cast(sa.null(), sa.Date).label("end_day"),
            Course.jp,
            sa.cast(sa.null(), sa.Integer).label("minutes"),
            sa.func.coalesce(Certificate.number, "").label("certificate"),
        )
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(Agency, Agency.id == Course.owner_agency_id)
        .outerjoin(Certificate, _certificate(CertificateSource.COURSE, Enrolment.id))
        .where(
            User.agency_id == agency_id,
            verified(),
            Enrolment.completed_at.is_not(None),
            Certificate.revoked_at.is_(None),
        )
    )
    webinars = (
        sa.select(
            User.id.label("user_id"),
            User.nip,
            User.name,
            User.timezone,
            sa.literal("webinar").label("kind"),
            Webinar.title,
            sa.cast(sa.null(), sa.String).label("organizer"),
            Webinar.starts_at.label("started"),
            Webinar.starts_at.label("ended"),
            sa.cast(sa.null(), sa.Date).label("start_day"),
            sa.cast(sa.null(), sa.Date).label("end_day"),
            Attendance.jp_credited,
            sa.cast(sa.null(), sa.Integer).label("minutes"),
            sa.func.coalesce(Certificate.number, "").label("certificate"),
        )
        .select_from(Attendance)
        .join(User, User.id == Attendance.user_id)
        .join(Webinar, Webinar.id == Attendance.webinar_id)
        .outerjoin(Certificate, _certificate(CertificateSource.WEBINAR, Attendance.id))
        .where(
            User.agency_id == agency_id,
            verified(),
            Attendance.present.is_(True),
            Attendance.jp_credited > 0,
            Certificate.revoked_at.is_(None),
        )
    )
    others = (
        sa.select(
            User.id.label("user_id"),
            User.nip,
            User.name,
            User.timezone,
            JpRecord.kind,
            JpRecord.title,
            JpRecord.organizer,
            sa.cast(sa.null(), sa.DateTime(timezone=True)),
            sa.cast(sa.null(), sa.DateTime(timezone=True)),
            JpRecord.started_on,
            JpRecord.ended_on,
            JpRecord.jp,
            JpRecord.minutes,
            JpRecord.certificate_number,
        )
        .select_from(JpRecord)
        .join(User, User.id == JpRecord.user_id)
        .where(User.agency_id == agency_id, verified())
    )
    if year is not None:
        zone = ZoneInfo(agency_zone)
        start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
        end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
        courses = courses.where(Enrolment.completed_at >= start, Enrolment.completed_at < end)
        webinars = webinars.where(Webinar.starts_at >= start, Webinar.starts_at < end)
        others = others.where(JpRecord.ended_on >= date(year, 1, 1), JpRecord.ended_on <= date(year, 12, 31))
    low, high = sa.bindparam("low"), sa.bindparam("high")
    union = sa.union_all(
        courses.where(User.id.between(low, high)),
        webinars.where(User.id.between(low, high)),
        others.where(User.id.between(low, high)),
    ).subquery("history")
    query = sa.select(union).order_by(union.c.user_id, union.c.ended, union.c.end_day)
    people = (
        sa.select(User.id)
        .where(User.agency_id == agency_id, verified())
        .order_by(User.id)
        .limit(HISTORY_PEOPLE)
    )
    course_kind = _("E-learning (kursus daring)")
    webinar_kind = _("Webinar (seminar daring)")
    last = 0
    # A batch of people at a time, in the order of the file: sorting the history of a whole
    # agency at once would keep the first byte waiting for seconds.
    while ids := db.session.scalars(people.where(User.id > last)).all():
        last = ids[-1]
        for row in db.session.execute(query, {"low": ids[0], "high": last}):
            zone_name = row.timezone or agency_zone
            zone = zone_of.get(zone_name) or zone_of.setdefault(zone_name, ZoneInfo(zone_name))
            if row.kind in ("course", "webinar"):
                kind, started, ended = (
                    course_kind if row.kind == "course" else webinar_kind,
                    _local_date(row.started, zone),
                    _local_date(row.ended, zone),
                )
                organizer = row.organizer or site
            else:
                kind, started, ended = LearningKind(row.kind).label, row.start_day, row.end_day
                organizer = row.organizer or ""
            hours = round((row.minutes if row.minutes is not None else row.jp * minutes) / 60, 2)
            yield [
                row.nip or "",
                row.name,
                kind,
                row.title,
                organizer,
                started,
                ended,
                ended.year if ended else "",
                hours,
                row.jp,
                row.certificate or "",
            ]
