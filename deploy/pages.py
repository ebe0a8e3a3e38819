"""The page server: `python deploy/pages.py` (granian, WSGI, a few threads per process).

Threads, not gevent: a page is a short burst of Python and SQL, and threads let a slow query of
one request leave the others running. Socket.IO rooms run in their own gevent processes
(deploy/gunicorn-rooms.conf.py); the proxy sends /socket.io/ there.

Why granian and not gunicorn's gthread worker (issue 15, docs/benchmarks.md "Session 15"): its
HTTP handling is Rust, outside the GIL. Serving a 3.6 KB body with 2 processes, gunicorn's gthread
worker spent 0.49-0.55 ms of CPU per request on its own and its sync worker 0.36-0.40; granian
0.09 (`make bench-servers`). A page is about 4 ms.

granian loads the application in each worker; this launcher loads it once, here, compiles every
template and moves what is alive out of the garbage collector's reach (gc.freeze) before the
workers are forked, so they share those memory pages instead of each holding its own copy (issue
15: at most 120 MiB per page worker; 164 MiB each without this, 88 with it). Each worker then
opens its own database connections.

Every value comes from the environment (the systemd unit reads /etc/lms/lms.env).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import socket
import sys
from functools import partial
from pathlib import Path

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.net import SocketSpec
from granian.server.mp import MPServer

ROOT = Path(__file__).resolve().parent.parent


def settings(environ=os.environ) -> dict:
    """granian's settings from the environment."""
    bind = environ.get("LMS_WEB_BIND", "127.0.0.1:8000")
    threads = int(environ.get("LMS_WEB_THREADS", "4"))
    if bind.startswith("unix:"):
        where = {"uds": Path(bind.removeprefix("unix:"))}
    else:
        host, _, port = bind.rpartition(":")
        where = {"address": host.strip("[]") or "127.0.0.1", "port": int(port)}
    return {
        **where,
        "interface": Interfaces.WSGI,
        # HTTP/1, as nginx speaks to its upstreams; the rooms' websockets go elsewhere.
        "http": HTTPModes.http1,
        # One request per connection. A kept connection stays with the process that accepted it,
        # and with `backpressure` below a process accepts no more connections than it has threads:
        # with keep-alive, 8 kept connections were served and 42 others of 50 never were
        # (docs/benchmarks.md, session 15). nginx keeps the clients' connections open.
        "http1_settings": HTTP1Settings(keep_alive=False),
        "websockets": False,
        # One process per core, a few threads each: threads wait on PostgreSQL, processes use the
        # cores.
        "workers": int(environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count()),
        "blocking_threads": threads,
        # A process accepts no more connections, so no more requests, than it has threads: the
        # others wait in the kernel's queue for whichever process frees a thread first, never
        # behind a busy process (with gunicorn's keep-alive, each process kept what it had
        # accepted, and the busier one set the pace while the other idled: docs/benchmarks.md,
        # session 6).
        "backpressure": threads,
        "respawn_failed_workers": True,
        # A worker whose memory grew past this is replaced: memory stays flat whatever leaks. A
        # loaded worker's RSS is well under it (its PSS, the shared pages split, about 88 MiB).
        "workers_max_rss": int(environ.get("LMS_WEB_MAX_RSS_MIB", "400")),
        "workers_kill_timeout": int(environ.get("LMS_WEB_GRACEFUL_TIMEOUT", "20")),
        "log_access": environ.get("LMS_WEB_ACCESSLOG", "1").lower() not in ("0", "false", "off", ""),
        "log_level": environ.get("LMS_WEB_LOG_LEVEL", "info"),
    }


class PageServer(MPServer):
    """granian with one queue of connections that every worker takes from.

    On Linux granian gives each worker a listening socket of its own (SO_REUSEPORT): the kernel
    hands each new connection to a worker by a hash of its addresses, busy or not, so one worker's
    queue grows while the other waits. With Python work per request, 50 connections had a p99 of
    133-199 ms that way and 88-116 ms with one queue (`make bench-servers BENCH_ARGS="--connections
    50 --work 60000"`; docs/benchmarks.md, session 15). And
    a worker that is replaced (`workers_max_rss`) resets the connections waiting in its own queue
    unless the kernel's tcp_migrate_req is on. One socket, made here and inherited by the forked
    workers, is what granian does on the other systems: a connection waits for whichever worker
    frees a thread first, and a worker's replacement leaves the queue to the others.
    `tests/core/test_page_server.py` checks that the server listens on one socket (a granian that
    changes these internals fails it)."""

    def _init_shared_socket(self):
        if self.bind_uds:  # granian shares a Unix socket already
            super()._init_shared_socket()
            return
        self._ssp, self._shd = None, SocketSpec(self.bind_addr, self.bind_port, self.backlog).build()
        self._sfd = self._shd.get_fd()
        self._sso = socket.socket(fileno=self._sfd)
        self._sso.set_inheritable(True)


def preload():
    """The application, loaded in this process before the workers are forked (see above)."""
    sys.path.insert(0, str(ROOT))
    from wsgi import app

    warm_templates(app)
    gc.collect()
    gc.freeze()
    return app


def warm_templates(app) -> int:
    """Compile the application's templates once, here, rather than once per worker on first use."""
    names = [name for name in app.jinja_env.list_templates() if name.endswith(".html")]
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)


def in_worker(app, _target: str):
    """Run in each forked worker before it serves: its own database connections (the preloaded
    application has not connected, but a socket opened before the fork would be shared)."""
    from lms.extensions import db

    with app.app_context():
        db.engine.dispose(close=False)
    return app


def main() -> None:
    # The workers must be forked from this process, which holds the loaded application: granian
    # takes Python's start method, whose default on Linux becomes "forkserver" in Python 3.14.
    multiprocessing.set_start_method("fork", force=True)
    app = preload()
    PageServer("wsgi:app", **settings()).serve(target_loader=partial(in_worker, app))


if __name__ == "__main__":
    main()
