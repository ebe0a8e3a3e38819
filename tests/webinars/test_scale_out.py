"""Two real server processes (gunicorn, gevent worker, as in production) share rooms through Redis.

A chat message sent through one process reaches a client of the other, and one person's
connections to both processes land in one merged attendance timeline in the shared database.

Several runs may use one Redis at once (CI runs the suite on SQLite and on PostgreSQL side by
side, and user ids are the same in both). Each run therefore has its own Socket.IO channel
(pub/sub ignores the database number) and its own key prefix for the rate-limit counters, and
deletes its keys at the end; nothing from the caller's environment points the servers elsewhere.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from lms import create_app
from lms.accounts.models import Role
from lms.extensions import db
from lms.webinars import attendance as webinar_attendance
from tests import factories
from tests.conftest import POSTGRES_URL, postgres_schema
from tests.servers import clean_environ, free_port

socketio_client = pytest.importorskip("socketio", reason="python-socketio client")
redis = pytest.importorskip("redis")

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
NS = "/webinar"


def redis_available() -> bool:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False
    return True


@pytest.fixture
def shared_database(tmp_path):
    """A database of its own (committed data, seen by the server processes), migrated and seeded."""
    schema = f"scaleout_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = (
        postgres_schema(POSTGRES_URL, schema) if POSTGRES_URL else f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    )
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=url,
        PASSWORD_HASH_PARAMS={"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    )
    with app.app_context():
        upgrade()
        agency = factories.agency(code="SCALE")
        trainer = factories.user(agency, roles=(Role.TRAINER,), name="Pemandu")
        ani, budi = factories.user(agency, name="Ani"), factories.user(agency, name="Budi")
        webinar = factories.webinar(trainer)
        factories.registration(webinar, ani)
        factories.registration(webinar, budi)
        db.session.commit()
        people = {"trainer": trainer.email, "ani": ani.email, "budi": budi.email, "ani_id": ani.id}
        webinar_id = webinar.id
        db.engine.dispose()
    yield app, url, people, webinar_id
    if POSTGRES_URL:
        with app.app_context():
            db.engine.dispose()
        postgres_schema(POSTGRES_URL, schema, drop=True)


@pytest.fixture
def two_servers(shared_database, tmp_path):
    if not redis_available():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("gunicorn is not installed")
    app, url, people, webinar_id = shared_database
    run = f"lms-test-{os.getpid()}-{uuid.uuid4().hex}"
    env = clean_environ()
    env.update(
        {
            "LMS_CONFIG": "development",
            "LMS_SQLALCHEMY_DATABASE_URI": url,
            "LMS_SOCKETIO_MESSAGE_QUEUE": REDIS_URL,
            "LMS_SOCKETIO_CHANNEL": run,
            "LMS_SOCKETIO_ASYNC_MODE": "gevent",
            # Shared by the two processes (as in production), apart from every other run.
            "LMS_RATELIMIT_STORAGE_URI": REDIS_URL,
            "LMS_RATELIMIT_STORAGE_OPTIONS": json.dumps({"key_prefix": run}),
            "LMS_INSTANCE_PATH": str(tmp_path),
            "LMS_LOGIN_RATE_LIMIT": "1000 per minute",
        }
    )
    servers = []
    try:
        for _ in range(2):
            port = free_port()
            log = open(tmp_path / f"server-{port}.log", "w+")  # noqa: SIM115 - closed below
            process = subprocess.Popen(  # noqa: S603
                [
                    str(Path(sys.executable).parent / "gunicorn"),
                    "--worker-class",
                    "gevent",
                    "--workers",
                    "1",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--graceful-timeout",
                    "2",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            servers.append((f"http://127.0.0.1:{port}", process, log))
        for base, process, log in servers:
            wait_ready(base, process, log)
        yield app, [base for base, _, _ in servers], people, webinar_id
    finally:
        for _, process, _log in servers:
            process.terminate()
        for _, process, log in servers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        forget_run(run)


def forget_run(run: str) -> None:
    """Delete this run's rate-limit counters (the channel leaves nothing behind)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{run}:*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def wait_ready(base: str, process: subprocess.Popen, log, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"server {base} exited with {process.returncode}:\n{log.read()[-3000:]}")
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    log.seek(0)
    pytest.fail(f"server {base} not ready after {timeout} s:\n{log.read()[-3000:]}")


class Participant:
    """A python-socketio client logged in over HTTP on one server, recording what it receives."""

    def __init__(self, base: str, email: str):
        import requests

        self.http = http = requests.Session()
        form = http.get(f"{base}/login", timeout=10).text
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', form).group(1)
        response = http.post(
            f"{base}/login",
            data={"login": email, "password": factories.PASSWORD, "csrf_token": token},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:500]
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.received: dict[str, list] = {}
        self.arrived = threading.Condition()
        self.client = socketio_client.Client(reconnection=False)
        self.client.on("*", self._record, namespace=NS)
        self.client.connect(
            base, namespaces=[NS], headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10
        )

    def _record(self, event, *args):
        with self.arrived:
            self.received.setdefault(event, []).append(args[0] if args else None)
            self.arrived.notify_all()

    # Generous timeouts: the machine running the suite may be busy; a pass is never slowed down.
    def call(self, event, **data):
        return self.client.call(event, data, namespace=NS, timeout=30)

    def wait_for(self, event, predicate=lambda payload: True, timeout: float = 30):
        with self.arrived:
            found = self.arrived.wait_for(
                lambda: any(predicate(p) for p in self.received.get(event, [])), timeout=timeout
            )
        assert found, f"no {event!r} within {timeout} s; received {self.received}"

    def close(self):
        self.client.disconnect()

    def log_out(self, base: str) -> None:
        """Log out over HTTP on `base` (any process): the login session ends."""
        page = self.http.get(f"{base}/account", timeout=10).text
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        response = self.http.post(
            f"{base}/logout", data={"csrf_token": token}, allow_redirects=False, timeout=10
        )
        assert response.status_code == 302


def test_logout_on_one_process_closes_the_sessions_socket_on_the_other(two_servers):
    """The page worker that handles the logout is not the one holding the room connection: the
    disconnect travels through the Redis message queue."""
    _app, (first, second), people, webinar_id = two_servers
    ani = Participant(second, people["ani"])  # logged in over HTTP on the second process
    try:
        assert ani.call("join", webinar_id=webinar_id)["ok"]
        ani.log_out(first)
        deadline = time.monotonic() + 30
        while ani.client.connected and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not ani.client.connected
    finally:
        if ani.client.connected:
            ani.close()


def test_two_processes_share_rooms_and_one_timeline(two_servers):
    from lms.webinars.models import Attendance, Webinar, WebinarConnection

    app, (first, second), people, webinar_id = two_servers
    clients = []
    try:
        trainer = Participant(second, people["trainer"])
        clients.append(trainer)
        assert trainer.call("join", webinar_id=webinar_id)["ok"]

        budi = Participant(first, people["budi"])
        clients.append(budi)
        assert budi.call("join", webinar_id=webinar_id)["ok"]
        # the moderator room, across processes
        trainer.wait_for("present", lambda people: any(p["name"] == "Budi" for p in people))

        ani_laptop = Participant(first, people["ani"])
        clients.append(ani_laptop)
        assert ani_laptop.call("join", webinar_id=webinar_id)["ok"]
        time.sleep(1)
        ani_phone = Participant(second, people["ani"])
        clients.append(ani_phone)
        assert ani_phone.call("join", webinar_id=webinar_id)["ok"]

        reply = budi.call("chat", webinar_id=webinar_id, text="Halo dari proses pertama")
        assert reply["ok"], reply
        for client in (trainer, ani_phone, ani_laptop):
            client.wait_for("chat", lambda m: m["text"] == "Halo dari proses pertama")

        assert ani_phone.call("heartbeat", webinar_id=webinar_id)["ok"]
        time.sleep(1)
        ani_laptop.close()
        time.sleep(1)
        ani_phone.close()
    finally:
        for client in clients:
            client.close()

    with app.app_context():
        # The servers close the intervals when they see the disconnects; wait for all of them (and
        # end this read transaction) before writing, as SQLite allows one writer at a time.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            connections = db.session.scalars(sa.select(WebinarConnection)).all()
            db.session.rollback()
            if len(connections) == len(clients) and all(c.closed_at for c in connections):
                break
            time.sleep(0.2)
        connections = [c for c in connections if c.user_id == people["ani_id"]]
        assert len({c.sid for c in connections}) == 2 and all(c.closed_at for c in connections), connections
        webinar = db.session.get(Webinar, webinar_id)
        trainer_user = db.session.get(type(webinar.host), webinar.host_id)
        webinar_attendance.end_webinar(webinar, by=trainer_user, at=datetime.now(UTC) + timedelta(seconds=1))
        db.session.commit()
        ani = db.session.scalar(
            sa.select(Attendance).where(
                Attendance.webinar_id == webinar_id, Attendance.user_id == people["ani_id"]
            )
        )
        union = max(c.closed_at for c in connections) - min(c.joined_at for c in connections)
        separate = sum(((c.closed_at - c.joined_at) for c in connections), timedelta())
        assert ani.attended_seconds == int(union.total_seconds())
        assert union.total_seconds() >= 2.5 and separate - union >= timedelta(
            seconds=0.5
        )  # overlap counted once
        db.engine.dispose()
