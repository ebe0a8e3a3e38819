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
