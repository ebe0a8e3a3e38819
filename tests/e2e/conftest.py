"""Browser journeys: a live server on a database of its own, headless Chromium through Playwright.

Chromium is Debian's (never `playwright install`). Without it the journeys are skipped, unless
LMS_REQUIRE_BROWSER=1 (CI), where a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from lms import create_app
from lms.extensions import db as _db
from tests.conftest import POSTGRES_URL, postgres_schema

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("LMS_REQUIRE_BROWSER") == "1":
            pytest.fail("LMS_REQUIRE_BROWSER=1 but chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """An app on its own database: what the browser commits never leaks into other tests."""
    schema = f"e2e_{os.getpid()}"
    if POSTGRES_URL:
        url = postgres_schema(POSTGRES_URL, schema)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.sqlite3'}"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=True,
                     PASSWORD_HASH_PARAMS={"time_cost": 1, "memory_cost": 1024, "parallelism": 1})
    app.instance_path = str(tmp_path_factory.mktemp("e2e-instance"))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()
    if POSTGRES_URL:
        postgres_schema(POSTGRES_URL, schema, drop=True)


@pytest.fixture(scope="session")
def live_server(live_app):
    """The base URL of the live app, served from a thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(accept_downloads=True, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    # Script errors, CSP violations and failed requests (the browser's own favicon probe aside).
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    page.problems = problems
    yield page
    context.close()
