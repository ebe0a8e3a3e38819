"""Socket.IO outside the feature namespaces: the default namespace "/" serves nobody anonymous.

The room page talks to "/webinar" only, but python-socketio always accepts connections to "/";
without a handler there, anyone could hold open sessions without logging in. Refusals use
python-socketio's own ConnectionRefusedError (Python's built-in one reaches the client as
"Connection refused by server", in English), and the room page shows the reason.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import SocketIO
from socketio.exceptions import ConnectionRefusedError as SocketConnectionRefused


def forget_routing_miss() -> None:
    """Let go of the 404 that Flask's routing left on this event's request.

    An event runs in a request context made from its connection's handshake (`/socket.io/`, which
    no URL rule matches), so every event's context push raises and stores a NotFound. Its
    traceback holds the frames that hold the request that holds it: a cycle that only the
    collector frees. A room process collects seldom (webinars/presence.py), so these cycles piled
    up: 2,164 of them, with their frames and requests, in a room of 2,000 participants. Nothing
    reads the miss in an event: a view is never dispatched."""
    request.routing_exception = None


def require_login(message: str | None = None) -> None:
    """Refuse the connection being made unless an active user is logged in."""
    if not current_user.is_authenticated or not current_user.is_active:
        raise SocketConnectionRefused(message or _("Silakan masuk terlebih dahulu."))


def register(socketio: SocketIO) -> None:
    @socketio.on("connect", namespace="/")
    def connect_default(auth=None):
        forget_routing_miss()
        require_login()
