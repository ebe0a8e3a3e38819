"""The room's protocol: the events a client may send, the fields each carries, and the webinar a
connect names (`io("/webinar", {auth: {webinar_id: N}})`), checked before any database work.

events.py runs each event through one pipeline; the sets here say which events are the busy ones
(autocommit, light access statement) and which count against the message limit.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ..core.urls import DB_INT_MAX


class Refused(Exception):
    """A room event or connect turned down with a message for the person (`cut`: the socket is
    disconnected too)."""

    def __init__(self, message: str, *, cut: bool = False):
        super().__init__(message)
        self.message, self.cut = message, cut


_INT = (int,)

# Events whose writes need no transaction around them: a join's one INSERT (or UPDATE), a
# heartbeat's UPDATE when it is not buffered (and the INSERT of a new interval when that UPDATE
# found its row closed), or nothing. On PostgreSQL they run in autocommit (core/reads.py), without
# the BEGIN and the COMMIT or ROLLBACK round trips: two of a join's four. They are the busiest
# events of a full room; every other event keeps its transaction.
AUTOCOMMIT_EVENTS = frozenset({"join", "heartbeat", "presence", "history"})

# Events that need only the user's id, name and active flag and the webinar's room and times:
# their access statement reads those as plain columns (`access.RoomUser`, `access.RoomWebinar`)
# instead of loading ORM objects, which costs more CPU than the statement itself.
LIGHT_EVENTS = frozenset({"join", "heartbeat"})

# event -> (fields besides webinar_id and their types, counted against the message limit)
EVENTS: dict[str, tuple[dict[str, tuple], bool]] = {
    "join": ({}, False),
    "heartbeat": ({}, False),
    "leave": ({}, False),
    "presence": ({}, False),
    "history": ({"before_id": (int, type(None))}, False),
    "chat": ({"text": (str,)}, True),
    "ask": ({"text": (str,)}, True),
    "upvote": ({"question_id": _INT}, True),
    "vote": ({"poll_id": _INT, "option_id": _INT}, True),
    "answer": ({"question_id": _INT}, False),
    "delete_question": ({"question_id": _INT}, False),
    "pin": ({"message_id": (int, type(None))}, False),
    "delete": ({"message_id": _INT}, False),
    "mute": ({"user_id": _INT, "muted": (bool,)}, False),
    "poll_open": ({"poll_id": _INT}, False),
    "poll_close": ({"poll_id": _INT}, False),
    "end": ({}, False),
}


def payload(event: str, args: tuple) -> tuple[dict, Refused | None]:
    """The event's data and, when it is malformed, the refusal to send (after the user check)."""
    fields, _counted = EVENTS[event]
    if len(args) != 1 or not isinstance(args[0], dict):
        return {}, Refused(_("Format pesan tidak valid."))
    data = args[0]
    spec = {"webinar_id": _INT, **fields}
    for name, types in spec.items():
        value = data.get(name)
        if not _valid(value, types):
            return data, Refused(_("Data tidak lengkap atau tidak valid: %(field)s.", field=name))
    return data, None


def _valid(value, types: tuple) -> bool:
    if isinstance(value, bool):  # an int in Python, but no id
        return bool in types
    if isinstance(value, int):  # every int field is an id: one an integer column holds (a
        # larger one would reach the database, where SQLite cannot even bind it)
        return int in types and 0 < value <= DB_INT_MAX
    return isinstance(value, types)


def auth_webinar_id(auth) -> int:
    """The webinar a connect names (`auth={"webinar_id": N}`), or the refusal: checked before
    any database work, like an event's payload."""
    if not isinstance(auth, dict):
        raise Refused(_("Format pesan tidak valid."))
    value = auth.get("webinar_id")
    if not _valid(value, _INT):
        raise Refused(_("Data tidak lengkap atau tidak valid: %(field)s.", field="webinar_id"))
    return value
