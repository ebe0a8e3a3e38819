"""The database cannot be reached: a clear 503 that needs neither the database nor the session.

An outage used to end in gunicorn's bare "Internal Server Error": the application's own error page
asked Flask-Babel for the language, the locale selector asked for `current_user`, the user loader
asked the session that had just failed, and that raised `PendingRollbackError`. Here the failed
session is rolled back and removed first, and the answer is rendered from a template that reads
nothing but constants (no `_()`, no `current_user`, no context processors), so it cannot fail the
same way.

Recovery needs no restart: the session is thrown away at the end of the request anyway, a
disconnect invalidates SQLAlchemy's pool, and `pool_pre_ping` (config.py) tests a pooled
connection before each checkout, so the first request after the database returns gets a fresh
connection. What was acknowledged stays: a view answers 2xx only after its commit succeeded.
"""

from __future__ import annotations

import contextlib
import logging
import time

from flask import Flask, Response, current_app, jsonify, request
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
)

from ..extensions import db

logger = logging.getLogger(__name__)

# OperationalError: connection refused or dropped, server shutting down, SQLite's "unable to open
# database file" or "database is locked"; InterfaceError: psycopg's "connection is closed".
UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PendingRollbackError)

TITLE = "Layanan sedang tidak tersedia"
MESSAGE = (
    "Basis data sedang tidak dapat dihubungi. Data yang sudah tersimpan aman. "
    "Silakan coba lagi dalam beberapa saat."
)
MESSAGE_EN = "The database cannot be reached right now. Saved data is safe. Please try again shortly."

_last_logged = 0.0


def database_unavailable(exc: BaseException | None) -> bool:
    """True when the exception (or what it wraps) says the database cannot be used right now."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, UNAVAILABLE):
            return True
        exc = getattr(exc, "original_exception", None) or exc.__cause__
        seen += 1
    return False


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    accepted = request.accept_mimetypes
    return best == "application/json" and accepted[best] > accepted["text/html"]


def discard_session() -> None:
    """Roll back and drop the request's session, whatever state the failure left it in."""
    # The connection may be gone; removing the session is what matters.
    with contextlib.suppress(Exception):
        db.session.rollback()
    try:
        db.session.remove()
    except Exception:
        logger.debug("removing the session after a database failure failed too", exc_info=True)


def unavailable_response(exc: BaseException) -> Response:
    """The 503 answer: JSON for API clients, a static Indonesian page for browsers."""
    global _last_logged
    discard_session()
    if time.monotonic() - _last_logged > 10:  # one line every 10 s, not one per request
        _last_logged = time.monotonic()
        logger.warning("database unavailable, answering 503: %s: %s", type(exc).__name__, exc)
    retry_after = str(current_app.config["UNAVAILABLE_RETRY_AFTER"])
    if wants_json():
        response = jsonify({"error": {"code": 503, "title": TITLE, "message": MESSAGE}})
    else:
        template = current_app.jinja_env.get_template("errors/unavailable.html")
        page = template.render(
            title=TITLE,
            message=MESSAGE,
            message_en=MESSAGE_EN,
            retry_after=retry_after,
            stylesheet=current_app.static_url_path + "/app.css",
            site_name=current_app.config["SITE_NAME"],
        )
        response = Response(page, mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = retry_after
    response.headers["Cache-Control"] = "no-store"
    return response


def remove_session(exc: BaseException | None) -> None:
    """End the context's session; a connection that died after the answer was made is dropped.

    The database can stop between a view's commit and the end of the request: the closing
    ROLLBACK then fails on the dead connection. Left to Flask-SQLAlchemy's teardown, that error
    escapes the request and turns its finished answer (a graded quiz's 302) into a bare 500. The
    work was committed or there was none, so the session is thrown away and the answer stands;
    SQLAlchemy has already invalidated the connection, so the pool hands out a fresh one.
    """
    try:
        db.session.remove()
    except DBAPIError as error:
        logger.warning("closing the session failed, connection dropped: %s", error.orig)
        with contextlib.suppress(Exception):
            db.session.invalidate()
        db.session.registry.clear()


def register(app: Flask) -> None:
    app.config.setdefault("UNAVAILABLE_RETRY_AFTER", 15)
    for exc_class in UNAVAILABLE:
        app.register_error_handler(exc_class, unavailable_response)
    # Teardowns run last-registered first: this one, registered after db.init_app, ends the
    # session before Flask-SQLAlchemy's own teardown, which then has nothing left to close.
    app.teardown_appcontext(remove_session)
