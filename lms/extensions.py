"""Flask extensions: created here, initialised in `create_app`."""

import psycopg
from flask import has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from .core import pgcursor, pgprepared

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def in_models(name, type_, parent_names) -> bool:
    """Whether autogenerate compares a database object with the models: not the catalogue's
    search document (`course_search` and SQLite's FTS5 tables behind it), which migrations and
    triggers keep (lms/courses/search.py)."""
    return not (type_ == "table" and name and name.startswith("course_search"))


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True, include_name=in_models)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
socketio = SocketIO()


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.split(".")[0] not in ("sqlite3", "pysqlite2"):
        return
    # Let SQLAlchemy emit BEGIN itself so SAVEPOINTs work (pysqlite's own transaction
    # handling breaks them), enforce foreign keys, and wait rather than fail on a busy file.
    # WAL lets pages be read while another request writes (a no-op for in-memory databases).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(Engine, "connect")
def _psycopg_on_connect(dbapi_connection, connection_record):
    if isinstance(dbapi_connection, psycopg.Connection):
        pgcursor.install(dbapi_connection)  # lms/core/pgcursor.py: the columns described lazily
        pgprepared.install(dbapi_connection)  # lms/core/pgprepared.py: kept through a clean rollback


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection):
    """A request that may write takes SQLite's write lock at BEGIN (IMMEDIATE).

    Two deferred transactions that both read and then write deadlock in SQLite: one of them gets
    "database is locked" at once, whatever the busy timeout (an autosave racing the form submit
    of the same quiz attempt did). Taking the lock up front makes the second writer wait for the
    first instead. Reads (GET) stay deferred, so a long export does not hold up anybody.

    A Socket.IO event (Flask-SocketIO sets `request.event`) runs in the request context of its
    connection's handshake, a GET, yet most events write (attendance at leave and disconnect,
    heartbeats, chat): they take the lock up front too. Deferred, the leave and the disconnect of
    two participants closing their pages at once both failed, twice, on a loaded machine.
    """
    if connection.dialect.name != "sqlite":
        return
    writes = has_request_context() and (
        request.method not in ("GET", "HEAD", "OPTIONS") or getattr(request, "event", None) is not None
    )
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
