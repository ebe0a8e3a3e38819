"""Socket.IO outside the feature namespaces: the default namespace "/" serves nobody anonymous.

The room page talks to "/webinar" only, but python-socketio always accepts connections to "/";
without a handler there, anyone could hold open sessions without logging in. Refusals use
python-socketio's own ConnectionRefusedError (Python's built-in one reaches the client as
"Connection refused by server", in English), and the room page shows the reason.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import SocketIO
from socketio.exceptions import ConnectionRefusedError as SocketConnectionRefused

from .i18n import LANG_COOKIE

# What a socket's events read of its login session: the user and the login session's token.
LOGIN_KEY = "_user_id"


class SocketIOWSGI:
    """The WSGI entry of the app: /socket.io/ to the Socket.IO server, every other path to Flask.

    It takes the place of Flask-SocketIO's middleware, which for every request under gunicorn
    defines a class of its own (engine.io's `Input`, a wrapper of the socket that only eventlet
    reads; simple-websocket, which serves the rooms under gevent, reads `gunicorn.socket`) and
    copies the environ. A class lives in a reference cycle, so each page request left one for the
    collector; a room kept one per participant, with the copy of its environ beside the original
    that gunicorn's request holds while the websocket is open (docs/benchmarks.md, session 14).
    """

    def __init__(self, flask_app: Flask, socketio: SocketIO):
        mounted = socketio.sockio_mw  # Flask-SocketIO's, around the app's own WSGI callable
        self.flask_app, self.engineio_app = flask_app, mounted.engineio_app  # the names it has there
        self.engineio_path, self.wsgi_app = mounted.engineio_path, mounted.wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith(self.engineio_path):  # WSGI may omit an empty one
            environ["flask.app"] = self.flask_app  # what Flask-SocketIO's events run in
            return self.engineio_app.handle_request(environ, start_response)
        return self.wsgi_app(environ, start_response)


def mount(app: Flask, socketio: SocketIO) -> None:
    """Serve the app through `SocketIOWSGI` (after `socketio.init_app`)."""
    socketio.sockio_mw = app.wsgi_app = SocketIOWSGI(app, socketio)


def forget_routing_miss() -> None:
    """Let go of the 404 that Flask's routing left on this event's request.

    An event runs in a request context made from its connection's handshake (`/socket.io/`, which
    no URL rule matches), so every event's context push raises and stores a NotFound. Its
    traceback holds the frames that hold the request that holds it: a cycle that only the
    collector frees. A room process collects seldom (webinars/presence.py), so these cycles piled
    up: 2,164 of them, with their frames and requests, in a room of 2,000 participants. Nothing
    reads the miss in an event: a view is never dispatched."""
    request.routing_exception = None


def keep_only_the_login() -> None:
    """Once a connect is accepted: the socket's kept handshake holds only what its events read.

    python-socketio keeps each socket's handshake environ while it is open, Flask-SocketIO keeps
    a copy of the Flask session in it, and every event's request is made from them. The events
    read the login (`LOGIN_KEY`) and, while the database is down, the language cookie. The rest
    (Flask-Login's digest of the browser, the CSRF token, the `Cookie` header with the signed
    session and the remember-me cookie) was 0.7-1.0 KiB per participant of a full room. Without
    the remember-me cookie an event cannot log anyone in again either: a login session that ended
    ends the socket's (the events check it; webinars/events.py)."""
    environ = request.environ
    saved = environ.get("saved_session")
    if saved is not None and set(saved) - {LOGIN_KEY}:
        # A new dict: deleting keys would keep the old one's table at its size.
        environ["saved_session"] = type(saved)({LOGIN_KEY: saved[LOGIN_KEY]} if LOGIN_KEY in saved else {})
    lang = request.cookies.get(LANG_COOKIE)
    if lang in current_app.config["LANGUAGES"]:
        environ["HTTP_COOKIE"] = f"{LANG_COOKIE}={lang}"
    else:
        environ.pop("HTTP_COOKIE", None)


def require_login(message: str | None = None) -> None:
    """Refuse the connection being made unless an active user is logged in."""
    if not current_user.is_authenticated or not current_user.is_active:
        raise SocketConnectionRefused(message or _("Silakan masuk terlebih dahulu."))


def register(socketio: SocketIO) -> None:
    @socketio.on("connect", namespace="/")
    def connect_default(auth=None):
        forget_routing_miss()
        require_login()
        keep_only_the_login()
