"""Webinars: scheduling, co-hosts, listing, registration and the attendance report.

Who may do what is in access.py, attendance (join, heartbeat, leave, finalize, corrections) in
attendance.py, the room (chat, Q&A, polls, moderation) in room.py (reminders are lms.notifications);
callers import each name from the module that defines it. Services take the actor and the time
as arguments, `flush()` and never `commit()`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..accounts.models import Role, User
from ..accounts.services import TIMEZONE_CHOICES, find_login
from ..content import render_markdown
from ..core.statements import built_once
from ..courses import services as course_services
from ..courses.models import Course, Enrolment
from ..extensions import db
from .access import can_schedule, participant_ids, require_moderator
from .competencies import apply_levels, clean_levels
from .completion import require_in_rule
from .errors import NotAllowed, NotFound, WebinarError
from .models import Attendance, Registration, Webinar, WebinarCohost, WebinarConnection
from .signals import webinar_competencies_changed

logger = logging.getLogger(__name__)

MAX_DURATION = timedelta(hours=12)


def utcnow() -> datetime:
    return datetime.now(UTC)


def get_webinar(webinar_id: int) -> Webinar:
    webinar = db.session.get(Webinar, webinar_id)
    if webinar is None:
        raise NotFound(_l("Webinar tidak ditemukan."))
    return webinar


# ---------------------------------------------------------------- scheduling


@dataclass
class WebinarData:
    """A trainer's input: local times in the chosen zone, as typed."""

    title: str
    starts_local: datetime
    ends_local: datetime
    timezone: str
    description: str = ""
    jp: int = 0
    present_threshold: int = 80
    video_url: str = ""
    course_id: int | None = None
    required_for_course: bool = False
    # (code, level) of the competencies it awards; None leaves them as they are.
    competencies: list[tuple[str, int | str]] | None = None


def to_utc(local: datetime, zone: str) -> datetime:
    """A wall-clock time in an Indonesian zone (no daylight saving) as aware UTC."""
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def to_local(value: datetime, zone: str) -> datetime:
    """Aware UTC to the naive wall-clock time of a zone (for forms and spreadsheets)."""
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def clean_video_url(raw: str) -> str:
    url = (raw or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise WebinarError(_l("Tautan video harus berupa alamat http(s) yang lengkap."), "video_url")
    return url


def courses_for(user: User) -> list[Course]:
    """Courses a trainer may attach a webinar to: the ones they may edit (all for admins)."""
    return course_services.courses_for_editor(user)


def _apply(webinar: Webinar, data: WebinarData, by: User) -> dict[int, int] | None:
    """Validate and copy the input; returns the competencies awarded before when they changed."""
    title = " ".join((data.title or "").split())
    if not 3 <= len(title) <= 200:
        raise WebinarError(_l("Judul wajib diisi (3 sampai 200 karakter)."), "title")
    if data.timezone not in TIMEZONE_CHOICES:
        raise WebinarError(_l("Zona waktu tidak dikenal."), "timezone")
    starts_at, ends_at = to_utc(data.starts_local, data.timezone), to_utc(data.ends_local, data.timezone)
    if ends_at <= starts_at:
        raise WebinarError(_l("Waktu selesai harus sesudah waktu mulai."), "ends_local")
    if ends_at - starts_at > MAX_DURATION:
        raise WebinarError(_l("Satu sesi webinar paling lama 12 jam."), "ends_local")
    if not 0 <= data.jp <= 100:
        raise WebinarError(_l("JP harus antara 0 dan 100."), "jp")
    if not 1 <= data.present_threshold <= 100:
        raise WebinarError(_l("Batas kehadiran harus antara 1 dan 100 persen."), "present_threshold")
    if data.course_id is not None and data.course_id not in {c.id for c in courses_for(by)}:
        raise WebinarError(_l("Kursus tidak ditemukan atau bukan milik Anda."), "course_id")
    levels = clean_levels(webinar, data.competencies) if data.competencies is not None else None
    webinar.title = title
    webinar.description_md = data.description or ""
    webinar.description_html = render_markdown(data.description or "")
    webinar.starts_at, webinar.ends_at, webinar.timezone = starts_at, ends_at, data.timezone
    webinar.jp = data.jp
    webinar.present_threshold = data.present_threshold
    webinar.video_url = clean_video_url(data.video_url)
    webinar.course_id = data.course_id
    webinar.required_for_course = bool(data.course_id and data.required_for_course)
    before = apply_levels(webinar, levels) if levels is not None else None
    if webinar.required_for_course:
        require_in_rule(db.session.get(Course, data.course_id))
    return before


def schedule_webinar(data: WebinarData, *, by: User, now: datetime | None = None) -> Webinar:
    """Create a webinar hosted by a trainer; times are taken in the given zone and stored in UTC."""
    if not can_schedule(by):
        raise NotAllowed(_l("Hanya pengajar yang dapat menjadwalkan webinar."))
    webinar = Webinar(host_id=by.id)
    _apply(webinar, data, by)
    if webinar.starts_at < (now or utcnow()) - timedelta(minutes=5):
        raise WebinarError(_l("Waktu mulai sudah lewat."), "starts_local")
    db.session.add(webinar)
    db.session.flush()
    logger.info("webinar %s scheduled by %s for %s", webinar.id, by.id, webinar.starts_at.isoformat())
    return webinar


def update_webinar(webinar: Webinar, data: WebinarData, *, by: User) -> Webinar:
    """Change a webinar that is not over yet."""
    require_moderator(by, webinar)
    if webinar.is_over:
        raise WebinarError(_l("Webinar yang sudah selesai tidak dapat diubah."))
    before = (webinar.starts_at.isoformat(), webinar.ends_at.isoformat(), webinar.jp)
    awarded_before = _apply(webinar, data, by)
    db.session.flush()
    if awarded_before is not None:
        webinar_competencies_changed.send(
            current_app._get_current_object(), webinar=webinar, before=awarded_before, by=by
        )
    logger.info(
        "webinar %s changed by %s: (start, end, jp) %s -> %s",
        webinar.id,
        by.id,
        before,
        (webinar.starts_at.isoformat(), webinar.ends_at.isoformat(), webinar.jp),
    )
    return webinar


def cancel_webinar(webinar: Webinar, *, by: User, now: datetime) -> Webinar:
    """Call off a webinar that has not started: it leaves the upcoming list, takes no more
    registrations or reminders, and calendars show it cancelled. Cancelling twice changes nothing."""
    require_moderator(by, webinar)
    if webinar.cancelled_at is not None:
        return webinar
    if webinar.is_over or now >= webinar.starts_at:
        raise WebinarError(_l("Webinar yang sudah dimulai tidak dapat dibatalkan."))
    webinar.cancelled_at = now
    db.session.flush()
    logger.info("webinar %s cancelled by %s", webinar.id, by.id)
    return webinar


def add_cohost(webinar: Webinar, login: str, *, by: User) -> User:
    """Make another trainer (found by NIP or email) a co-host."""
    require_moderator(by, webinar)
    user = find_login(login)
    if user is None or not user.active:
        raise WebinarError(_l("Pengguna dengan NIP/email tersebut tidak ditemukan."), "login")
    if not user.has_role(Role.TRAINER, Role.ADMIN):
        raise WebinarError(_l("Pemandu pendamping harus berperan sebagai pengajar."), "login")
    if user.id not in webinar.moderator_ids():
        webinar.cohosts.append(WebinarCohost(user_id=user.id))
        db.session.flush()
        logger.info("webinar %s: co-host %s added by %s", webinar.id, user.id, by.id)
    return user


# ---------------------------------------------------------------- listing and registration


def upcoming(now: datetime) -> sa.Select:
    """Webinars not over yet, soonest first (a query for db.paginate)."""
    return (
        sa.select(Webinar)
        .where(
            Webinar.ends_at > now,
            Webinar.ended_at.is_(None),
            Webinar.finalized_at.is_(None),
            Webinar.cancelled_at.is_(None),
        )
        .options(selectinload(Webinar.host))
        .order_by(Webinar.starts_at, Webinar.id)
    )


def past(now: datetime) -> sa.Select:
    return (
        sa.select(Webinar)
        .where(
            sa.or_(Webinar.ends_at <= now, Webinar.ended_at.is_not(None), Webinar.finalized_at.is_not(None))
        )
        .options(selectinload(Webinar.host))
        .order_by(Webinar.starts_at.desc(), Webinar.id.desc())
    )


def registered_ids(user: User, webinar_ids: list[int]) -> set[int]:
    if not webinar_ids:
        return set()
    query = sa.select(Registration.webinar_id).where(
        Registration.user_id == user.id, Registration.webinar_id.in_(webinar_ids)
    )
    return set(db.session.scalars(query))


@built_once
def upcoming_query() -> sa.Select:
    """The webinars of the user `user_id` (registered, enrolled or moderated) running between
    `webinars_now` and starting before `webinars_until` (bind parameters), soonest first, at most
    10: the in-app reminder on the home page."""
    user_id = sa.bindparam("user_id")
    now = sa.bindparam("webinars_now", type_=Webinar.__table__.c.ends_at.type)
    enrolled_courses = sa.select(Enrolment.course_id).where(Enrolment.user_id == user_id)
    registered = sa.select(Registration.webinar_id).where(Registration.user_id == user_id)
    return (
        sa.select(Webinar)
        .where(
            Webinar.ends_at > now,
            Webinar.starts_at < sa.bindparam("webinars_until", type_=Webinar.__table__.c.starts_at.type),
            Webinar.ended_at.is_(None),
            Webinar.cancelled_at.is_(None),
            sa.or_(
                Webinar.id.in_(registered),
                Webinar.course_id.in_(enrolled_courses),
                Webinar.host_id == user_id,
                Webinar.id.in_(sa.select(WebinarCohost.webinar_id).where(WebinarCohost.user_id == user_id)),
            ),
        )
        .order_by(Webinar.starts_at)
        .limit(10)
    )


def upcoming_params(user: User, now: datetime, days: int = 7) -> dict:
    return {"user_id": user.id, "webinars_now": now, "webinars_until": now + timedelta(days=days)}


def my_upcoming(user: User, now: datetime, days: int = 7) -> list[Webinar]:
    """The user's webinars starting within `days` (see upcoming_query)."""
    return list(db.session.scalars(upcoming_query(), upcoming_params(user, now, days)))


def register(user: User, webinar: Webinar, *, now: datetime) -> Registration:
    """Register a participant; registering twice returns the existing registration."""
    if not user.is_active:
        raise NotAllowed(_l("Akun Anda tidak aktif."))
    if webinar.is_over or now >= webinar.ends_at:
        raise WebinarError(_l("Webinar ini sudah selesai."))
    if webinar.cancelled_at is not None:
        raise WebinarError(_l("Webinar ini dibatalkan."))
    existing = db.session.scalar(
        sa.select(Registration).where(Registration.webinar_id == webinar.id, Registration.user_id == user.id)
    )
    if existing is not None:
        return existing
    registration = Registration(webinar_id=webinar.id, user_id=user.id, registered_at=now)
    db.session.add(registration)
    db.session.flush()
    logger.info("user %s registered for webinar %s", user.id, webinar.id)
    return registration


def unregister(user: User, webinar: Webinar, *, now: datetime) -> None:
    """Cancel a registration before the webinar starts."""
    if now >= webinar.starts_at:
        raise WebinarError(_l("Pendaftaran tidak dapat dibatalkan setelah webinar dimulai."))
    db.session.execute(
        sa.delete(Registration).where(Registration.webinar_id == webinar.id, Registration.user_id == user.id)
    )
    logger.info("user %s unregistered from webinar %s", user.id, webinar.id)


# ---------------------------------------------------------------- report


@dataclass
class ReportRow:
    user: User
    attendance: Attendance | None
    joined: bool


def attendance_report(webinar: Webinar) -> list[ReportRow]:
    """Every participant and everyone who joined, by name, with their final attendance if any."""
    records = {
        a.user_id: a
        for a in db.session.scalars(sa.select(Attendance).where(Attendance.webinar_id == webinar.id))
    }
    joined = set(
        db.session.scalars(
            sa.select(WebinarConnection.user_id).where(WebinarConnection.webinar_id == webinar.id).distinct()
        )
    )
    ids = participant_ids(webinar) | set(records) | (joined - webinar.moderator_ids())
    users = db.session.scalars(
        sa.select(User).where(User.id.in_(ids)).options(selectinload(User.unit)).order_by(User.name, User.id)
    )
    return [ReportRow(user, records.get(user.id), user.id in joined) for user in users]
