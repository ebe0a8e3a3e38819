"""Server-side login sessions: what the session and remember cookies name, and how they end.

A login creates a `UserSession` row whose id is the SHA-256 of a random token; both cookies carry
"<user id>:<token>" (Flask-Login's `get_id`). Every request loads the user, their roles and agency
and the session in one statement of plain columns, the user and agency then made into the
session's ORM objects (`core.loaded`); `last_seen_at` is written at most once per
`SESSION_TOUCH_SECONDS`.
Ending a session (logout, "end this session", password change or reset, an identity reset by HR)
makes both cookies useless at once, in every process, and `sessions_ended` lets the webinar rooms
close that session's Socket.IO connections.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from ..core.loaded import Columns, placed_in_order
from ..core.statements import built_once
from ..extensions import db
from .models import Agency, Role, User, UserRole, UserSession
from .signals import sessions_ended

logger = logging.getLogger(__name__)

TOKEN_MAX = 100  # longer "tokens" in a cookie are not ours: refused before any hashing


@dataclass(slots=True)
class LoginSession:
    """What a request knows of the login session it was loaded with (`User.login_session`):
    the row's id and when it was last used, read as plain columns, never as a `UserSession`."""

    id: str
    last_seen_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, ip: str | None, user_agent: str | None, at: datetime) -> UserSession:
    """Open a new login session for the user; `user.get_id()` then names it."""
    token = secrets.token_urlsafe(32)
    row = UserSession(
        id=token_hash(token),
        user_id=user.id,
        created_at=at,
        last_seen_at=at,
        ip_address=(ip or "")[:45] or None,
        user_agent=(user_agent or "")[:255] or None,
    )
    db.session.add(row)
    db.session.flush()
    user.login_session, user.login_token = LoginSession(row.id, at), token
    logger.info("user %s: session %s started from %s", user.id, row.id[:12], row.ip_address)
    return row


def parse_cookie_id(cookie_id: str | None) -> tuple[int, str] | None:
    """The user id and token in a cookie's "<user id>:<token>", or None when malformed."""
    user_id, _, token = str(cookie_id or "").partition(":")
    if not user_id.isdigit() or not token or len(token) > TOKEN_MAX:
        return None
    return int(user_id), token


# Per-user values that features above accounts read on most pages (low-data mode, ...), loaded
# by the user's own statement instead of one more statement each: name -> a function returning a
# scalar subquery correlated with `users.id`. The loaded values are in `user.loaded_with[name]`.
_extras: dict[str, Callable[[], sa.ColumnElement]] = {}


def load_with_user(name: str, column: Callable[[], sa.ColumnElement]) -> None:
    """Read `column()` (a scalar subquery on User.id) in the statement that loads the logged-in
    user; features register at import time, before the first request builds the statement."""
    _extras[name] = column
    _load_query.cache_clear()


@built_once
def _load_query() -> tuple[sa.Select, Columns, Columns]:
    """The statement and where the user and their agency are in its row. One row of plain
    columns: the user's, their agency's (for the time zone), then the session's last use, the
    roles as one string and the values features registered with load_with_user. Built once."""
    user, agency = placed_in_order(Columns.of(User, label="user"), Columns.of(Agency, label="agency"))
    # The separator as SQL text: given as a string, SQLAlchemy binds it as a value to write into
    # the SQL at each run, and so renders the whole statement again for every page.
    roles = (
        sa.select(sa.func.aggregate_strings(UserRole.role, sa.literal_column("','")))
        .where(UserRole.user_id == User.id)
        .scalar_subquery()
    )
    statement = (
        sa.select(
            *user.columns,
            *agency.columns,
            UserSession.last_seen_at,
            roles,
            *(column().label(f"extra_{name}") for name, column in _extras.items()),
        )
        .join_from(User, UserSession, UserSession.user_id == User.id)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(
            User.id == sa.bindparam("user_id"),
            UserSession.id == sa.bindparam("session_id"),
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at >= sa.bindparam("since"),
            User.active.is_(True),
        )
    )
    return statement, user, agency


def load_user(cookie_id: str | None, *, now: datetime, idle: timedelta) -> User | None:
    """The active user of a live session named by a cookie, with their agency, in one SQL
    statement; else None.

    A session unused for longer than `idle` has ended on its own."""
    parsed = parse_cookie_id(cookie_id)
    if parsed is None:
        return None
    user_id, token = parsed
    session_id = token_hash(token)
    statement, user_columns, agency_columns = _load_query()
    params = {"user_id": user_id, "session_id": session_id, "since": now - idle}
    # Plain columns on the session's connection, the objects made from them (core.loaded).
    row = db.session.connection().execute(statement, params).one_or_none()
    if row is None:
        return None
    user = user_columns.load(row)
    if "agency" not in user.__dict__:  # not already loaded by this session
        set_committed_value(user, "agency", agency_columns.load(row))
    last_seen_at, roles, *extras = row[agency_columns.end :]
    user.login_session, user.login_token = LoginSession(session_id, last_seen_at), token
    user.login_roles = frozenset(map(Role, roles.split(","))) if roles else frozenset()
    user.loaded_with = dict(zip(_extras, extras, strict=True))
    return user


@built_once
def _alive_query() -> sa.Select:
    # Table columns, not ORM attributes: a plain Core statement skips the ORM's compile and
    # loading steps, which cost more than running it (the webinar room's connect runs it).
    sessions, users = UserSession.__table__.c, User.__table__.c
    return (
        sa.select(sessions.last_seen_at)
        .join_from(UserSession.__table__, User.__table__, users.id == sessions.user_id)
        .where(
            sessions.id == sa.bindparam("session_id"),
            sessions.user_id == sa.bindparam("user_id"),
            sessions.ended_at.is_(None),
            sessions.last_seen_at >= sa.bindparam("since"),
            users.active.is_(True),
        )
    )


def session_alive(cookie_id: str | None, *, now: datetime, idle: timedelta, touch_every: timedelta) -> bool:
    """Whether a cookie names a live session of an active user, in one statement and without
    loading the user (the webinar room's connect: each of its events reads the user anyway).
    Records the use, like a page, once every `touch_every`."""
    parsed = parse_cookie_id(cookie_id)
    if parsed is None:
        return False
    user_id, token = parsed
    session_id = token_hash(token)
    params = {"user_id": user_id, "session_id": session_id, "since": now - idle}
    last_seen = db.session.execute(_alive_query(), params).scalar_one_or_none()
    if last_seen is None:
        return False
    if touch_seen(session_id, last_seen, now=now, every=touch_every):
        db.session.commit()
    return True


def touch_seen(session_id: str, last_seen: datetime, *, now: datetime, every: timedelta) -> bool:
    """Record the use of a live session known by its id (one UPDATE of `last_seen_at`, nothing
    else) when `last_seen`, as read by the caller, is `every` old; True when it wrote. The caller
    commits (the webinar room's connect reads `last_seen` in its own statement)."""
    if last_seen > now - every:
        return False
    db.session.execute(sa.update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
    return True


def touch_due(session: LoginSession, *, now: datetime, interval: timedelta) -> bool:
    return session.last_seen_at <= now - interval


def touch(session: LoginSession, *, at: datetime, ip: str | None, user_agent: str | None) -> None:
    """Record that the session was used (one UPDATE); callers do it once every few minutes."""
    values = {"last_seen_at": at, "ip_address": (ip or "")[:45] or None}
    if user_agent:
        values["user_agent"] = user_agent[:255]
    db.session.execute(sa.update(UserSession).where(UserSession.id == session.id).values(**values))
    session.last_seen_at = at


def active_sessions(user: User, *, now: datetime, idle: timedelta) -> list[UserSession]:
    """The user's live sessions, the most recently used first."""
    query = (
        sa.select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at >= now - idle,
        )
        .order_by(UserSession.last_seen_at.desc(), UserSession.created_at.desc())
    )
    return list(db.session.scalars(query))


def _end(user_id: int, ids: Iterable[str] | None, *, at: datetime, keep: str | None = None) -> list[str]:
    query = sa.select(UserSession.id).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if ids is not None:
        query = query.where(UserSession.id.in_(list(ids)))
    if keep is not None:
        query = query.where(UserSession.id != keep)
    ended = list(db.session.scalars(query))
    if ended:
        db.session.execute(sa.update(UserSession).where(UserSession.id.in_(ended)).values(ended_at=at))
        sessions_ended.send(user_id, session_ids=ended)
        logger.info("user %s: %d session(s) ended", user_id, len(ended))
    return ended


def end_session(user: User, session_id: str, *, at: datetime) -> bool:
    """End one of the user's sessions (logout, or "end" on the account page)."""
    return bool(_end(user.id, [session_id], at=at))


def end_sessions(user: User, *, at: datetime, keep: LoginSession | None = None) -> list[str]:
    """End every session of the user, or every one but `keep` (the one in use)."""
    return _end(user.id, None, at=at, keep=keep.id if keep is not None else None)


# ---------------------------------------------------------------- device labels

_BROWSERS = (
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/")),
    ("Safari", re.compile(r"Safari/")),
)
_SYSTEMS = (
    ("Android", re.compile(r"Android")),
    ("iPhone", re.compile(r"iPhone")),
    ("iPad", re.compile(r"iPad")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("Linux", re.compile(r"Linux|X11")),
)


def device_label(user_agent: str | None) -> str:
    """A short human name for a browser's user agent, e.g. "Chrome di Android"."""
    text = user_agent or ""
    browser = next((name for name, pattern in _BROWSERS if pattern.search(text)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(text)), None)
    if browser and system:
        return str(_l("%(browser)s di %(system)s", browser=browser, system=system))
    return browser or system or str(_l("Perangkat tidak dikenal"))
