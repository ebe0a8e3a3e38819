"""Pages that only read: no transaction round trips on PostgreSQL.

Every request pays a BEGIN before its first statement and a ROLLBACK when its connection goes
back to the pool: two of the five round trips of a lesson page. A view marked `@read_only` runs
its statements in autocommit instead (psycopg then sends neither), so each statement sees its
own snapshot. That is harmless for a page that only shows data, and wrong for anything that
writes more than one statement or needs a lock: never mark such a view. The login-session touch
of the user loader (one UPDATE every few minutes, committed on its own) is safe either way.

The webinar room calls `start_reading()` itself for its connect and its busiest events, whose
writes are one statement that needs no transaction around it (a join's INSERT).

SQLite is left alone (no network, and it takes its locks at BEGIN); so is a session that has
already started a transaction, or one bound to a single connection (the tests' rolled-back
transaction).
"""

from __future__ import annotations

from flask import Flask, current_app, request
from sqlalchemy.engine import Engine

from ..extensions import db


def read_only(view):
    """Mark a view that only reads (put it right under the route decorator)."""
    view.read_only = True
    return view


def start_reading() -> bool:
    """Put this request's session in autocommit if it can be; True when it did."""
    session = db.session()
    if session.in_transaction():
        return False
    bind = session.get_bind()
    if not isinstance(bind, Engine) or bind.dialect.name != "postgresql":
        return False
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return True


def register(app: Flask) -> None:
    def reads_without_transaction():
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "read_only", False):
            start_reading()

    # First of all hooks: the user (and the login session) load in one of them.
    app.before_request_funcs.setdefault(None, []).insert(0, reads_without_transaction)
