"""Socket.IO outside the feature namespaces: the default namespace "/" serves nobody anonymous.

The room page talks to "/webinar" only, but python-socketio always accepts connections to "/";
without a handler there, anyone could hold open sessions without logging in. Refusals use
python-socketio's own ConnectionRefusedError (Python's built-in one reaches the client as
"Connection refused by server", in English), and the room page shows the reason.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import SocketIO
from socketio.exceptions import ConnectionRefusedError as SocketConnectionRefused


def require_login(message: str | None = None) -> None:
    """Refuse the connection being made unless an active user is logged in."""
    if not current_user.is_authenticated or not current_user.is_active:
        raise SocketConnectionRefused(message or _("Silakan masuk terlebih dahulu."))


def register(socketio: SocketIO) -> None:
    @socketio.on("connect", namespace="/")
    def connect_default(auth=None):
        require_login()
