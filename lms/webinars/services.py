"""Webinars: scheduling, registration, who may enter a room, reminders and the attendance report.

Attendance (join, heartbeat, leave, finalize, corrections) lives in attendance.py and the room
(chat, Q&A, polls, moderation) in room.py; both are re-exported here, so callers use
`services.<verb>` for everything. Services take the actor and the time as arguments, `flush()`
and never `commit()`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, lazyload, selectinload

from ..accounts.models import Role, User, UserRole
from ..accounts.services import TIMEZONE_CHOICES
from ..content import render_markdown
from ..courses import services as course_services
from ..courses.models import Course, Enrolment
from ..extensions import db
from .attendance import (  # noqa: F401 - re-exported
    check_open,
    close_stale,
    correct_attendance,
    end_webinar,
    finalize,
    finalize_due,
    heartbeat,
    join,
    leave,
    open_sockets,
    present_users,
    room_state,
)
from .competencies import apply_levels, clean_levels
from .completion import require_in_rule  # noqa: F401 - re-exported
from .errors import NotAllowed, NotFound, WebinarError
from .models import (
    Attendance,
    ChatMessage,
    Poll,
    PollStatus,
    Registration,
    Webinar,
    WebinarCohost,
    WebinarConnection,
    WebinarMute,
)
from .reminders import local_time_for, send_reminders  # noqa: F401 - re-exported
from .room import (  # noqa: F401 - re-exported
    ask,
    chat_page,
    close_poll,
    create_poll,
    delete_message,
    delete_question,
    is_muted,
    mark_answered,
    muted_ids,
    open_poll,
    pin_message,
    pinned_message,
    poll_results,
    polls,
    post_message,
    questions,
    set_mute,
    upvote,
    vote,
)

logger = logging.getLogger(__name__)

MAX_DURATION = timedelta(hours=12)


def utcnow() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- who may do what


def is_moderator(user: User, webinar: Webinar) -> bool:
    """The host, the co-hosts and administrators moderate a webinar."""
    return user.is_admin or user.id in webinar.moderator_ids()


def agency_ids(webinar: Webinar) -> set[int]:
    """The agencies a webinar is run for: its host's, and the owner of its course."""
    ids = {webinar.host.agency_id, webinar.course.owner_agency_id if webinar.course else None}
    return ids - {None}


def can_view_attendance(user: User, webinar: Webinar) -> bool:
    """Moderators, and the agency admins of an agency the webinar is run for (read-only)."""
    if is_moderator(user, webinar):
        return True
    return user.has_role(Role.AGENCY_ADMIN) and user.agency_id in agency_ids(webinar)


def attendance_reports(user: User) -> sa.Select:
    """The webinars whose attendance report `user` may read, newest first (for db.paginate)."""
    query = (
        sa.select(Webinar)
        .options(selectinload(Webinar.host))
        .order_by(Webinar.starts_at.desc(), Webinar.id.desc())
    )
    if user.is_admin:
        return query
    cohosted = sa.select(WebinarCohost.webinar_id).where(WebinarCohost.user_id == user.id)
    allowed = [Webinar.host_id == user.id, Webinar.id.in_(cohosted)]
    if user.has_role(Role.AGENCY_ADMIN) and user.agency_id is not None:
        hosts = sa.select(User.id).where(User.agency_id == user.agency_id)
        courses = sa.select(Course.id).where(Course.owner_agency_id == user.agency_id)
        allowed += [Webinar.host_id.in_(hosts), Webinar.course_id.in_(courses)]
    return query.where(sa.or_(*allowed))


def can_schedule(user: User) -> bool:
    return user.has_role(Role.TRAINER, Role.ADMIN)


def is_registered(user: User, webinar: Webinar) -> bool:
    query = sa.select(Registration.id).where(
        Registration.webinar_id == webinar.id, Registration.user_id == user.id
    )
    return db.session.scalar(query) is not None


def is_assigned(user: User, webinar: Webinar) -> bool:
    """Enrolled in the course the webinar belongs to."""
    if webinar.course_id is None:
        return False
    query = sa.select(Enrolment.id).where(
        Enrolment.course_id == webinar.course_id, Enrolment.user_id == user.id
    )
    return db.session.scalar(query) is not None


def can_enter(user: User | None, webinar: Webinar) -> bool:
    """Active users who registered, are enrolled in its course, or moderate it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_moderator(user, webinar) or is_registered(user, webinar) or is_assigned(user, webinar)


@dataclass
class RoomAccess:
    """A user's standing in one webinar, as the room checks it on every event.

    `webinar` is None when there is no such webinar. Read by `room_access` in one statement."""

    user: User
    webinar: Webinar | None
    admin: bool
    cohost: bool
    registered: bool
    enrolled: bool
    muted: bool

    @property
    def moderator(self) -> bool:
        webinar = self.webinar
        return webinar is not None and (self.admin or self.cohost or webinar.host_id == self.user.id)

    @property
    def allowed(self) -> bool:
        """Active, and registered, enrolled in the webinar's course, or moderating it."""
        return (
            self.user.is_active
            and self.webinar is not None
            and (self.moderator or self.registered or self.enrolled)
        )


@cache
def _room_access_query() -> sa.Select:
    # Built once: composing this statement costs more CPU than running it.
    user_id, webinar_id = sa.bindparam("user_id"), sa.bindparam("webinar_id")
    return (
        sa.select(
            User,
            Webinar,
            sa.exists().where(UserRole.user_id == User.id, UserRole.role == Role.ADMIN),
            sa.exists().where(WebinarCohost.webinar_id == Webinar.id, WebinarCohost.user_id == User.id),
            sa.exists().where(Registration.webinar_id == Webinar.id, Registration.user_id == User.id),
            sa.exists().where(Enrolment.course_id == Webinar.course_id, Enrolment.user_id == User.id),
            sa.exists().where(WebinarMute.webinar_id == Webinar.id, WebinarMute.user_id == User.id),
        )
        .select_from(User)
        .outerjoin(Webinar, Webinar.id == webinar_id)
        .where(User.id == user_id)
        # Roles and co-hosts are answered above; load the collections only if something asks.
        .options(lazyload(User.role_rows), lazyload(Webinar.cohosts))
    )


def room_access(user_id: int, webinar_id: int | None) -> RoomAccess | None:
    """The user, the webinar and the user's standing in it (roles, co-host, registration,
    enrolment, mute) in one statement; None when there is no such user."""
    webinar_key = webinar_id if isinstance(webinar_id, int) and not isinstance(webinar_id, bool) else None
    row = db.session.execute(
        _room_access_query(), {"user_id": user_id, "webinar_id": webinar_key}
    ).one_or_none()
    if row is None:
        return None
    user, webinar, admin, cohost, registered, enrolled, muted = row
    return RoomAccess(user, webinar, bool(admin), bool(cohost), bool(registered), bool(enrolled), bool(muted))


def live_state(webinar: Webinar) -> tuple[ChatMessage | None, Poll | None]:
    """What a participant joining the room sees first: the pinned message and the open poll."""
    pinned = pinned_message(webinar)
    poll = (
        db.session.scalars(
            sa.select(Poll)
            .where(Poll.webinar_id == webinar.id, Poll.status == PollStatus.OPEN)
            .options(joinedload(Poll.options))
            .order_by(Poll.id)
            .limit(1)
        )
        .unique()
        .first()
    )
    return pinned, poll


def require_moderator(user: User, webinar: Webinar) -> None:
    if not user.is_active or not is_moderator(user, webinar):
        raise NotAllowed(_l("Hanya pemandu webinar yang dapat melakukan ini."))


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


def _apply(webinar: Webinar, data: WebinarData, by: User) -> None:
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
    if levels is not None:
        apply_levels(webinar, levels)
    if webinar.required_for_course:
        require_in_rule(db.session.get(Course, data.course_id))


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
    _apply(webinar, data, by)
    db.session.flush()
    logger.info(
        "webinar %s changed by %s: (start, end, jp) %s -> %s",
        webinar.id,
        by.id,
        before,
        (webinar.starts_at.isoformat(), webinar.ends_at.isoformat(), webinar.jp),
    )
    return webinar


def add_cohost(webinar: Webinar, login: str, *, by: User) -> User:
    """Make another trainer (found by NIP or email) a co-host."""
    from ..accounts.services import find_login

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
        .where(Webinar.ends_at > now, Webinar.ended_at.is_(None), Webinar.finalized_at.is_(None))
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


def my_upcoming(user: User, now: datetime, days: int = 7) -> list[Webinar]:
    """The user's webinars (registered, enrolled or moderated) starting within `days`: the
    in-app reminder on the home page."""
    enrolled_courses = sa.select(Enrolment.course_id).where(Enrolment.user_id == user.id)
    registered = sa.select(Registration.webinar_id).where(Registration.user_id == user.id)
    query = (
        sa.select(Webinar)
        .where(
            Webinar.ends_at > now,
            Webinar.starts_at < now + timedelta(days=days),
            Webinar.ended_at.is_(None),
            sa.or_(
                Webinar.id.in_(registered),
                Webinar.course_id.in_(enrolled_courses),
                Webinar.host_id == user.id,
                Webinar.id.in_(sa.select(WebinarCohost.webinar_id).where(WebinarCohost.user_id == user.id)),
            ),
        )
        .order_by(Webinar.starts_at)
        .limit(10)
    )
    return list(db.session.scalars(query))


def register(user: User, webinar: Webinar, *, now: datetime) -> Registration:
    """Register a participant; registering twice returns the existing registration."""
    if not user.is_active:
        raise NotAllowed(_l("Akun Anda tidak aktif."))
    if webinar.is_over or now >= webinar.ends_at:
        raise WebinarError(_l("Webinar ini sudah selesai."))
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


def participant_ids(webinar: Webinar) -> set[int]:
    """Registered people and, for a course webinar, the people enrolled in the course."""
    ids = set(
        db.session.scalars(sa.select(Registration.user_id).where(Registration.webinar_id == webinar.id))
    )
    if webinar.course_id is not None:
        ids |= set(
            db.session.scalars(sa.select(Enrolment.user_id).where(Enrolment.course_id == webinar.course_id))
        )
    return ids


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
