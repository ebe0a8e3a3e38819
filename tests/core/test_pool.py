"""Database connections: no pre-ping round trip on every checkout, and recovery after the server
drops them (a PostgreSQL restart) without restarting the application."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from config import Config
from lms import create_app, engine_options, greenlets_patched
from lms.accounts.models import Role
from lms.courses import learning
from lms.courses.models import Enrolment, LessonCompletion
from lms.extensions import db
from tests import factories

# The connections to kill are found by name on the whole server: one name per process, so that
# another test process (an xdist worker, a second run) never loses its connections to this test.
APP_NAME = f"lms-pool-test-{os.getpid()}"


def test_connections_are_not_pinged_on_every_checkout_but_recycled():
    options = Config.SQLALCHEMY_ENGINE_OPTIONS
    assert not options.get("pool_pre_ping")
    assert 0 < options["pool_recycle"] <= 3600


@pytest.mark.postgres
def test_the_app_recovers_when_the_server_drops_every_connection(app, database_url, tmp_path):
    url = sa.make_url(database_url)
    fresh = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS={
            **Config.SQLALCHEMY_ENGINE_OPTIONS,
            "connect_args": {"application_name": APP_NAME},
        },
    )
    fresh.instance_path = str(tmp_path)
    with fresh.app_context():
        engine = db.engine
    # Three connections in the pool, as after a few concurrent requests.
    held = [engine.connect() for _ in range(3)]
    for conn in held:
        conn.exec_driver_sql("SELECT 1")
        conn.close()
    client = fresh.test_client()
    assert client.get("/healthz").status_code == 200

    killer = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with killer.connect() as conn:
        killed = conn.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :n"
            ),
            {"n": APP_NAME},
        ).scalar()
    killer.dispose()
    assert killed == 3

    # The first request meets a dead connection: it fails (a 503 page in production) and that
    # invalidates the whole pool, so every request after it gets a new connection.
    try:
        first = client.get("/healthz").status_code
    except sa.exc.OperationalError:
        first = 503
    assert first in (200, 503)
    assert [client.get("/healthz").status_code for _ in range(4)] == [200] * 4
    with fresh.app_context():
        db.engine.dispose()


class Wire:
    """What reaches the server, from libpq's own protocol trace (BEGIN and ROLLBACK included)."""

    def __init__(self, engine, directory):
        self.connections = []
        self.path = directory / "trace.txt"
        self.handle = open(self.path, "w")  # noqa: SIM115 - closed in close()

        @sa.event.listens_for(engine, "connect")
        def trace(dbapi_connection, record):
            dbapi_connection.pgconn.trace(self.handle.fileno())
            self.connections.append(dbapi_connection)

    def messages(self) -> list[str]:
        for conn in self.connections:  # libpq buffers its trace: untracing flushes it
            if not conn.closed:
                conn.pgconn.untrace()
                conn.pgconn.trace(self.handle.fileno())
        found = []
        for line in self.path.read_text(errors="replace").splitlines():
            parts = line.split("\t")
            if len(parts) > 4 and parts[1] == "F" and parts[3] in ("Query", "Parse"):
                found.append(" ".join(parts[4].split())[:60])
        return found

    def close(self):
        self.handle.close()


@pytest.mark.postgres
def test_read_only_pages_send_no_begin_or_rollback_and_writes_keep_their_transaction(
    app, database_url, tmp_path, monkeypatch
):
    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=database_url)
    fresh.instance_path = str(tmp_path)
    with fresh.app_context():
        agency = factories.agency(units=("UMUM",))
        trainer = factories.user(agency, roles=(Role.TRAINER,))
        learner = factories.user(agency)
        course = factories.course(by=trainer, modules=1, lessons=2)
        learning.enrol(learner, course)
        db.session.commit()
        ids = {"agency": agency.id, "users": [trainer.id, learner.id], "course": course.id}
        slug, email = course.slug, learner.email
        lesson_ids = [lesson.id for lesson in learning.outline(course).lessons]
        db.engine.dispose()
        wire = Wire(db.engine, tmp_path)
    try:
        client = fresh.test_client()
        assert client.post("/login", data={"login": email, "password": factories.PASSWORD}).status_code == 302
        for path in ("/", "/courses/", f"/courses/{slug}", f"/courses/{slug}/learn/{lesson_ids[0]}"):
            before = len(wire.messages())
            assert client.get(path).status_code == 200, path
            sent = wire.messages()[before:]
            assert sent and not any(m.startswith(('"BEGIN"', '"ROLLBACK"')) for m in sent), (path, sent)
        before = len(wire.messages())
        marked = client.post(f"/courses/{slug}/learn/{lesson_ids[0]}/done")
        assert marked.status_code == 302
        sent = wire.messages()[before:]
        assert sent[0].startswith('"BEGIN') and '"COMMIT"' in sent, sent
        with fresh.app_context():
            done = db.session.scalars(
                sa.select(LessonCompletion.lesson_id)
                .join(Enrolment)
                .where(Enrolment.course_id == ids["course"])
            ).all()
        assert done == [lesson_ids[0]]
        page = client.get(f"/courses/{slug}/learn/{lesson_ids[0]}")
        assert "Pelajaran ini sudah selesai" in page.text
    finally:
        try:
            with fresh.app_context():
                factories.delete_committed(ids)
                db.session.commit()
                db.engine.dispose()
        finally:
            wire.close()  # after the traced connections are gone


POSTGRES = {
    **Config.__dict__,
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/lms",
    "SOCKETIO_ASYNC_MODE": "gevent",
}


def test_a_room_process_queues_for_a_fixed_pool_instead_of_opening_overflow_connections():
    # Thousands of greenlets: with 10 overflow connections above the pool, a burst of joins opened
    # and closed a PostgreSQL connection for nearly every checkout.
    options = engine_options(POSTGRES, greenlets=True)
    assert options["pool_size"] == Config.ROOMS_DB_POOL_SIZE
    assert options["max_overflow"] == 0
    assert options["pool_recycle"] == Config.SQLALCHEMY_ENGINE_OPTIONS["pool_recycle"]


def test_page_workers_keep_the_default_pool():
    assert engine_options(POSTGRES, greenlets=False) == Config.SQLALCHEMY_ENGINE_OPTIONS


def test_greenlets_on_sqlite_share_one_connection():
    sqlite = {**POSTGRES, "SQLALCHEMY_DATABASE_URI": "sqlite:///x.sqlite3"}
    for greenlets in (True, False):
        options = engine_options(sqlite, greenlets=greenlets)
        assert (options["pool_size"], options["max_overflow"]) == (1, 0)
    threads = {**sqlite, "SOCKETIO_ASYNC_MODE": "threading"}
    assert "pool_size" not in engine_options(threads, greenlets=False)


def test_this_test_process_is_not_taken_for_a_room_process():
    assert greenlets_patched() is False
