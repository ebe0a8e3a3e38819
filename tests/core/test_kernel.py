"""The shared kernel: one DomainError, the enum and UTC column types, the clock."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from lms.accounts.errors import AccountError
from lms.careers.errors import CareerError
from lms.certificates.services import CertificateError
from lms.core.clock import as_utc, utcnow
from lms.core.columns import UTCDateTime, enum_column
from lms.core.domain import DomainError
from lms.courses.errors import CourseError
from lms.quizzes.errors import QuizError
from lms.webinars.errors import WebinarError


@pytest.mark.parametrize(
    "error", [AccountError, CourseError, QuizError, WebinarError, CareerError, CertificateError]
)
def test_every_feature_error_is_a_domain_error(error):
    raised = error("Pesan untuk pengguna", "name")
    assert isinstance(raised, DomainError) and isinstance(raised, ValueError)
    assert str(raised) == "Pesan untuk pengguna" and raised.field == "name"


def test_domain_error_keeps_a_lazy_message():
    class Lazy:
        def __str__(self):
            return "diterjemahkan"

    message = Lazy()
    error = DomainError(message)
    assert error.message is message and str(error) == "diterjemahkan" and error.field is None


def test_utcnow_is_aware_utc():
    now = utcnow()
    assert now.tzinfo is UTC and abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_as_utc():
    assert as_utc(None) is None
    assert as_utc(datetime(2026, 1, 1, 7)) == datetime(2026, 1, 1, 7, tzinfo=UTC)
    jakarta = datetime(2026, 1, 1, 7, tzinfo=timezone(timedelta(hours=7)))
    converted = as_utc(jakarta)
    assert converted.tzinfo is UTC and converted.hour == 0


class Colour(enum.StrEnum):
    RED = "merah"
    BLUE = "biru"


def test_enum_column_stores_values_with_a_named_check():
    engine = sa.create_engine("sqlite://")
    table = sa.Table(
        "things",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("colour", enum_column(Colour, "colour", 10)),
        sa.Column("at", UTCDateTime()),
    )
    table.create(engine)
    local = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=9)))
    with engine.begin() as conn:
        conn.execute(table.insert().values(id=1, colour=Colour.BLUE, at=local))
        conn.execute(table.insert().values(id=2, colour=Colour.RED, at=datetime(2026, 3, 1, 1)))
        raw = conn.exec_driver_sql("SELECT colour, at FROM things ORDER BY id").all()
        rows = conn.execute(sa.select(table.c.colour, table.c.at).order_by(table.c.id)).all()
        with pytest.raises(sa.exc.IntegrityError):
            conn.exec_driver_sql("INSERT INTO things (id, colour) VALUES (3, 'BLUE')")
    assert raw[0][0] == "biru" and raw[0][1].startswith("2026-03-01 00:30")
    assert rows[0] == (Colour.BLUE, datetime(2026, 3, 1, 0, 30, tzinfo=UTC))
    assert rows[1].at == datetime(2026, 3, 1, 1, tzinfo=UTC) and rows[1].at.tzinfo is UTC
    assert enum_column(Colour, "colour", 10).name == "colour"


@pytest.mark.postgres
def test_utc_datetime_reads_aware_utc_whatever_the_connection_s_zone(db, ctx):
    """psycopg hands back times in the session's zone; the column type turns them into UTC."""
    db.session.execute(sa.text("SET LOCAL TIME ZONE 'Asia/Jayapura'"))
    read = sa.select(
        sa.literal_column("TIMESTAMPTZ '2026-03-01 09:30:00+09:00'", UTCDateTime()),
        sa.literal_column("CAST(NULL AS TIMESTAMPTZ)", UTCDateTime()),
    )
    at, nothing = db.session.execute(read).one()
    assert at == datetime(2026, 3, 1, 0, 30, tzinfo=UTC) and at.tzinfo is UTC
    assert nothing is None
