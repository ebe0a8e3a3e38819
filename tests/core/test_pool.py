"""Database connections: no pre-ping round trip on every checkout, and recovery after the server
drops them (a PostgreSQL restart) without restarting the application."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from config import Config
from lms import create_app
from lms.extensions import db

APP_NAME = "lms-pool-test"


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
