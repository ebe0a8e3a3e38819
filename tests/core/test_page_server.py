"""deploy/pages.py: granian serves the pages from workers forked from a process that loaded the
application once (the workers share its memory), each taking no more requests than it has
threads."""

from __future__ import annotations

import os
import runpy
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.servers import clean_environ, free_port

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "deploy" / "pages.py"


@pytest.fixture(scope="module")
def pages():
    return runpy.run_path(str(PAGES))


def test_defaults_take_only_as_many_requests_as_threads(pages):
    # With more, a busy process kept requests that the other process could have served at once.
    found = pages["settings"]({})
    assert (found["address"], found["port"]) == ("127.0.0.1", 8000)
    assert found["blocking_threads"] == found["backpressure"] == 4
    assert found["workers"] == os.cpu_count()
    assert found["respawn_failed_workers"] is True
    assert found["websockets"] is False
    assert found["workers_max_rss"] == 400
    assert found["log_access"] is True
    # A kept connection would stay with one process, which takes no more than it has threads:
    # the clients beyond them would never be served.
    assert found["http1_settings"].keep_alive is False


def test_settings_come_from_the_environment(pages):
    environ = {
        "LMS_WEB_BIND": "10.0.0.12:8123",
        "WEB_CONCURRENCY": "3",
        "LMS_WEB_THREADS": "6",
        "LMS_WEB_MAX_RSS_MIB": "300",
        "LMS_WEB_GRACEFUL_TIMEOUT": "5",
        "LMS_WEB_ACCESSLOG": "0",
    }
    found = pages["settings"](environ)
    assert (found["address"], found["port"], found["workers"]) == ("10.0.0.12", 8123, 3)
    assert found["blocking_threads"] == found["backpressure"] == 6
    assert (found["workers_max_rss"], found["workers_kill_timeout"]) == (300, 5)
    assert found["log_access"] is False
    unix = pages["settings"]({"LMS_WEB_BIND": "unix:/run/lms/web.sock"})
    assert unix["uds"] == Path("/run/lms/web.sock") and "port" not in unix
    assert pages["settings"]({"LMS_WEB_BIND": "[::1]:8000"})["address"] == "::1"


def test_every_page_template_is_compiled_before_the_fork(app, pages):
    names = [n for n in app.jinja_env.list_templates() if n.endswith(".html")]
    assert pages["warm_templates"](app) == len(names) > 50
    cached = {key[1] for key in app.jinja_env.cache.keys()}  # noqa: SIM118 - an LRUCache, not a dict
    assert set(names) <= cached


def children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def listening_sockets(port: int) -> int:
    """How many sockets listen on this TCP port of 127.0.0.1 (/proc/net/tcp: state 0A)."""
    local = f"0100007F:{port:04X}"
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for row in rows if row.split()[1] == local and row.split()[3] == "0A")


def shared_dirty_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Shared_Dirty:"):
            return int(line.split()[1])
    return 0


def test_the_server_forks_its_workers_from_the_loaded_application(tmp_path):
    port = free_port()
    env = clean_environ()
    env.update(
        {
            "LMS_CONFIG": "production",
            "SECRET_KEY": "page-server-" + "x" * 40,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'pages.sqlite3'}",
            "LMS_INSTANCE_PATH": str(tmp_path),
            "LMS_WEB_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "2",
            "LMS_WEB_THREADS": "2",
            "LMS_WEB_GRACEFUL_TIMEOUT": "2",
        }
    )
    log = open(tmp_path / "pages.log", "w+")  # noqa: SIM115 - closed below
    server = subprocess.Popen([sys.executable, str(PAGES)], cwd=tmp_path, env=env, stdout=log, stderr=log)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"the page server did not start:\n{log.read()[-3000:]}")
                time.sleep(0.2)
        assert answer.status_code == 200
        assert answer.headers["X-Content-Type-Options"] == "nosniff"  # the application answered
        assert answer.headers["Connection"] == "close"
        workers = children(server.pid)
        assert len(workers) == 2
        # One queue of connections for both workers, not one socket each (SO_REUSEPORT), where
        # the kernel hands a connection to a worker whether or not it is busy.
        assert listening_sockets(port) == 1
        # Forked from the process that loaded the application: its heap, written before the fork,
        # is shared (a worker that imported the application itself shares none of it).
        assert all(shared_dirty_kib(pid) > 20_000 for pid in workers), [shared_dirty_kib(p) for p in workers]
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()
