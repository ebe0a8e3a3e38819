"""What is sent to a webinar room: the payloads of the room's events and the announcements.

The Socket.IO events (events.py) answer with these payloads and emit them to `webinar.room`
(everyone in the room) or `webinar.moderator_room` (its moderators). The announcements here go
through the message queue, so any process can send them (the end of a session, the departures
found by a sweep or by the cron).
"""

from __future__ import annotations

import threading
import time

from flask import current_app

from ..extensions import socketio
from . import room
from .models import Poll, Question, Webinar

NAMESPACE = "/webinar"


def moderator_room_of(webinar_id: int) -> str:
    """`Webinar.moderator_room` for a webinar known by its id."""
    return f"webinar-{webinar_id}-mod"


def person(user) -> dict:
    return {"id": user.id, "name": user.name}


def message_payload(message) -> dict:
    return {
        "id": message.id,
        "user": person(message.user),
        "text": message.body,
        "at": message.created_at.isoformat(),
        "pinned": message.pinned_at is not None,
    }


def question_payload(question: Question) -> dict:
    return {
        "id": question.id,
        "user": person(question.user),
        "html": question.body_html,
        "votes": question.votes,
        "answered": question.answered_at is not None,
    }


def poll_payload(poll: Poll, results: dict[int, int] | None = None) -> dict:
    options = []
    for option in poll.options:
        item = {"id": option.id, "text": option.text}
        if results is not None:
            item["votes"] = results.get(option.id, 0)
        options.append(item)
    return {"id": poll.id, "question": poll.question, "status": str(poll.status), "options": options}


def announce_end(webinar: Webinar, sockets=(), records=None) -> None:
    """Tell each connection in the room that the session ended, with the attendance decision just
    recorded for its person (so the room never thanks someone the report calls absent), then
    everyone else in the room, and close the room (any server process)."""
    moderators = webinar.moderator_ids()
    for sid, user_id in sockets:
        payload = {"webinar_id": webinar.id}
        record = (records or {}).get(user_id)
        if user_id in moderators:
            payload["moderator"] = True
        elif record is not None:
            payload.update(record.closing())
        socketio.emit("ended", payload, to=sid, namespace=NAMESPACE)
    socketio.emit("closed", {"webinar_id": webinar.id}, to=webinar.room, namespace=NAMESPACE)
    socketio.close_room(webinar.moderator_room, namespace=NAMESPACE)
    socketio.close_room(webinar.room, namespace=NAMESPACE)


def room_split() -> bool:
    """True while the message queue is unreachable and this process's rooms are on their own."""
    return bool(getattr(socketio.server.manager, "split", False))


def on_queue_split(manager, *, split: bool) -> None:
    """Tell this process's moderators that the room is split over processes, or whole again
    (lms/core/realtime.py). Only local clients: the queue is what is missing."""
    for name in list(manager.rooms.get(NAMESPACE, {})):
        if isinstance(name, str) and name.endswith("-mod"):
            manager.server.emit(
                "room_split", {"split": split}, to=name, namespace=NAMESPACE, ignore_queue=True
            )


class Arrivals:
    """Who entered a room, told to its moderators as a list ("present") gathered for a short
    window in each process: the 2,000 joins of a full room at 09:00 are then a few dozen notices
    instead of 2,000, each of them a publish through the message queue and a delivery in every
    process (5 % of a room process's CPU during a burst of joins, by py-spy). With a window of 0
    each arrival is told at once."""

    def __init__(self) -> None:
        self._pending: dict[int, dict[int, dict]] = {}  # webinar id -> user id -> person
        self._lock = threading.Lock()

    def add(self, webinar_id: int, who: dict, window: float) -> None:
        if window <= 0:
            _tell_present(webinar_id, [who])
            return
        with self._lock:
            first = not self._pending
            self._pending.setdefault(webinar_id, {})[who["id"]] = who
        if first:
            socketio.start_background_task(self._send_after, window)

    def discard(self, webinar_id: int, user_id: int) -> None:
        """Someone left before their arrival was told: it is not told any more."""
        with self._lock:
            self._pending.get(webinar_id, {}).pop(user_id, None)

    def _send_after(self, window: float) -> None:
        socketio.sleep(window)
        with self._lock:
            pending, self._pending = self._pending, {}
        for webinar_id, people in pending.items():
            if people:
                _tell_present(webinar_id, list(people.values()))


def _tell_present(webinar_id: int, people: list[dict]) -> None:
    socketio.emit("present", people, to=moderator_room_of(webinar_id), namespace=NAMESPACE)


def arrivals() -> Arrivals:
    """This process's arrivals (one per app)."""
    return current_app.extensions.setdefault("webinar_arrivals", Arrivals())


def announce_arrival(webinar_id: int, user) -> None:
    """Tell the room's moderators that `user` came in (within WEBINAR_PRESENT_WINDOW seconds)."""
    arrivals().add(webinar_id, person(user), current_app.config["WEBINAR_PRESENT_WINDOW"])


def announce_departures(departures) -> None:
    """Tell moderators who left the room (no tab or device of theirs is still in it)."""
    for departure in departures:
        if departure.gone:
            arrivals().discard(departure.webinar_id, departure.user_id)
            socketio.emit(
                "absent",
                {"id": departure.user_id},
                to=moderator_room_of(departure.webinar_id),
                namespace=NAMESPACE,
            )


# How long a process shares the payloads of a pinned message and an open poll among the people
# joining its rooms. They are looked up by the ids the join's access statement has just read,
# so a join never shows a message that is no longer pinned or a poll that is closed; the texts
# do not change once pinned or opened. The limit only bounds an author's renamed name.
SNAPSHOT_SECONDS = 10.0


def live_payloads(pinned_id: int | None, poll_id: int | None) -> tuple[dict | None, dict | None]:
    """The pinned message and the open poll as a joining participant receives them, read and
    built once per process for everyone who joins within `SNAPSHOT_SECONDS` (a full room is
    2,000 joins in a minute); mostly neither exists and nothing is read."""
    shared = current_app.extensions.setdefault("webinar_snapshots", {})
    now = time.monotonic()
    found = {}
    for key in (("pinned", pinned_id), ("poll", poll_id)):
        entry = shared.get(key) if key[1] is not None else None
        if entry is not None and entry[0] > now:
            found[key[0]] = entry[1]
    missing_pinned = pinned_id if pinned_id is not None and "pinned" not in found else None
    missing_poll = poll_id if poll_id is not None and "poll" not in found else None
    if missing_pinned is not None or missing_poll is not None:
        pinned, poll = room.live_state(missing_pinned, missing_poll)
        if len(shared) > 64:  # old rooms' entries: a busy process runs a few rooms at a time
            shared.clear()
        for kind, key_id, value, build in (
            ("pinned", missing_pinned, pinned, message_payload),
            ("poll", missing_poll, poll, poll_payload),
        ):
            if value is not None:
                found[kind] = build(value)
                shared[(kind, key_id)] = (now + SNAPSHOT_SECONDS, found[kind])
    return found.get("pinned"), found.get("poll")
