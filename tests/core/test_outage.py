"""A database that cannot be reached: every page answers 503 with Retry-After, and recovers alone.

The real outage (PostgreSQL stopped and started under load) is in tests/faults; these tests use
SQLite files whose folder is missing ("unable to open database file") and a session poisoned by a
failed statement (PendingRollbackError), the two ways the error pages crashed before.
"""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.exc import OperationalError, PendingRollbackError

from lms import create_app
from lms.accounts.models import Agency
from lms.core.outage import database_unavailable
from lms.extensions import db
from tests import factories


@pytest.fixture
def down_app(tmp_path):
    """An app whose SQLite database lives in a folder that does not exist (yet)."""
    folder = tmp_path / "data"
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'lms.sqlite3'}",
        PASSWORD_HASH_PARAMS={"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    )
    app.instance_path = str(tmp_path / "instance")
    yield app, folder
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


def test_pages_answer_503_with_retry_after_in_indonesian(down_app):
    app, _folder = down_app
    client = app.test_client()
    for path in ("/courses/", "/healthz"):
        response = client.get(path)
        assert response.status_code == 503, (path, response.status_code)
        assert int(response.headers["Retry-After"]) > 0
        assert response.mimetype == "text/html"
        assert "Layanan sedang tidak tersedia" in response.text
        assert "<script>" not in response.text and "style=" not in response.text
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_logged_in_visitor_gets_the_503_page_too(down_app):
    app, _folder = down_app
    client = app.test_client()
    # The user loader, the language and the time zone all read the database for a session user.
    with client.session_transaction() as session:
        session["_user_id"] = "1:token"
        session["_fresh"] = True
    response = client.get("/account")
    assert response.status_code == 503
    assert "Layanan sedang tidak tersedia" in response.text
    response = client.post("/login", data={"login": "x@contoh.go.id", "password": "salah"})
    assert response.status_code == 503


def test_json_clients_get_json(down_app):
    app, _folder = down_app
    client = app.test_client()
    response = client.get("/api/v1/courses")
    assert response.status_code == 503
    assert response.json["error"]["code"] == 503
    assert response.json["error"]["message"]
    assert int(response.headers["Retry-After"]) > 0
    response = client.get("/courses/", headers={"Accept": "application/json"})
    assert response.status_code == 503 and response.json["error"]["code"] == 503


def test_recovers_without_restart_when_the_database_returns(down_app):
    app, folder = down_app
    client = app.test_client()
    assert client.get("/courses/").status_code == 503
    folder.mkdir()
    with app.app_context():
        upgrade()
    assert client.get("/courses/").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_a_poisoned_session_still_gets_the_503_page(tmp_path):
    """The crash of the issue: a flush fails as the connection drops, then the error page asked for
    the language -> current_user -> the same session -> PendingRollbackError -> bare 500."""
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'lms.sqlite3'}",
        PASSWORD_HASH_PARAMS={"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    )
    app.instance_path = str(tmp_path / "instance")
    dropped = {"now": False}

    @app.post("/test-flush")
    def flush_during_outage():
        dropped["now"] = True
        db.session.add(Agency(code="X", name="X"))
        db.session.flush()
        return "never"

    with app.app_context():
        upgrade()
        user = factories.user(factories.agency())
        db.session.commit()
        email = user.email

        @sa.event.listens_for(db.engine, "before_cursor_execute")
        def drop(conn, cursor, statement, *args):
            if dropped["now"] and statement.lstrip().upper().startswith("INSERT"):
                raise OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))

    client = app.test_client()
    assert client.post("/login", data={"login": email, "password": factories.PASSWORD}).status_code == 302
    response = client.post("/test-flush")
    assert response.status_code == 503
    assert "Layanan sedang tidak tersedia" in response.text
    dropped["now"] = False
    assert client.get("/account").status_code == 200  # the next request has a clean session
    with app.app_context():
        db.engine.dispose()


def test_only_unreachable_database_errors_count():
    assert database_unavailable(OperationalError("x", {}, Exception("could not connect")))
    assert database_unavailable(PendingRollbackError("rolled back"))
    assert not database_unavailable(ValueError("x"))


def test_a_login_during_the_outage_leaves_the_rate_limit_storage_alone(down_app):
    """The per-account limit's key reads the database; its failure is not Redis's."""
    from lms.extensions import limiter

    app, _folder = down_app
    assert not limiter._storage_dead
    response = app.test_client().post("/login", data={"login": "x@contoh.go.id", "password": "salah"})
    assert response.status_code == 503
    assert not limiter._storage_dead


def test_a_connection_lost_after_the_answer_still_gives_the_answer(tmp_path, monkeypatch):
    """The database stops between the view's answer and the end of the request: the session's
    closing ROLLBACK fails on the dead connection. That used to escape Flask-SQLAlchemy's teardown
    and turn a finished 302 (a graded quiz) into gunicorn's bare 500."""
    import sqlite3

    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'lms.sqlite3'}",
        PASSWORD_HASH_PARAMS={"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    )
    app.instance_path = str(tmp_path / "instance")

    @app.get("/test-read")
    def read_then_answer():
        db.session.execute(sa.select(Agency.id)).all()
        return "answered"

    with app.app_context():
        upgrade()
        dialect = db.engine.dialect

    def dead_connection(dbapi_connection):
        raise sqlite3.OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(dialect, "do_rollback", dead_connection)
    response = app.test_client().get("/test-read")
    assert response.status_code == 200 and response.text == "answered"
    monkeypatch.undo()
    assert app.test_client().get("/test-read").text == "answered"  # the next request works
    with app.app_context():
        db.engine.dispose()
