"""Prepared statements kept through the rollback of a transaction without an error
(lms/core/pgprepared.py), and forgotten, as psycopg does, after one with an error."""

import psycopg
import pytest
import sqlalchemy as sa

from lms.core import pgprepared
from lms.extensions import db

pytestmark = pytest.mark.postgres

QUERY = "SELECT %s::int + 1 AS angka /* test_pgprepared */"


def _prepared(raw) -> int:
    """How many statements the server holds prepared for this connection."""
    with psycopg.Cursor(raw) as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements", prepare=False)
        return cursor.fetchone()[0]


def _run(raw, times: int = 1) -> None:
    for _ in range(times):
        with raw.cursor() as cursor:
            cursor.execute(QUERY, (41,))
            assert cursor.fetchone() == (42,)


def _fail_in_a_pipeline(raw) -> None:
    """An error, and behind it in the same pipeline the statement's run that prepares it."""
    with raw.pipeline():
        raw.execute("SELECT 1 / 0")
        raw.execute(QUERY, (41,))


@pytest.fixture
def raw(database_url):
    """A new connection, as the application's engines make them."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        yield connection.connection.driver_connection
    engine.dispose()


def test_every_connection_of_the_pool_uses_it(app):
    with app.app_context(), db.engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert type(raw) is pgprepared.Connection
        assert type(raw._prepared) is pgprepared.KeptPrepareManager


def test_a_rollback_without_an_error_keeps_what_is_prepared(raw):
    _run(raw, times=raw.prepare_threshold + 1)  # prepared at the sixth run
    assert _prepared(raw) == 1
    raw.rollback()
    assert _prepared(raw) == 1  # no DEALLOCATE ALL went out
    _run(raw)
    with psycopg.Cursor(raw) as cursor:
        cursor.execute("SELECT custom_plans + generic_plans FROM pg_prepared_statements", prepare=False)
        assert cursor.fetchone()[0] == 2  # the run after the rollback used the prepared statement


def test_plain_psycopg_forgets_them_at_the_same_rollback(database_url):
    """What the module changes: psycopg's own connection sends DEALLOCATE ALL at the rollback."""
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as plain:
        _run(plain, times=plain.prepare_threshold + 1)
        assert _prepared(plain) == 1
        plain.rollback()
        assert _prepared(plain) == 0


def test_a_failed_transaction_forgets_them_and_nothing_breaks(raw):
    """In a pipeline (psycopg's executemany runs in one) the statement due to be prepared goes out
    behind the one that fails, and the server skips it, yet psycopg counts it as prepared. The
    rollback of that failed transaction forgets every statement, so psycopg prepares it again."""
    _run(raw, times=raw.prepare_threshold)  # the next run prepares it
    with pytest.raises(psycopg.errors.DivisionByZero):
        _fail_in_a_pipeline(raw)
    raw.rollback()
    _run(raw, times=raw.prepare_threshold + 1)  # no "prepared statement does not exist"
    assert _prepared(raw) == 1


def test_a_failed_savepoint_forgets_them_and_nothing_breaks(raw):
    """ROLLBACK TO SAVEPOINT after an error (SQLAlchemy's begin_nested) leaves a transaction
    without an error behind: psycopg forgets the statements there, as it always did."""
    _run(raw, times=raw.prepare_threshold)
    raw.execute("SAVEPOINT sp")
    with pytest.raises(psycopg.errors.DivisionByZero):
        _fail_in_a_pipeline(raw)
    raw.execute("ROLLBACK TO SAVEPOINT sp")
    _run(raw, times=raw.prepare_threshold + 1)
    assert _prepared(raw) == 1
    raw.rollback()
    _run(raw)
    assert _prepared(raw) == 1
