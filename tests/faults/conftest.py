"""Fault tests: a PostgreSQL cluster and a redis-server of the suite's own, stopped and started.

Both are started here on spare ports (nothing of the machine's own services is touched), and the
application runs as in production: the page server (deploy/pages.py) and gevent
room processes (deploy/gunicorn-rooms.conf.py). PostgreSQL refuses to run as root, so as root
(CI) the cluster belongs to the `postgres` system user (`runuser`); otherwise to the caller.
The tests skip, saying why, only when the PostgreSQL or Redis server programs are not installed.

Under pytest-xdist (`make test` runs two workers) the modules share the group "faults"
(`--dist loadgroup`): one worker runs them all, so the cluster and the redis-server (session
fixtures) start once, not once per worker, and never two of them take the machine at once.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from lms import create_app
from lms.extensions import db
from tests import factories
from tests.servers import clean_environ, free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NS = "/webinar"
FAST_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"{what} not within {timeout} s")


# ---------------------------------------------------------------- PostgreSQL


def postgres_bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.insert(0, found)
    return Path(candidates[0]).parent if candidates else None


class PostgresCluster:
    """A throwaway cluster: initdb, pg_ctl start/stop; trust authentication on 127.0.0.1 only."""

    def __init__(self, bindir: Path, port: int):
        self.bindir, self.port = bindir, port
        self.as_user: list[str] = []
        owner = None
        if os.geteuid() == 0:
            import pwd

            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no `postgres` user to own the test cluster")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        # Not under pytest's tmp_path: that is private to root, and the cluster's owner must enter.
        self.base = Path(tempfile.mkdtemp(prefix="lms-faults-pg-"))
        self.data = self.base / "data"
        if owner is not None:
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
        self.log = self.base / "postgres.log"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - fixed programs of the PostgreSQL installation
            [*self.as_user, *args], capture_output=True, text=True, check=check, timeout=60
        )

    def init(self) -> None:
        self.run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} "
            "-c max_connections=60 -c shared_buffers=32MB"
        )
        pg_ctl = str(self.bindir / "pg_ctl")
        self.run(pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        # "fast": what an operator's restart or a crash of the service does to open connections.
        self.run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        pg_ctl = str(self.bindir / "pg_ctl")
        self.run(pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    def database(self, name: str) -> str:
        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            engine.dispose()
        return self.url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def postgres():
    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
    cluster = PostgresCluster(bindir, free_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


# ---------------------------------------------------------------- Redis


class RedisServer:
    def __init__(self, port: int, folder: Path):
        self.port, self.folder = port, folder
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers():
            try:
                return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
            except redis.RedisError:
                return False

        wait_for(answers, 10, "redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port(), tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- the application


def migrated(url: str, seed) -> dict:
    """Migrate the database at `url` and run `seed(app)` in an app context; returns its result."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, PASSWORD_HASH_PARAMS=FAST_HASH)
    with app.app_context():
        upgrade()
        result = seed(app)
        db.session.commit()
        db.engine.dispose()
    return result


def server_env(database_url: str, redis_url: str | None, instance: Path, **extra: str) -> dict:
    """The environment of a production server process, apart from the caller's own settings."""
    env = clean_environ()
    env.update(
        {
            "LMS_CONFIG": "production",
            "SECRET_KEY": "faults-" + "x" * 40,
            "DATABASE_URL": database_url,
            "LMS_INSTANCE_PATH": str(instance),
            # Plain http between the test and the server: cookies without the Secure flag.
            "LMS_SESSION_COOKIE_SECURE": "false",
            "LMS_REMEMBER_COOKIE_SECURE": "false",
            "LMS_HSTS": "false",
            "LMS_LOGIN_RATE_LIMIT": "1000 per minute",
            "LMS_PASSWORD_HASH_PARAMS": '{"time_cost": 1, "memory_cost": 1024, "parallelism": 1}',
            "LMS_UNAVAILABLE_RETRY_AFTER": "5",
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        }
    )
    if redis_url:
        env["RATELIMIT_STORAGE_URI"] = redis_url
        env["SOCKETIO_MESSAGE_QUEUE"] = redis_url
    env.update(extra)
    return env


LEARNERS = 6
QUIZ_GIFT = "::jp::Satu JP sama dengan 45 menit. {T}\n"
# Short webinar intervals, so that an outage longer than the heartbeat timeout fits in a test.
WEBINAR_SETTINGS = {
    "LMS_WEBINAR_FLUSH_SECONDS": "1",
    "LMS_WEBINAR_SWEEP_SECONDS": "2",
    "LMS_WEBINAR_HEARTBEAT_TIMEOUT": "6",
    "LMS_WEBINAR_HEARTBEAT_GRACE": "1",
}


def seed(app) -> dict:
    """What every fault test needs: learners enrolled in a course with a quiz, and a webinar."""
    from lms.accounts.models import Role
    from lms.courses import learning
    from tests.quizzes.conftest import build_quiz

    agency = factories.agency(code="FAULT")
    trainer = factories.user(agency, roles=(Role.TRAINER,), name="Pemandu")
    hr = factories.user(agency, roles=(Role.AGENCY_ADMIN,), name="Pengelola SDM")  # the job test
    course = factories.course(by=trainer, modules=1, lessons=1)
    quiz = build_quiz(course, QUIZ_GIFT, max_attempts=None)
    learners = [factories.user(agency, name=f"Peserta {n}") for n in range(LEARNERS)]
    for learner in learners:
        learning.enrol(learner, course)
    webinar = factories.webinar(trainer)  # ended by the Redis test
    other = factories.webinar(trainer, title="Webinar kedua")  # for the topology test
    for learner in learners[:2]:
        factories.registration(webinar, learner)
        factories.registration(other, learner)
    return {
        "quiz": quiz.id,
        "learners": [u.email for u in learners],
        "webinar": webinar.id,
        "other_webinar": other.id,
        "trainer": trainer.email,
        "hr": hr.email,
        "agency": agency.id,
        "attendees": {u.email: u.id for u in learners[:2]},
    }


class Topology:
    """deploy/run-local.sh on spare ports: front door, page workers, two room processes."""

    def __init__(self, database_url: str, redis_url: str, folder: Path):
        self.database_url = database_url
        self.port, self.web_port = free_port(), free_port()
        self.room_ports = [free_port(), free_port()]
        self.front = f"http://127.0.0.1:{self.port}"
        self.rooms = [f"http://127.0.0.1:{p}" for p in self.room_ports]
        env = server_env(database_url, None, folder, **WEBINAR_SETTINGS)
        env.update(
            {
                "REDIS_URL": redis_url,
                "SOCKETIO_CHANNEL": f"lms-faults-{uuid.uuid4().hex}",
                "PORT": str(self.port),
                "WEB_PORT": str(self.web_port),
                "ROOMS_PORTS": " ".join(map(str, self.room_ports)),
                "LMS_BIN": str(BIN),
                "WEB_CONCURRENCY": "2",
                "LMS_WEB_THREADS": "4",
                # Stopping need not wait for slow clients: the tests closed theirs.
                "LMS_WEB_GRACEFUL_TIMEOUT": "3",
                "LMS_ROOMS_GRACEFUL_TIMEOUT": "3",
            }
        )
        self.log_path = folder / "run-local.log"
        self.log = open(self.log_path, "w+")  # noqa: SIM115 - closed in stop()
        # A session of its own: the script and everything it started are stopped together.
        self.script = subprocess.Popen(  # noqa: S603
            ["bash", str(ROOT / "deploy" / "run-local.sh")],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_text()

    def tracebacks(self, last: int = 2) -> str:
        """The last tracebacks the processes printed: the reason behind a 500, for a failure."""
        blocks = self.output().split("Traceback (most recent call last):")[1:]
        return "\n---\n".join(block[:4000] for block in blocks[-last:]) or "(no traceback in the output)"

    def running(self) -> bool:
        return self.script.poll() is None

    def wait_ready(self, timeout: float = 240) -> None:
        import requests

        def ready():
            if not self.running():
                pytest.fail(f"run-local.sh exited:\n{self.output()[-3000:]}")
            try:
                pages = requests.get(self.front + "/login", timeout=2).status_code == 200
                return pages and all(
                    requests.get(room + "/socket.io/?EIO=4&transport=polling", timeout=2).status_code == 200
                    for room in self.rooms
                )
            except requests.RequestException:
                return False

        wait_for(ready, timeout, "the topology of deploy/run-local.sh", interval=0.3)

    def stop(self) -> None:
        os.killpg(self.script.pid, signal.SIGTERM)
        try:
            self.script.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.script.pid, signal.SIGKILL)
            self.script.wait()
        self.log.close()


@pytest.fixture(scope="session")
def topology(postgres, redis_server, tmp_path_factory):
    """The production topology, started once for every fault test (they leave it as they found it:
    whatever they stop, they start again)."""
    url = postgres.database("lms")
    world = migrated(url, seed)
    started = Topology(url, redis_server.url, tmp_path_factory.mktemp("topology"))
    try:
        started.wait_ready()
        started.world = world
        yield started
    finally:
        started.stop()


# ---------------------------------------------------------------- clients


CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Browser:
    """A requests session that logs in like a browser (CSRF token from the form)."""

    def __init__(self, base: str):
        import requests

        self.base = base
        self.http = requests.Session()
        self.token = None

    def url(self, path: str) -> str:
        return self.base + path

    def csrf(self, path: str) -> str:
        self.token = CSRF.search(self.http.get(self.url(path), timeout=10).text).group(1)
        return self.token

    def login(self, email: str) -> int:
        token = self.csrf("/login")
        response = self.http.post(
            self.url("/login"),
            data={"login": email, "password": factories.PASSWORD, "csrf_token": token},
            allow_redirects=False,
            timeout=10,
        )
        return response.status_code

    def post(self, path: str, data: dict | None = None, **kwargs):
        return self.http.post(
            self.url(path),
            data={**(data or {}), "csrf_token": self.token},
            allow_redirects=False,
            timeout=kwargs.pop("timeout", 10),
            **kwargs,
        )

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)


class Participant:
    """A python-socketio client in the webinar room, recording what it receives."""

    def __init__(self, base: str, browser: Browser, *, socket_base: str | None = None):
        import socketio

        self.received: dict[str, list] = {}
        self.arrived = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record, namespace=NS)
        self.client.connect(
            socket_base or base,
            namespaces=[NS],
            headers={"Cookie": browser.cookie_header()},
            transports=["websocket"],
            wait_timeout=20,
        )

    def _record(self, event, *args):
        with self.arrived:
            self.received.setdefault(event, []).append(args[0] if args else None)
            self.arrived.notify_all()

    def call(self, event, **data):
        return self.client.call(event, data, namespace=NS, timeout=30)

    def wait_for(self, event, predicate=lambda payload: True, timeout: float = 30):
        with self.arrived:
            found = self.arrived.wait_for(
                lambda: any(predicate(p) for p in self.received.get(event, [])), timeout=timeout
            )
        assert found, f"no {event!r} within {timeout} s; received {self.received}"

    def close(self):
        if self.client.connected:
            self.client.disconnect()
