"""Attendance measured by the server: every live connection is an interval (join .. leave).

A connection that stops sending heartbeats is closed at its last heartbeat plus a grace, by the
sweep each server process runs every few seconds (see presence.py) or by
`flask lms close-stale-connections`. After the end, `finalize` merges each person's intervals
(tabs, devices, reconnects: counted once), clips them to the scheduled window, and decides
presence against the webinar's threshold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..extensions import db
from . import timeline
from .access import can_enter, participant_ids, require_moderator
from .completion import attendance_changed
from .errors import NotAllowed, WebinarError
from .models import (
    Attendance,
    AttendanceCorrection,
    CloseReason,
    Poll,
    PollStatus,
    Webinar,
    WebinarConnection,
)
from .signals import attendance_corrected, webinar_attended

logger = logging.getLogger(__name__)


def _seconds(key: str) -> timedelta:
    return timedelta(seconds=current_app.config[key])


def _access(user: User, webinar: Webinar, access=None) -> None:
    """Refuse a user who may not be in the room; `access` is a RoomAccess the caller already
    read in this transaction (the Socket.IO events read one per event)."""
    allowed = access.allowed if access is not None else can_enter(user, webinar)
    if not allowed:
        raise NotAllowed(_l("Anda belum terdaftar di webinar ini."))


def room_state(webinar: Webinar, at: datetime) -> str:
    """ "before" the room opens, "open", or "over" (ended, or past the scheduled end)."""
    if webinar.is_over or at >= webinar.window_end:
        return "over"
    opens = webinar.starts_at - timedelta(minutes=current_app.config["WEBINAR_ROOM_OPENS_MINUTES"])
    return "open" if at >= opens else "before"


def check_open(webinar: Webinar, at: datetime) -> None:
    """Refuse attendance events outside the room's opening hours."""
    state = room_state(webinar, at)
    if state == "over":
        raise WebinarError(_l("Webinar ini sudah selesai. Riwayat obrolan tetap dapat dibaca."))
    if state == "before":
        raise WebinarError(
            _l(
                "Ruang webinar dibuka %(n)d menit sebelum mulai.",
                n=current_app.config["WEBINAR_ROOM_OPENS_MINUTES"],
            )
        )


def _open_connections(webinar_id: int) -> sa.Select:
    return sa.select(WebinarConnection).where(
        WebinarConnection.webinar_id == webinar_id, WebinarConnection.closed_at.is_(None)
    )


def _still_present(webinar_id: int, user_id: int) -> bool:
    query = sa.select(WebinarConnection.id).where(
        WebinarConnection.webinar_id == webinar_id,
        WebinarConnection.user_id == user_id,
        WebinarConnection.closed_at.is_(None),
    )
    return db.session.scalar(query.limit(1)) is not None


@dataclass
class Departure:
    """A connection closed; `gone` when its person has no other open connection in the room."""

    webinar_id: int
    user_id: int
    gone: bool


def close_stale(webinar_id: int | None, at: datetime) -> list[Departure]:
    """Close connections without a heartbeat for the timeout, at last heartbeat + grace.

    Every server process runs this sweep; on PostgreSQL rows another sweep is closing are
    skipped, so each departure is announced once."""
    timeout, grace = _seconds("WEBINAR_HEARTBEAT_TIMEOUT"), _seconds("WEBINAR_HEARTBEAT_GRACE")
    query = sa.select(WebinarConnection).where(
        WebinarConnection.closed_at.is_(None), WebinarConnection.last_seen_at < at - timeout
    )
    if webinar_id is not None:
        query = query.where(WebinarConnection.webinar_id == webinar_id)
    stale = db.session.scalars(query.with_for_update(skip_locked=True)).all()
    for connection in stale:
        connection.closed_at = min(connection.last_seen_at + grace, at)
        connection.close_reason = CloseReason.TIMEOUT
    if not stale:
        return []
    db.session.flush()
    logger.info("closed %d stale webinar connections", len(stale))
    pairs = {(c.webinar_id, c.user_id) for c in stale}
    return [Departure(w, u, not _still_present(w, u)) for w, u in sorted(pairs)]


def join(
    user: User, webinar: Webinar, sid: str, *, at: datetime, access=None, login_session_id: str | None = None
) -> bool:
    """Open an attendance interval for this connection; True when the person just arrived
    (no other tab or device of theirs is in the room).

    With a RoomAccess read for this join (`room_access(..., joining=sid)`) this is one INSERT
    (or, for a socket joining twice, one UPDATE): the rest was read with the access."""
    _access(user, webinar, access)
    check_open(webinar, at)
    state = access.joining if access is not None else None
    if state is None:
        open_here = db.session.execute(
            sa.select(WebinarConnection.sid).where(
                WebinarConnection.webinar_id == webinar.id,
                WebinarConnection.user_id == user.id,
                WebinarConnection.closed_at.is_(None),
            )
        ).scalars()
        sids = set(open_here)
        this_sid_open, elsewhere_open = sid in sids, bool(sids - {sid})
    else:
        this_sid_open, elsewhere_open = state.this_sid_open, state.elsewhere_open
    if this_sid_open:
        db.session.execute(_REJOIN, {"j_sid": sid, "j_webinar": webinar.id, "j_at": at})
    else:
        row = {
            "webinar_id": webinar.id,
            "user_id": user.id,
            "sid": sid,
            "joined_at": at,
            "last_seen_at": at,
            "login_session_id": login_session_id,
        }
        db.session.execute(_INSERT, row)
    return not this_sid_open and not elsewhere_open


# Core statements, built once: a join is not worth an ORM object and a unit-of-work flush.
_table = WebinarConnection.__table__
# `inline()`: nothing reads the new row's id, so PostgreSQL need not send it back (RETURNING) and
# SQLAlchemy need not read it out of the answer, some 25 us of a join's CPU.
_INSERT = _table.insert().inline()
_REJOIN = (
    _table.update()
    .where(
        _table.c.sid == sa.bindparam("j_sid"),
        _table.c.webinar_id == sa.bindparam("j_webinar"),
        _table.c.closed_at.is_(None),
    )
    .values(last_seen_at=sa.bindparam("j_at", type_=_table.c.last_seen_at.type))
)


def heartbeat(
    user: User, webinar: Webinar, sid: str, *, at: datetime, access=None, login_session_id: str | None = None
) -> bool:
    """Keep this connection's interval open (one UPDATE); a connection closed for silence starts
    a new interval (the gap is not counted). True when the person just (re)arrived."""
    _access(user, webinar, access)
    check_open(webinar, at)
    touched = db.session.execute(
        sa.update(WebinarConnection)
        .where(
            WebinarConnection.sid == sid,
            WebinarConnection.webinar_id == webinar.id,
            WebinarConnection.user_id == user.id,
            WebinarConnection.closed_at.is_(None),
        )
        .values(last_seen_at=at)
    ).rowcount
    if touched:
        return False
    # The row was closed (by a sweep): a new interval, whatever the access read for a join said.
    if access is not None:
        access.joining = None
    return join(user, webinar, sid, at=at, access=access, login_session_id=login_session_id)


def leave(sid: str, *, at: datetime, webinar_id: int | None = None) -> list[Departure]:
    """Close the intervals of a connection (one room, or all of them at disconnect)."""
    query = sa.select(WebinarConnection).where(
        WebinarConnection.sid == sid, WebinarConnection.closed_at.is_(None)
    )
    if webinar_id is not None:
        query = query.where(WebinarConnection.webinar_id == webinar_id)
    connections = db.session.scalars(query).all()
    for connection in connections:
        connection.closed_at = max(at, connection.joined_at)
        connection.close_reason = CloseReason.LEFT
    db.session.flush()
    pairs = {(c.webinar_id, c.user_id) for c in connections}
    return [Departure(w, u, not _still_present(w, u)) for w, u in sorted(pairs)]


def open_sockets(webinar: Webinar) -> list[tuple[str, int]]:
    """(socket id, user id) of every connection still open in the room."""
    return [(c.sid, c.user_id) for c in db.session.scalars(_open_connections(webinar.id))]


def present_users(webinar: Webinar) -> list[User]:
    """People with at least one open connection to the room, by name."""
    ids = sa.select(WebinarConnection.user_id).where(
        WebinarConnection.webinar_id == webinar.id, WebinarConnection.closed_at.is_(None)
    )
    return list(db.session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.name, User.id)))


# ---------------------------------------------------------------- end and finalize


def end_webinar(webinar: Webinar, *, by: User, at: datetime) -> list[Attendance]:
    """A moderator ends the session: every connection closes now and attendance is final."""
    require_moderator(by, webinar)
    if at < webinar.starts_at:
        raise WebinarError(_l("Webinar belum dimulai, jadi belum dapat diakhiri."))
    if webinar.ended_at is None:
        webinar.ended_at = min(at, webinar.ends_at)
    logger.info("webinar %s ended by %s", webinar.id, by.id)
    return finalize(webinar, at=at)


def _snapshot(attendance: Attendance) -> dict:
    return {
        "present": attendance.present,
        "minutes": attendance.minutes,
        "share_bp": attendance.share_bp,
        "jp_credited": attendance.jp_credited,
    }


def _measure(webinar: Webinar, attendance: Attendance, seconds: int) -> None:
    window = webinar.scheduled_seconds
    attendance.attended_seconds = seconds
    attendance.share_bp = min(10000, seconds * 10000 // window) if window > 0 else 0
    # Integer arithmetic: exactly the threshold counts as present.
    attendance.present = window > 0 and seconds * 100 >= webinar.present_threshold * window
    attendance.jp_credited = webinar.jp if attendance.present else 0


def finalize(webinar: Webinar, *, at: datetime) -> list[Attendance]:
    """Close what is still open and compute everyone's final attendance (idempotent; corrected
    records are kept). Newly present people are announced with `webinar_attended`."""
    grace = _seconds("WEBINAR_HEARTBEAT_GRACE")
    close_at = min(at, webinar.window_end) if webinar.ended_at is not None else at
    for connection in db.session.scalars(_open_connections(webinar.id)):
        connection.closed_at = max(connection.joined_at, min(close_at, connection.last_seen_at + grace))
        connection.close_reason = CloseReason.ENDED
    # Polls nobody closed close with the session: no vote can come in after it.
    db.session.execute(
        sa.update(Poll)
        .where(Poll.webinar_id == webinar.id, Poll.status == PollStatus.OPEN)
        .values(status=PollStatus.CLOSED, closed_at=close_at)
    )
    db.session.flush()

    intervals: dict[int, list[timeline.Interval]] = {}
    for connection in db.session.scalars(
        sa.select(WebinarConnection).where(WebinarConnection.webinar_id == webinar.id)
    ):
        intervals.setdefault(connection.user_id, []).append((connection.joined_at, connection.closed_at))
    existing = {
        a.user_id: a
        for a in db.session.scalars(sa.select(Attendance).where(Attendance.webinar_id == webinar.id))
    }
    people = participant_ids(webinar) | (set(intervals) - webinar.moderator_ids()) | set(existing)
    newly_present: list[Attendance] = []
    for user_id in sorted(people):
        attendance = existing.get(user_id)
        if attendance is None:
            attendance = Attendance(webinar_id=webinar.id, user_id=user_id)
            db.session.add(attendance)
        elif attendance.corrected:
            continue
        was_present = attendance.present
        spans = intervals.get(user_id, [])
        attendance.first_join_at = min((a for a, _ in spans), default=None)
        attendance.last_leave_at = max((b for _, b in spans), default=None)
        merged = timeline.merge(spans, webinar.starts_at, webinar.window_end)
        _measure(webinar, attendance, timeline.total_seconds(merged))
        attendance.finalized_at = at
        if attendance.present and not was_present:
            newly_present.append(attendance)
    webinar.finalized_at = webinar.finalized_at or at
    db.session.flush()
    logger.info(
        "webinar %s finalized: %d participants, %d present",
        webinar.id,
        len(people),
        sum(1 for a in existing.values() if a.present) + len(newly_present),
    )
    _announce(webinar, newly_present, changed=people)
    return list(db.session.scalars(sa.select(Attendance).where(Attendance.webinar_id == webinar.id)))


def finalize_due(at: datetime) -> list[Webinar]:
    """Finalize every webinar whose window closed more than a heartbeat timeout ago."""
    timeout = _seconds("WEBINAR_HEARTBEAT_TIMEOUT")
    due = db.session.scalars(
        sa.select(Webinar).where(
            Webinar.finalized_at.is_(None),
            sa.or_(Webinar.ends_at < at - timeout, Webinar.ended_at < at - timeout),
        )
    ).all()
    for webinar in due:
        finalize(webinar, at=at)
    return list(due)


def correct_attendance(
    webinar: Webinar, user: User, *, present: bool, minutes: int | None, reason: str, by: User, at: datetime
) -> Attendance:
    """A moderator corrects one final record; the reason and the values before and after are kept."""
    require_moderator(by, webinar)
    if webinar.finalized_at is None:
        raise WebinarError(_l("Kehadiran baru dapat dikoreksi setelah webinar selesai dan dihitung."))
    reason = " ".join((reason or "").split())
    if not 5 <= len(reason) <= 500:
        raise WebinarError(_l("Tuliskan alasan koreksi (5 sampai 500 karakter)."), "reason")
    window_minutes = webinar.scheduled_seconds // 60
    if minutes is not None and not 0 <= minutes <= window_minutes:
        raise WebinarError(_l("Menit hadir harus antara 0 dan %(n)d.", n=window_minutes), "minutes")
    attendance = db.session.scalar(
        sa.select(Attendance).where(Attendance.webinar_id == webinar.id, Attendance.user_id == user.id)
    )
    if attendance is None:
        attendance = Attendance(webinar_id=webinar.id, user_id=user.id, finalized_at=at)
        db.session.add(attendance)
        _measure(webinar, attendance, 0)
    before = _snapshot(attendance)
    if minutes is not None:
        _measure(webinar, attendance, minutes * 60)
    attendance.present = present
    attendance.jp_credited = webinar.jp if present else 0
    attendance.corrected = True
    after = _snapshot(attendance)
    db.session.flush()
    db.session.add(
        AttendanceCorrection(
            attendance_id=attendance.id, by_id=by.id, reason=reason, before=before, after=after, created_at=at
        )
    )
    db.session.flush()
    logger.info(
        "webinar %s: attendance of user %s corrected by %s (%s): %s -> %s",
        webinar.id,
        user.id,
        by.id,
        reason,
        before,
        after,
    )
    _announce(webinar, [attendance] if present and not before["present"] else [], changed={user.id})
    attendance_corrected.send(current_app._get_current_object(), attendance=attendance, before=before, by=by)
    return attendance


def _announce(webinar: Webinar, newly_present: list[Attendance], changed: set[int]) -> None:
    for attendance in newly_present:
        webinar_attended.send(current_app._get_current_object(), attendance=attendance)
    attendance_changed(webinar, changed)
