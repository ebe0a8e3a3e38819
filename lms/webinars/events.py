"""Socket.IO events of the webinar room (namespace /webinar).

Every event goes through one pipeline (`_dispatch`): a per-user flood limit (a flooder is
disconnected), then one SQL statement (`access.room_access`) that reads the user named by the
login session, the webinar and the user's standing in it. A user who is deactivated or whose
session was ended (logout everywhere, password change: a new session token) is disconnected; one
who may no longer be in the room (registration cancelled) is taken out of it. Then the payload is
checked field by field (the fields of each event are protocol.py's), one service call runs, one
commit, and the emits. Errors go back as an "error" event with a message in the user's language,
and as the acknowledgement when the client asked for one.

The room page joins in the connect itself: `io("/webinar", {auth: {webinar_id: N}})`. The connect
then runs the join's pipeline (flood limit, the one access statement, which also checks that the
login session is live and not idle, the join, one commit) and answers with a `joined` event that
carries the join's reply; whatever the join would refuse refuses the connection, with the same
message. A connect without a webinar only checks the login session (one statement), and the
`join` event still joins (again, after a `leave`).

Presence is in the database and rooms fan out through the message queue when several processes
run. The one thing a process keeps is the newest heartbeat time of its own sockets, written in
one batch every few seconds (presence.py), so a heartbeat costs that one reading statement.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import after_this_request, current_app, has_request_context, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_socketio import Namespace, disconnect, emit, join_room, leave_room
from socketio.exceptions import ConnectionRefusedError as SocketConnectionRefused
from sqlalchemy.exc import OperationalError

from ..accounts import sessions
from ..accounts.sessions import parse_cookie_id, token_hash
from ..core.i18n import LANG_COOKIE
from ..core.outage import database_unavailable, discard_session
from ..core.ratelimit import counter
from ..core.reads import start_reading
from ..core.sockets import forget_routing_miss, keep_only_the_login, require_login
from ..extensions import db, limiter, socketio
from . import attendance, presence, room
from .access import RoomAccess, RoomWebinar, require_moderator, room_access
from .broadcast import (
    NAMESPACE,
    announce_arrival,
    announce_departures,
    announce_end,
    live_payloads,
    message_payload,
    person,
    poll_payload,
    question_payload,
    room_split,
)
from .errors import WebinarError
from .models import Webinar, WebinarConnection
from .protocol import AUTOCOMMIT_EVENTS, EVENTS, LIGHT_EVENTS, Refused, auth_webinar_id, payload

logger = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- limits


def _hit(config_key: str, key: str) -> bool:
    """Count one event against a per-user limit in the app's rate-limit storage (Redis when scaled
    out; this process's memory while Redis is unreachable, see core/ratelimit.py)."""
    return counter.hit(limiter.storage, current_app.config[config_key], config_key, key)


def _flood_hit(key: str) -> bool:
    """Count one event against the flood limit, in this process's memory.

    A socket stays with the process it connected to (the proxy is sticky), so this process sees
    all of its flood; counting here costs no Redis round trip on every event of a full room (a
    heartbeat is mostly nothing else). A user with tabs on several processes gets the limit once
    per process, which still stops a flood. The message limit stays shared (`_hit`)."""
    config_key = "WEBINAR_FLOOD_RATE_LIMIT"
    return counter.hit_here(current_app.config[config_key], config_key, key)


def _session_user_key() -> str:
    # The signed session names the user: a flooder is counted before any database work.
    return str(session.get("_user_id", "")).partition(":")[0] or request.sid


def _session_login() -> tuple[int, str] | None:
    """The user id and the `UserSession` id of the login session (cookie "<id>:<token>")."""
    parsed = parse_cookie_id(session.get("_user_id"))
    return (parsed[0], token_hash(parsed[1])) if parsed else None


def in_room(room_name: str) -> bool:
    """Whether this event's socket joined the room, in this process (rooms are per process; the
    message queue only carries emits). flask_socketio's `rooms()` walks every room of the
    namespace, and each socket has a room of its own: with 2,000 people in a room every heartbeat
    paid for 2,000 rooms. This looks the one room up."""
    members = socketio.server.manager.rooms.get(NAMESPACE, {}).get(room_name)
    return members is not None and request.sid in members


# ---------------------------------------------------------------- the pipeline


# A login session that ended, went idle or whose user was deactivated: the event's socket is cut,
# the connect refused. Lazy: choosing the language loads the user, so only a refusal pays for it.
SESSION_ENDED = _l("Sesi Anda telah berakhir. Silakan masuk kembali.")
LOGIN_FIRST = _l("Silakan masuk terlebih dahulu untuk bergabung ke webinar.")


def _admitted(
    access: RoomAccess | None, ended: str, malformed: Refused | None = None
) -> Webinar | RoomWebinar:
    """The webinar of an access whose user may be in its room, or the refusal, in this order: a
    login session that is over or a deactivated user (`ended`: the socket is cut), a malformed
    payload, no such webinar, a user who may not be in it (taken out of the room if there)."""
    if access is None or not access.user.is_active:
        raise Refused(ended, cut=True)
    if malformed is not None:
        raise malformed
    webinar = access.webinar
    if webinar is None:
        raise Refused(_("Webinar tidak ditemukan."))
    if not access.allowed:
        _drop_from_room(webinar)
        raise Refused(_("Anda tidak terdaftar di webinar ini."))
    return webinar


def _unavailable() -> str:
    """The outage message, in the language of the `lang` cookie or the default one: the user's
    own choice is in the database that cannot be reached, and asking for it would fail again."""
    config = current_app.config
    locale = request.cookies.get(LANG_COOKIE)
    with force_locale(locale if locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]):
        return _("Layanan sedang tidak tersedia sebentar. Silakan coba lagi dalam beberapa saat.")


def _connect_failed(exc: Exception) -> SocketConnectionRefused:
    """The refusal of a connect that failed: an outage as the events say it (the client may try
    again: `data.retry`), anything else as a plain error, logged."""
    if database_unavailable(exc):
        discard_session()
        logger.warning("webinar connect: database unavailable (%s)", type(exc).__name__)
        return SocketConnectionRefused(_unavailable(), {"retry": True})
    db.session.rollback()
    logger.exception("webinar connect failed")
    return SocketConnectionRefused(_("Maaf, terjadi kesalahan. Silakan coba lagi."))


class WebinarNamespace(Namespace):
    def on_connect(self, auth=None):
        # Nothing but a refusal leaves this handler: Flask-SocketIO calls a connect handler that
        # raised TypeError once more without `auth`, which would connect outside the room.
        forget_routing_miss()
        try:
            if "_user_id" not in session:  # only a "remember me" cookie: Flask-Login restores the login
                require_login(str(LOGIN_FIRST))
                if auth:  # the login restored names the session now
                    self._join_at_connect(auth)
            elif auth:
                self._join_at_connect(auth)
            else:
                _check_login_session()
        except SocketConnectionRefused:
            raise
        except Exception as exc:
            raise _connect_failed(exc) from None
        keep_only_the_login()

    def _join_at_connect(self, auth) -> None:
        """A connect that names its webinar joins its room: the join event's pipeline (flood
        limit, one access statement that also checks the login session as the plain connect
        does, and `do_join`), its reply sent as a `joined` event. A refusal refuses the connect."""
        db.session().expire_on_commit = False
        try:
            if not _flood_hit(_session_user_key()):
                logger.warning("webinar flood: refusing a connect of user %s", _session_user_key())
                raise Refused(_("Terlalu banyak pesan dalam waktu singkat. Sambungan Anda diputus."))
            webinar_id = auth_webinar_id(auth)
            login = _session_login()
            start_reading()
            at, config = now(), current_app.config
            access = None
            if login:
                since = at - timedelta(seconds=config["SESSION_IDLE_TIMEOUT"])
                access = room_access(
                    login[0], webinar_id, login[1], joining=request.sid, light=True, seen_since=since
                )
            webinar = _admitted(access, LOGIN_FIRST)
            every = timedelta(seconds=config["SESSION_TOUCH_SECONDS"])
            if sessions.touch_seen(login[1], access.session_seen, now=at, every=every):
                # Committed on its own, as the plain connect's touch, whatever the join says; the
                # commit gave the connection back, so the join's INSERT asks for autocommit again.
                db.session.commit()
                start_reading()
            reply = self.do_join(access, access.user, webinar, {})
        except (Refused, WebinarError) as exc:
            db.session.rollback()
            message = exc.message if isinstance(exc, Refused) else exc
            raise SocketConnectionRefused(str(message)) from None
        # Straight to the socket, which is in this process: the join's acknowledgement never went
        # through the message queue either.
        emit("joined", {"ok": True, **reply}, ignore_queue=True)

    def on_disconnect(self, reason=None):
        forget_routing_miss()
        db.session().expire_on_commit = False
        presence.beats().forget(request.sid)
        for attempt in (1, 2):
            try:
                departures = attendance.leave(request.sid, at=now())
                db.session.commit()
            except OperationalError:
                # SQLite (development) lets one writer in at a time; try once more, and otherwise
                # leave the interval to the stale sweep (closed at last heartbeat + grace).
                db.session.rollback()
                if attempt == 2:
                    logger.warning("could not close the connection %s at disconnect", request.sid)
                    return
            else:
                announce_departures(departures)
                return

    def trigger_event(self, event, *args):
        if event in ("connect", "disconnect"):
            return super().trigger_event(event, *args)
        return self.socketio._handle_event(self._dispatch, event, self.namespace, *args)

    def _dispatch(self, *args):
        forget_routing_miss()
        event = request.event["message"]
        # This event's own session: what it loaded stays usable after its commit, without a
        # reload of the user and the webinar for every emit that follows.
        db.session().expire_on_commit = False
        try:
            if not _flood_hit(_session_user_key()):
                logger.warning(
                    "webinar flood: disconnecting user %s (sid %s)", _session_user_key(), request.sid
                )
                raise Refused(
                    _("Terlalu banyak pesan dalam waktu singkat. Sambungan Anda diputus."), cut=True
                )
            if event not in EVENTS:
                raise Refused(_("Perintah tidak dikenal."))
            data, malformed = payload(event, args)
            webinar_id = data.get("webinar_id") if malformed is None else None
            login = _session_login()
            if event in AUTOCOMMIT_EVENTS:
                start_reading()
            # A join reads what it needs (open intervals, pinned message, open poll) right here.
            joining = request.sid if event == "join" else None
            access = None
            if login:
                light = event in LIGHT_EVENTS
                access = room_access(login[0], webinar_id, login[1], joining=joining, light=light)
            webinar = _admitted(access, SESSION_ENDED, malformed)
            if event != "join" and not in_room(webinar.room):
                raise Refused(_("Anda belum bergabung di ruang webinar ini."))
            if EVENTS[event][1] and not _hit("WEBINAR_MESSAGE_RATE_LIMIT", str(access.user.id)):
                raise Refused(_("Mohon tunggu sebentar sebelum mengirim lagi."))
            result = getattr(self, "do_" + event)(access, access.user, webinar, data)
        except (Refused, WebinarError) as exc:
            db.session.rollback()
            message = exc.message if isinstance(exc, Refused) else str(exc)
            emit("error", {"event": event, "message": str(message)})
            if isinstance(exc, Refused) and exc.cut:
                disconnect()
            return {"ok": False, "error": str(message)}
        except Exception as exc:
            if database_unavailable(exc):
                discard_session()
                logger.warning("webinar event %s: database unavailable (%s)", event, type(exc).__name__)
                message = _unavailable()
                emit("error", {"event": event, "message": message})
                return {"ok": False, "error": message, "retry": True}
            db.session.rollback()
            logger.exception("webinar event %s failed", event)
            message = _("Maaf, terjadi kesalahan. Silakan coba lagi.")
            emit("error", {"event": event, "message": message})
            return {"ok": False, "error": message}
        return {"ok": True, **(result or {})}

    # ------------------------------------------------------------ attendance and presence

    def do_join(self, access, user, webinar, data):
        at = now()
        state = access.joining
        first = attendance.join(
            user, webinar, request.sid, at=at, access=access, login_session_id=_session_login()[1]
        )
        # Mostly neither exists, and the access statement said so: no statement for them then;
        # when they do, the process reads and builds them once for everyone joining.
        pinned, poll = live_payloads(state.pinned_id, state.poll_id)
        db.session.commit()
        try:
            return self._joined(access, user, webinar, at, first, pinned, poll)
        except Exception:
            _undo_join(webinar)
            raise

    def _joined(self, access, user, webinar, at, first, pinned, poll) -> dict:
        """What a join does once its interval is committed: presence, rooms, the reply."""
        beats = presence.beats()
        beats.track(request.sid, webinar.id, user.id, at)
        if not current_app.testing:  # tests run the flush and sweep themselves (presence.tick)
            beats.start(current_app._get_current_object())
        join_room(webinar.room)
        if access.moderator:
            join_room(webinar.moderator_room)
        if first:
            announce_arrival(webinar.id, user)
        reply = {
            "moderator": access.moderator,
            "muted": access.muted,
            "me": user.id,
            "heartbeat": current_app.config["WEBINAR_HEARTBEAT_SECONDS"],
            "pinned": pinned,
            "poll": poll,
        }
        if access.moderator:
            reply["present"] = [person(u) for u in attendance.present_users(webinar)]
            reply["split"] = room_split()
        return reply

    def do_heartbeat(self, access, user, webinar, data):
        at = now()
        attendance.check_open(webinar, at)
        beats = presence.beats()
        if beats.beat(request.sid, webinar.id, user.id, at):
            return None  # written with the others at the next flush
        arrived = attendance.heartbeat(
            user, webinar, request.sid, at=at, access=access, login_session_id=_session_login()[1]
        )
        db.session.commit()
        beats.track(request.sid, webinar.id, user.id, at)
        if arrived:
            announce_arrival(webinar.id, user)
        return None

    def do_leave(self, access, user, webinar, data):
        presence.beats().forget(request.sid)
        departures = attendance.leave(request.sid, at=now(), webinar_id=webinar.id)
        db.session.commit()
        leave_room(webinar.room)
        leave_room(webinar.moderator_room)
        announce_departures(departures)

    def do_presence(self, access, user, webinar, data):
        require_moderator(user, webinar)
        return {"present": [person(u) for u in attendance.present_users(webinar)]}

    def do_end(self, access, user, webinar, data):
        end_session(webinar, by=user)

    # ------------------------------------------------------------ chat

    def do_history(self, access, user, webinar, data):
        messages, more = room.chat_page(webinar, before_id=data.get("before_id"))
        return {"messages": [message_payload(m) for m in messages], "more": more}

    def do_chat(self, access, user, webinar, data):
        message = room.post_message(user, webinar, data["text"], at=now(), muted=access.muted)
        db.session.commit()
        emit("chat", message_payload(message), to=webinar.room)
        return {"id": message.id}

    def do_pin(self, access, user, webinar, data):
        message = room.pin_message(user, webinar, data.get("message_id"), at=now())
        db.session.commit()
        emit("pinned", message_payload(message) if message else None, to=webinar.room)

    def do_delete(self, access, user, webinar, data):
        message = room.delete_message(user, webinar, data["message_id"], at=now())
        db.session.commit()
        emit("message_deleted", {"id": message.id}, to=webinar.room)

    def do_mute(self, access, user, webinar, data):
        target = room.set_mute(user, webinar, data["user_id"], data["muted"], at=now())
        db.session.commit()
        emit("muted", {"user_id": target.id, "muted": data["muted"]}, to=webinar.moderator_room)
        for sid in _open_sids(webinar.id, target.id):
            emit("muted", {"user_id": target.id, "muted": data["muted"]}, to=sid)

    # ------------------------------------------------------------ questions

    def do_ask(self, access, user, webinar, data):
        question = room.ask(user, webinar, data["text"], at=now(), muted=access.muted)
        db.session.commit()
        emit("question", question_payload(question), to=webinar.room)
        return {"id": question.id}

    def do_upvote(self, access, user, webinar, data):
        question = room.upvote(user, webinar, data["question_id"])
        db.session.commit()
        emit("question", question_payload(question), to=webinar.room)

    def do_answer(self, access, user, webinar, data):
        question = room.mark_answered(user, webinar, data["question_id"], at=now())
        db.session.commit()
        emit("question", question_payload(question), to=webinar.room)

    def do_delete_question(self, access, user, webinar, data):
        question = room.delete_question(user, webinar, data["question_id"], at=now())
        db.session.commit()
        emit("question_deleted", {"id": question.id}, to=webinar.room)

    # ------------------------------------------------------------ polls

    def do_poll_open(self, access, user, webinar, data):
        poll = room.open_poll(user, webinar, data["poll_id"], at=now())
        db.session.commit()
        emit("poll", poll_payload(poll), to=webinar.room)

    def do_poll_close(self, access, user, webinar, data):
        poll = room.close_poll(user, webinar, data["poll_id"], at=now())
        db.session.commit()
        emit("poll", poll_payload(poll, room.poll_results(poll)), to=webinar.room)

    def do_vote(self, access, user, webinar, data):
        poll = room.vote(user, webinar, data["poll_id"], data["option_id"])
        db.session.commit()
        # Everyone sees the results when the poll closes; moderators watch them come in.
        emit("poll_results", poll_payload(poll, room.poll_results(poll)), to=webinar.moderator_room)


def _check_login_session() -> None:
    """A connect without a webinar: the login session is live, not idle, of an active user.

    One cheap statement (no user, roles or agency loaded): every event checks the user again.
    In autocommit on PostgreSQL: no BEGIN and ROLLBACK round trips around it (the touch, when
    due, is one UPDATE that commits by itself)."""
    start_reading()
    config = current_app.config
    alive = sessions.session_alive(
        session["_user_id"],
        now=now(),
        idle=timedelta(seconds=config["SESSION_IDLE_TIMEOUT"]),
        touch_every=timedelta(seconds=config["SESSION_TOUCH_SECONDS"]),
    )
    if not alive:  # the message only now: choosing its language loads the user
        raise SocketConnectionRefused(str(LOGIN_FIRST))


def _undo_join(webinar) -> None:
    """A join whose interval committed but whose reply failed (a moderator's list of who is
    present is read after the commit): the person is told it failed (a connect is refused), so
    the interval closes now, not at the stale sweep, and the socket leaves presence and the room.
    Best effort: with the database gone, the sweep closes the interval as before."""
    presence.beats().forget(request.sid)
    leave_room(webinar.room)
    leave_room(webinar.moderator_room)
    try:
        db.session.rollback()
        departures = attendance.leave(request.sid, at=now(), webinar_id=webinar.id)
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 - the failure being handled is the one to report
        discard_session()
        logger.warning(
            "webinar %s: join of %s failed after its commit, interval left to the stale sweep (%s)",
            webinar.id,
            request.sid,
            type(exc).__name__,
        )
        return
    announce_departures(departures)


def _open_sids(webinar_id: int, user_id: int) -> list[str]:
    query = db.select(WebinarConnection.sid).where(
        WebinarConnection.webinar_id == webinar_id,
        WebinarConnection.user_id == user_id,
        WebinarConnection.closed_at.is_(None),
    )
    return list(db.session.scalars(query))


def _drop_from_room(webinar: Webinar) -> None:
    """A user who lost the right to be here (unregistered, say) leaves the room at once."""
    if in_room(webinar.room):
        presence.beats().forget(request.sid)
        departures = attendance.leave(request.sid, at=now(), webinar_id=webinar.id)
        db.session.commit()
        leave_room(webinar.room)
        leave_room(webinar.moderator_room)
        announce_departures(departures)


def end_session(webinar: Webinar, *, by) -> None:
    """A moderator ends the session (live event or plain form): final attendance, then everyone told."""
    presence.beats().flush()  # this process's newest heartbeats count in the final attendance
    sockets = attendance.open_sockets(webinar)
    records = attendance.end_webinar(webinar, by=by, at=now())
    db.session.commit()
    announce_end(webinar, sockets, {record.user_id: record for record in records})


def close_connections_of_sessions(user_id, *, session_ids) -> None:
    """Listener of accounts' `sessions_ended`: close the Socket.IO connections those login
    sessions opened (through the message queue, whichever process holds them)."""
    query = db.select(WebinarConnection.sid).where(
        WebinarConnection.login_session_id.in_(list(session_ids)),
        WebinarConnection.user_id == user_id,
        WebinarConnection.closed_at.is_(None),
    )
    sids = list(db.session.scalars(query))
    if not sids:
        return

    def close(response=None):
        for sid in sids:
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        return response

    # In a page request the view commits first; the room's own disconnect handler then writes
    # the departure in its own transaction instead of waiting on this one's lock.
    if has_request_context() and not getattr(request, "sid", None):
        after_this_request(close)
    else:
        close()
