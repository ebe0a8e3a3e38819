"""Fixtures: one migrated database per run, a rolled-back transaction per test.

SQLite by default; PostgreSQL when TEST_DATABASE_URL is set (an unreachable server is a failure).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from lms import create_app
from lms.core import ratelimit
from lms.extensions import db as _db
from lms.extensions import limiter
from tests import factories
from tests.reloads import TRANSACTION_CONTROL, listening

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_collection_modifyitems(config, items):
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def postgres_schema(url: str, schema: str, *, drop: bool = False) -> str:
    """Create (or drop) a schema of its own for this run, so that runs never collide; return
    the URL that puts it first on the search path."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            if not drop:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except sa.exc.OperationalError as exc:
        pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}", returncode=3)
    finally:
        engine.dispose()
    return (
        sa.make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if POSTGRES_URL:
        schema = f"test_{os.getpid()}"
        yield postgres_schema(POSTGRES_URL, schema)
        postgres_schema(POSTGRES_URL, schema, drop=True)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=database_url,
        PASSWORD_HASH_PARAMS={"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    )
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        upgrade()  # the schema comes from the migrations, so they are exercised on every run
        _db.engine.dispose()
    yield app
    # Close pooled connections now: left to the garbage collector, psycopg warns (ResourceWarning)
    # after the session and the run fails under filterwarnings=error.
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """Every test runs inside a transaction that is rolled back; code under test may commit."""
    limiter.reset()
    ratelimit.counter.reset()  # the per-process fallback of the limits (lms/core/ratelimit.py)
    with app.app_context():
        connection = _db.engine.connect()
    transaction = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    original = _db.session
    _db.session = scoped_session(factory, scopefunc=_app_ctx_id)
    try:
        yield _db
    finally:
        # Each app context removed its own session at teardown; none is left to close.
        _db.session = original
        transaction.rollback()
        connection.close()
        app.extensions.pop("mail_outbox", None)


@pytest.fixture
def expiring_sessions(db):
    """Sessions that expire what they loaded at each commit, as production's do (the db fixture's
    keep it, so that test code can read objects after a request): for statement counts that must
    include what a view reloads after its commit."""
    db.session.session_factory.configure(expire_on_commit=True)


@pytest.fixture
def ctx(app, db):
    """An application context for service tests (not for tests that use the client)."""
    with app.test_request_context():
        yield


@pytest.fixture
def client(app, db):
    assert not has_app_context(), "use the client without the ctx fixture"
    return app.test_client()


@pytest.fixture
def outbox(app, db):
    return app.extensions.setdefault("mail_outbox", [])


@pytest.fixture
def make_agency(app, db):
    return factories.bind(app, factories.agency)


@pytest.fixture
def make_user(app, db):
    return factories.bind(app, factories.user)


@pytest.fixture
def login(client):
    def do(user, password=factories.PASSWORD):
        response = client.post("/login", data={"login": user.email, "password": password})
        assert response.status_code == 302, response.text
        return response

    return do


@pytest.fixture
def count_queries(app):
    """`with count_queries() as statements:` records the SQL statements run inside the block
    (transaction control left out). Pin a page's count for 2 and for 10 rows: an N+1 makes it grow."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(statement):
            if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
                statements.append(statement)

        with listening(app, record):
            yield statements

    return counting
