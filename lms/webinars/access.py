"""Who may do what in a webinar: the one place that answers it, for the views and the room.

The Socket.IO events read a user's standing in one statement per event (`room_access`); pages
and services ask the plain questions (`is_moderator`, `can_enter`, `require_moderator`, ...).
`participant_ids` says who takes part: the registered people and those enrolled in its course.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import lazyload, selectinload

from ..accounts.models import Role, User, UserRole, UserSession
from ..core.statements import built_once
from ..courses.models import Course, Enrolment
from ..extensions import db
from .errors import NotAllowed
from .models import (
    ChatMessage,
    Poll,
    PollStatus,
    Registration,
    RoomSchedule,
    Webinar,
    WebinarCohost,
    WebinarConnection,
    WebinarMute,
)

logger = logging.getLogger(__name__)


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


@dataclass(slots=True)
class JoinState:
    """What a join needs besides the access, read in the same statement (`room_access(joining=)`):
    whether this socket already has an open interval in the room, whether another tab or device
    of the person has one, and the ids of the pinned message and the open poll (None mostly)."""

    this_sid_open: bool
    elsewhere_open: bool
    pinned_id: int | None
    poll_id: int | None


@dataclass(slots=True)
class RoomUser:
    """The user as the busiest room events need them (`room_access(..., light=True)`): read as
    three columns, without the ORM's object loading, which costs more than the statement."""

    id: int
    name: str
    active: bool

    @property
    def is_active(self) -> bool:
        return self.active


@dataclass(slots=True)
class RoomWebinar(RoomSchedule):
    """The webinar's columns that a join or a heartbeat reads (its room, its window, who hosts
    it, whether it is cancelled), with the model's room names and window (`RoomSchedule`)."""

    id: int
    host_id: int
    course_id: int | None
    starts_at: datetime
    ends_at: datetime
    ended_at: datetime | None
    finalized_at: datetime | None
    cancelled_at: datetime | None


_USER_COLUMNS = ("id", "name", "active")
_WEBINAR_COLUMNS = tuple(RoomWebinar.__dataclass_fields__)


@dataclass
class RoomAccess:
    """A user's standing in one webinar, as the room checks it on every event.

    `webinar` is None when there is no such webinar. Read by `room_access` in one statement;
    `joining` is set when it was read for a join (`room_access(..., joining=sid)`), and
    `session_seen` (the login session's `last_seen_at`) when the idle limit was checked with it
    (`room_access(..., seen_since=)`)."""

    user: User | RoomUser
    webinar: Webinar | RoomWebinar | None
    admin: bool
    cohost: bool
    registered: bool
    enrolled: bool
    muted: bool
    joining: JoinState | None = None
    session_seen: datetime | None = None

    @property
    def moderator(self) -> bool:
        webinar = self.webinar
        return webinar is not None and (self.admin or self.cohost or webinar.host_id == self.user.id)

    @property
    def allowed(self) -> bool:
        """Active, and moderating the webinar, or registered or enrolled in its course while it is
        not cancelled."""
        return (
            self.user.is_active
            and self.webinar is not None
            and (self.moderator or (self.webinar.cancelled_at is None and (self.registered or self.enrolled)))
        )


def _c(model) -> sa.ColumnCollection:
    # The table's columns, not the ORM attributes: the statement stays plain Core unless it
    # selects the User and Webinar entities themselves.
    return model.__table__.c


def _join_columns() -> tuple:
    """The JoinState columns: a few index probes, so a join is this statement and its INSERT."""
    users, webinars, connections = _c(User), _c(Webinar), _c(WebinarConnection)
    messages, polls = _c(ChatMessage), _c(Poll)
    sid = sa.bindparam("sid")
    open_here = sa.and_(
        connections.webinar_id == webinars.id,
        connections.user_id == users.id,
        connections.closed_at.is_(None),
    )
    pinned = (
        sa.select(messages.id)
        .where(
            messages.webinar_id == webinars.id,
            messages.pinned_at.is_not(None),
            messages.deleted_at.is_(None),
        )
        .limit(1)
        .scalar_subquery()
    )
    poll = (
        sa.select(polls.id)
        .where(polls.webinar_id == webinars.id, polls.status == PollStatus.OPEN)
        .order_by(polls.id)
        .limit(1)
        .scalar_subquery()
    )
    return (
        sa.exists().where(open_here, connections.sid == sid),
        sa.exists().where(open_here, connections.sid != sid),
        pinned,
        poll,
    )


@built_once
def _room_access_query(
    with_session: bool, joining: bool = False, light: bool = False, idle: bool = False
) -> sa.Select:
    # Built once per shape: composing this statement costs more CPU than running it.
    user_id, webinar_id = sa.bindparam("user_id"), sa.bindparam("webinar_id")
    users, webinars = _c(User), _c(Webinar)
    roles, cohosts, registrations = _c(UserRole), _c(WebinarCohost), _c(Registration)
    enrolments, mutes = _c(Enrolment), _c(WebinarMute)
    if light:
        entities = [*(users[n] for n in _USER_COLUMNS), *(webinars[n] for n in _WEBINAR_COLUMNS)]
    else:
        entities = [User, Webinar]
    query = (
        sa.select(
            *entities,
            sa.exists().where(roles.user_id == users.id, roles.role == Role.ADMIN),
            sa.exists().where(cohosts.webinar_id == webinars.id, cohosts.user_id == users.id),
            sa.exists().where(registrations.webinar_id == webinars.id, registrations.user_id == users.id),
            sa.exists().where(enrolments.course_id == webinars.course_id, enrolments.user_id == users.id),
            sa.exists().where(mutes.webinar_id == webinars.id, mutes.user_id == users.id),
            *(_join_columns() if joining else ()),
            *((_c(UserSession).last_seen_at,) if idle else ()),
        )
        .select_from(User.__table__)
        .outerjoin(Webinar.__table__, webinars.id == webinar_id)
        .where(users.id == user_id)
    )
    if not light:
        # Roles and co-hosts are answered above; load the collections only if something asks.
        query = query.options(lazyload(User.role_rows), lazyload(Webinar.cohosts))
    if with_session:
        sessions = _c(UserSession)
        live_session = sa.and_(
            sessions.user_id == users.id,
            sessions.id == sa.bindparam("session_id"),
            sessions.ended_at.is_(None),
        )
        if idle:  # a session unused for longer than the idle timeout has ended on its own
            live_session = sa.and_(live_session, sessions.last_seen_at >= sa.bindparam("since"))
        query = query.join(UserSession.__table__, live_session)
    return query


def room_access(
    user_id: int,
    webinar_id: int | None,
    session_id: str | None = None,
    *,
    joining: str | None = None,
    light: bool = False,
    seen_since: datetime | None = None,
) -> RoomAccess | None:
    """The user, the webinar and the user's standing in it (roles, co-host, registration,
    enrolment, mute) in one statement; None when there is no such user or, when `session_id`
    (a `UserSession` id, given by the Socket.IO events) is given, that login session has ended.
    Pages pass no session: the login already checked it for the request. With `joining` (the
    sid of a socket joining the room) the same statement also reads the `JoinState`. With
    `light` the user and the webinar are a `RoomUser` and a `RoomWebinar` (plain columns, no ORM
    objects), for the events that only need those (a join, a heartbeat). With `seen_since` (and
    a session) a session last used before it counts as ended too, as for a page, and the
    session's `last_seen_at` comes back as `session_seen`, for the caller to record the use when
    due (the room's connect, which then needs no statement of its own for the session)."""
    webinar_key = webinar_id if isinstance(webinar_id, int) and not isinstance(webinar_id, bool) else None
    idle = seen_since is not None and session_id is not None
    params = {
        "user_id": user_id,
        "webinar_id": webinar_key,
        "session_id": session_id,
        "sid": joining,
        "since": seen_since,
    }
    query = _room_access_query(session_id is not None, joining is not None, light, idle)
    row = db.session.execute(query, params).one_or_none()
    if row is None:
        return None
    if light:
        first, split = len(_USER_COLUMNS), len(_USER_COLUMNS) + len(_WEBINAR_COLUMNS)
        webinar = RoomWebinar(*row[first:split]) if row[first] is not None else None  # id: None = none
        row = (RoomUser(*row[:first]), webinar, *row[split:])
    user, webinar, admin, cohost, registered, enrolled, muted, *rest = row
    access = RoomAccess(
        user, webinar, bool(admin), bool(cohost), bool(registered), bool(enrolled), bool(muted)
    )
    if idle:
        access.session_seen = rest.pop()
    if rest:
        access.joining = JoinState(bool(rest[0]), bool(rest[1]), rest[2], rest[3])
    return access


def require_moderator(user: User, webinar: Webinar) -> None:
    if not user.is_active or not is_moderator(user, webinar):
        raise NotAllowed(_l("Hanya pemandu webinar yang dapat melakukan ini."))


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
