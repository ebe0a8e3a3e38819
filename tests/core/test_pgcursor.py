"""psycopg's cursor with columns described lazily (lms/core/pgcursor.py) describes what psycopg's
own cursor describes, for the result it was asked about."""

import psycopg
import pytest
import sqlalchemy as sa

from lms.core import pgcursor
from lms.extensions import db

pytestmark = pytest.mark.postgres


def _plain(connection, sql):
    with psycopg.Cursor(connection) as cursor:
        cursor.execute(sql)
        return [(column.name, column.type_code, column.internal_size) for column in cursor.description]


def test_every_connection_of_the_pool_uses_it(app):
    with app.app_context(), db.engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        assert type(cursor) is pgcursor.Cursor


def test_the_description_is_psycopg_s_for_its_own_result(app):
    with app.app_context(), db.engine.connect() as connection:
        raw = connection.connection.driver_connection
        cursor = raw.cursor()
        cursor.execute("SELECT 1 AS n, 'satu'::text AS teks, now() AS waktu")
        described = cursor.description
        cursor.execute("SELECT 2 AS lain")  # the cursor moves on before the columns are read
        assert len(described) == 3
        assert [(c.name, c.type_code, c.internal_size) for c in described] == _plain(
            raw, "SELECT 1 AS n, 'satu'::text AS teks, now() AS waktu"
        )
        assert [c.name for c in cursor.description] == ["lain"]
        cursor.execute("SELECT")  # a result that returned rows, without columns
        assert cursor.description is not None and len(cursor.description) == 0
        cursor.execute("CREATE TEMPORARY TABLE sementara (id int)")
        assert cursor.description is None


def test_statements_read_the_same_rows_first_and_later(ctx):
    query = sa.select(sa.literal(7, sa.Integer).label("angka"), sa.literal("tujuh").label("kata"))
    first = db.session.execute(query).one()  # SQLAlchemy reads the description
    again = db.session.execute(query).one()  # ... and then keeps its own
    assert first._mapping == again._mapping == {"angka": 7, "kata": "tujuh"}


def test_the_home_page_statement_is_converted_once(app, client, make_user, login):
    """psycopg keeps the conversion of statements up to LONGEST_KEPT_STATEMENT characters: the
    home page's statement for every panel, longer than psycopg's own 4,096, is parsed once."""
    from psycopg import _queries

    login(make_user())
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get("/").status_code == 200
    finally:
        with app.app_context():
            sa.event.remove(db.engine, "before_cursor_execute", record)
    longest = max(statements, key=len).encode()
    assert 4_096 < len(longest) <= pgcursor.LONGEST_KEPT_STATEMENT
    before = _queries._query2pg.cache_info()
    _queries._query2pg(longest, "utf-8")  # as psycopg asks for it: the statement's bytes, the encoding
    after = _queries._query2pg.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)
