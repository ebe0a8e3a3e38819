"""Flask's signed cookie session, verified once per cookie instead of at every request.

Every request of a logged-in learner carries the same session cookie until something in the
session changes: Flask checks its signature (two HMACs), decodes it and parses its tagged JSON
each time, some 120 us of a page's CPU. Verification is a pure function of the cookie's text and
the keys, so a cookie this process has verified before is answered from memory, as long as it
would still be accepted (its age within the session's lifetime, the same keys). Only sessions of
plain values are kept (a flash message list is changed in place by `flash()`); each request gets
its own copy.

Socket.IO events reuse the connection's session: Flask-SocketIO runs each event in a request
context made from the connection's environ and then swaps in the copy of the session it keeps per
connection (`environ["saved_session"]`), so that copy is returned at once. A Socket.IO connection
verifies its cookie once and keeps the session for its lifetime: the rooms process (thousands of
connections, each cookie seen once) keeps no cookie here.
"""

from __future__ import annotations

import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

KEPT_COOKIES = 2_000
SOCKET_PATH = "/socket.io/"  # Flask-SocketIO's default path (lms/__init__.py does not change it)
PLAIN = (str, int, float, bool, type(None))


class CookieSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        # cookie text -> (serializer that verified it, signed at (epoch seconds), its data)
        self._verified: dict[str, tuple] = {}

    def open_session(self, app, request):
        saved = request.environ.get("saved_session")
        if saved is not None:
            return saved
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        kept = self._verified.get(cookie)
        if kept is not None and kept[0] is serializer and time.time() - kept[1] <= max_age:
            return self.session_class(kept[2])
        try:
            data, signed_at = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if not request.path.startswith(SOCKET_PATH) and all(type(value) in PLAIN for value in data.values()):
            if len(self._verified) >= KEPT_COOKIES:
                self._verified.clear()
            self._verified[cookie] = (serializer, signed_at.timestamp(), data)
        return self.session_class(data)

    def get_signing_serializer(self, app):
        # Flask builds the serializer for every request that reads or writes the cookie; it
        # depends only on the keys, so it is kept until they change (a test swapping keys).
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = app.extensions.get("lms_session_serializer")
        if kept is None or kept[0] != keys:
            kept = app.extensions["lms_session_serializer"] = (keys, super().get_signing_serializer(app))
        return kept[1]
