"""gunicorn for the pages: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Threads, not gevent: a page is a short burst of Python and SQL, and threads let a slow query of
one request leave the others running. Socket.IO rooms run in their own gevent process
(deploy/gunicorn-rooms.conf.py); the proxy sends /socket.io/ there.

Every value can be changed through the environment (the systemd unit reads /etc/lms/lms.env).
"""

import gc
import multiprocessing
import os

bind = os.environ.get("LMS_WEB_BIND", "127.0.0.1:8000")
worker_class = "gthread"
# One process per core, a few threads each: threads wait on PostgreSQL, processes use the cores.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("LMS_WEB_THREADS", "4"))
# Load the application once in the master, then fork: faster restarts, shared memory pages.
preload_app = True
timeout = int(os.environ.get("LMS_WEB_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("LMS_WEB_GRACEFUL_TIMEOUT", "20"))
# One request per connection, and a process takes a connection only when one of its threads is
# free: the others wait in the kernel's queue for whichever process frees a thread first. With
# keep-alive, each process kept the connections it had accepted and served them with its one core
# (the GIL), so the busier process set the pace while the other idled (issue 15: the catalogue at
# 0.19 of the ceiling, then 0.39 without keep-alive) and at 50 connections the requests queued
# behind a busy process had a p99 of 300-430 ms (195-234 ms this way; make bench-pages). The proxy
# in front keeps the clients' connections open; its connections to gunicorn are local.
keepalive = int(os.environ.get("LMS_WEB_KEEPALIVE", "0"))
worker_connections = threads
# A worker is replaced after this many requests: memory stays flat whatever leaks. Not much more
# often: a new worker starts cold (no pooled connections, no prepared statements, SQLAlchemy's
# statement cache empty), and its first requests queue behind that. At 5,000 a fully loaded
# worker was replaced every 20 s, and the run in which that happened had its p99 at c=10 at
# 154-285 ms instead of 33-35 (issue 15, docs/benchmarks.md "Session 8"). The workers' memory is
# flat without it (PSS 83 MiB through a whole benchmark).
max_requests = int(os.environ.get("LMS_WEB_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("LMS_WEB_ACCESSLOG", "-")
errorlog = "-"
# The proxy in front is trusted for X-Forwarded-* (set PROXY_FIX_X_FOR=1 for the application too).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    """In the master, once the application is loaded (preload_app): compile every template, then
    move everything alive out of the garbage collector's reach (gc.freeze), so the forked workers
    share those memory pages instead of each touching (and copying) them at its first collection
    (issue 15: at most 120 MiB per page worker)."""
    app = server.app.wsgi()
    warm_templates(app)
    gc.collect()
    gc.freeze()


def warm_templates(app) -> int:
    """Compile the application's templates once, here, rather than once per worker on first use."""
    names = [name for name in app.jinja_env.list_templates() if name.endswith(".html")]
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)


def post_fork(server, worker):
    """Each worker opens its own database connections: a socket made in the master before the
    fork would be shared by every worker (the preloaded app has not connected, but be sure)."""
    from lms.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)


# gunicorn 24+ opens a control socket at one fixed path per user: several processes on one machine
# would take it from each other, and the units' ProtectHome hides it anyway.
control_socket_disable = True
