"""Browser journeys: headless Chromium (Debian's) driven by Playwright, against a live server.

The live server is a separate app with CSRF on, serving its own database: a temporary SQLite
file, or TEST_DATABASE_URL (PostgreSQL, schema from the session `app` fixture's migrations)
whose tables are truncated when each e2e module ends. Data is seeded through the services and
committed, because the server thread must see it.

Without chromium the journeys are skipped, unless LMS_REQUIRE_BROWSER=1 (CI), where that fails.
On failure every open page is saved to test-artifacts/ as a screenshot and its HTML.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, current_app, got_request_exception
from flask_migrate import upgrade
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from lms import ROOT, create_app
from lms.extensions import db, limiter
from tests import factories
from tests.conftest import POSTGRES_URL

REQUIRE_BROWSER = os.environ.get("LMS_REQUIRE_BROWSER") == "1"

try:
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - playwright is a dev dependency
    if REQUIRE_BROWSER:
        raise
    sync_playwright = None

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000
# The live app's rate limits are off while this config key is true. The limiter is one object
# shared by every app in the process, so its global `enabled` flag is left alone: flipping it
# here would silently switch rate limiting off for the other tests' app as well.
NO_RATE_LIMITS = "E2E_NO_RATE_LIMITS"
ARTIFACTS = ROOT / "test-artifacts"
FAST_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}

_reports = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


def _failed(node) -> bool:
    return any(report.failed for report in node.stash.get(_reports, {}).values())


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if sync_playwright is None or executable is None:
        reason = "chromium is not installed" if sync_playwright else "playwright is not installed"
        if REQUIRE_BROWSER:
            pytest.fail(f"LMS_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(f"{reason}: browser journeys skipped")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class ConsoleMessage:
    type: str
    text: str
    url: str

    def __str__(self) -> str:
        return f"[{self.type}] {self.url}: {self.text}"


@dataclass
class Contexts:
    """The browser contexts of one test, with everything their pages logged to the console."""

    browser: Browser
    base_url: str
    opened: list[BrowserContext] = field(default_factory=list)
    console: list[ConsoleMessage] = field(default_factory=list)
    # Checked after every test: set to False only in a test that provokes these on purpose.
    forbid_csp_violations: bool = True
    forbid_page_errors: bool = True

    def new(self, **options) -> BrowserContext:
        """A fresh context (no cookies) on the live server; options go to Browser.new_context."""
        options.setdefault("locale", "id-ID")
        options.setdefault("timezone_id", "Asia/Jakarta")
        context = self.browser.new_context(base_url=self.base_url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.on("console", self._on_console)
        context.on(
            "weberror",
            lambda error: self.console.append(
                ConsoleMessage("pageerror", str(error.error), error.page.url if error.page else "")
            ),
        )
        self.opened.append(context)
        return context

    def _on_console(self, message) -> None:
        self.console.append(
            ConsoleMessage(message.type, message.text, message.page.url if message.page else "")
        )

    def csp_violations(self) -> list[ConsoleMessage]:
        return [m for m in self.console if "Content Security Policy" in m.text]

    def page_errors(self) -> list[ConsoleMessage]:
        """Uncaught exceptions in the pages' scripts."""
        return [m for m in self.console if m.type == "pageerror"]

    def problems(self) -> list[ConsoleMessage]:
        return (self.csp_violations() if self.forbid_csp_violations else []) + (
            self.page_errors() if self.forbid_page_errors else []
        )

    def save_artifacts(self, name: str) -> list[Path]:
        ARTIFACTS.mkdir(exist_ok=True)
        saved = []
        for n, page in enumerate(p for context in self.opened for p in context.pages):
            stem = ARTIFACTS / f"{name}-{n}"
            try:
                page.screenshot(path=f"{stem}.png", full_page=True, timeout=5_000)
                Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
            except Exception as exc:  # noqa: BLE001 - a broken page must not hide the real failure
                Path(f"{stem}.txt").write_text(f"{page.url}\n{exc!r}\n", encoding="utf-8")
            saved.append(stem)
        if self.console:
            (ARTIFACTS / f"{name}-console.txt").write_text(
                "\n".join(map(str, self.console)) + "\n", encoding="utf-8"
            )
        return saved

    def close(self) -> None:
        for context in self.opened:
            context.close()
        self.opened.clear()


@pytest.fixture
def contexts(request, browser, live_server) -> Iterator[Contexts]:
    """Open fresh contexts with `contexts.new(**options)`.

    After the test they are closed; a CSP violation or an uncaught script error on any page
    fails the test; on failure the pages, console and server errors go to test-artifacts/.
    """
    opened = Contexts(browser, live_server.url)
    try:
        yield opened
    finally:
        failed = _failed(request.node)
        problems = [] if failed else opened.problems()
        if failed or problems:
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.rsplit("/", 1)[-1])
            opened.save_artifacts(name)
            if live_server.errors:
                (ARTIFACTS / f"{name}-server-errors.txt").write_text(
                    "\n".join("".join(traceback.format_exception(exc)) for exc in live_server.errors),
                    encoding="utf-8",
                )
        opened.close()
    if problems:
        pytest.fail("the pages broke their CSP or threw:\n" + "\n".join(map(str, problems)), pytrace=False)


@pytest.fixture
def context(contexts) -> BrowserContext:
    return contexts.new()


@pytest.fixture
def page(context) -> Page:
    return context.new_page()


# ---------------------------------------------------------------- the live server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass  # one line per request drowns the useful output; errors are still logged


@dataclass
class LiveServer:
    app: Flask
    server: BaseWSGIServer | None = None
    errors: list[BaseException] = field(default_factory=list)  # raised while serving
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path?query) received

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING")
        self.requests.append(
            (environ["REQUEST_METHOD"], environ["PATH_INFO"] + (f"?{query}" if query else ""))
        )
        return _closed_when_sent(self.app(environ, start_response))


def _closed_when_sent(body: Iterable[bytes]) -> Iterator[bytes]:
    """The response, closed as soon as its last bytes are out. Werkzeug's development server
    closes it only after draining what is left of the request; when the browser has hung up (a
    service worker's cancelled fetch) that drain raises, the close is skipped, and a static file
    stays open until the garbage collector's ResourceWarning fails whichever test runs then."""
    try:
        yield from body
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def _exempt_when_asked() -> bool:
    return bool(current_app.config.get(NO_RATE_LIMITS))


@functools.cache
def _exempt_from_rate_limits_when_asked() -> None:
    limiter.request_filter(_exempt_when_asked)  # once per process; other apps never set the key


@pytest.fixture
def live_rate_limits(live_app, monkeypatch):
    """Turn the live server's rate limits on for one test, with empty counters."""
    if not limiter.initialized:
        pytest.fail("the limiter was never initialised: TestConfig has RATELIMIT_ENABLED=False")
    monkeypatch.setitem(live_app.config, NO_RATE_LIMITS, False)
    monkeypatch.setattr(limiter, "enabled", True)
    limiter.reset()
    yield live_app.config
    limiter.reset()


@pytest.fixture(scope="session")
def live_app(request, tmp_path_factory) -> Iterator[Flask]:
    """The app behind the live server: CSRF on, rate limits off (see live_rate_limits), its own database."""
    if POSTGRES_URL:
        request.getfixturevalue("app")  # drops and migrates the PostgreSQL schema once per run
        url = request.getfixturevalue("database_url")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'live.sqlite3'}"
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=url,
        WTF_CSRF_ENABLED=True,
        PASSWORD_HASH_PARAMS=FAST_HASH,
        **{NO_RATE_LIMITS: True},
    )
    _exempt_from_rate_limits_when_asked()
    app.instance_path = str(tmp_path_factory.mktemp("e2e-instance"))
    with app.app_context():
        if not POSTGRES_URL:
            upgrade()
        db.engine.dispose()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[LiveServer]:
    live = LiveServer(live_app)
    live.server = server = make_server("127.0.0.1", 0, live, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)

    def record(sender, exception, **extra):
        live.errors.append(exception)

    got_request_exception.connect(record, live_app)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        got_request_exception.disconnect(record, live_app)


@pytest.fixture(autouse=True)
def _no_server_errors(request, browser, live_server):
    """A request that crashed in the server fails the test, even if the page looked fine."""
    live_server.errors.clear()
    live_server.requests.clear()
    yield
    if live_server.errors and not _failed(request.node):
        errors = "; ".join(repr(exc) for exc in live_server.errors)
        pytest.fail(f"the live server raised while serving this test: {errors}", pytrace=False)


def _empty_tables(app: Flask) -> None:
    """Empty every table but keep the data the migrations seed (the SKJ competency catalogue),
    which later tests sharing this database rely on."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # no pooled connection may hold a lock the TRUNCATE waits for
        tables = db.metadata.sorted_tables
        competencies = db.metadata.tables["competencies"]
        levels = db.metadata.tables["competency_levels"]
        # Read first, then write in a transaction of its own whose first statement writes. On
        # SQLite a transaction that has read and then writes fails at once ("database is
        # locked", whatever the busy timeout) when the live server committed in between, as a
        # room's disconnect closing its interval after the pages closed does; one that starts
        # with its write waits for the lock instead.
        with db.engine.connect() as conn:
            seeded = [
                dict(row._mapping)
                for row in conn.execute(sa.select(competencies).where(competencies.c.agency_id.is_(None)))
            ]
            seeded_ids = [row["id"] for row in seeded]
            seeded_levels = [
                dict(row._mapping)
                for row in conn.execute(sa.select(levels).where(levels.c.competency_id.in_(seeded_ids)))
            ]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(conn.dialect.identifier_preparer.format_table(t) for t in tables)
                conn.exec_driver_sql(f"TRUNCATE TABLE {names} CASCADE")
            else:
                for table in reversed(tables):
                    conn.execute(table.delete())
            if seeded:
                conn.execute(competencies.insert(), seeded)
            if seeded_levels:
                conn.execute(levels.insert(), seeded_levels)
        db.engine.dispose()


@pytest.fixture(scope="module", autouse=True)
def _clean_live_database(browser, live_app):
    """Journeys commit for real: empty the live database when a module is done with it."""
    yield
    _empty_tables(live_app)


# ---------------------------------------------------------------- seeding and looking


@pytest.fixture
def live_agency(live_app) -> Callable:
    """Create an agency (with units) in the live database, committed: factories.agency()."""
    return factories.bind(live_app, factories.agency)


@pytest.fixture
def live_user(live_app) -> Callable:
    """Create a user in the live database, committed: factories.user()."""
    return factories.bind(live_app, factories.user)


@pytest.fixture
def live_db(live_app) -> Callable:
    """Run `fn(*args)` in an app context of the live app, commit, and return its result."""

    def run(fn, *args, **kwargs):
        with live_app.app_context():
            result = fn(*args, **kwargs)
            db.session.commit()
            return result

    return run


@pytest.fixture
def live_scalar(live_app) -> Callable:
    """The first column of the first row of a query against the live database."""

    def scalar(statement: sa.Executable):
        with live_app.app_context():
            return db.session.scalar(statement)

    return scalar
