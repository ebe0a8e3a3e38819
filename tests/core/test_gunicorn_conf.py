"""deploy/gunicorn.conf.py: the master compiles the templates and freezes its heap before forking."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


class Server:
    def __init__(self, app):
        self.app = self
        self._app = app

    def wsgi(self):
        return self._app


def test_when_ready_compiles_every_page_template_and_freezes_the_heap(app):
    conf = runpy.run_path(str(CONF))
    assert conf["preload_app"] is True
    pages = [n for n in app.jinja_env.list_templates() if n.endswith(".html")]
    try:
        conf["when_ready"](Server(app))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    cached = {key[1] for key in app.jinja_env.cache.keys()}  # noqa: SIM118 - an LRUCache, not a dict
    assert set(pages) <= cached and len(pages) > 50


def test_page_workers_take_a_connection_only_when_a_thread_is_free():
    # Keep-alive pinned connections to the process that accepted them: one busy process (one core,
    # the GIL) set the pace while the other idled, and queued requests waited behind it.
    conf = runpy.run_path(str(CONF))
    assert conf["worker_class"] == "gthread"
    assert conf["keepalive"] == 0
    assert conf["worker_connections"] == conf["threads"]


def test_workers_are_recycled_rarely_enough_to_stay_warm(monkeypatch):
    monkeypatch.delenv("LMS_WEB_MAX_REQUESTS", raising=False)
    conf = runpy.run_path(str(CONF))
    # A fully loaded worker serves some 250 pages a second: at least several minutes between
    # replacements, whose cold start otherwise shows in the p99 (docs/benchmarks.md, session 8).
    assert conf["max_requests"] >= 50_000
    assert 0 < conf["max_requests_jitter"] < conf["max_requests"]
