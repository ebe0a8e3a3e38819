"""Browser journey: a timed quiz on a dropped connection.

A learner starts a timed quiz, answers a question (saved by the autosave script), the browser
context is closed (a lost connection, a dead battery), a new one logs in again, continues the same
attempt with the same questions and the saved answer, finishes, and sees the score as the quiz's
settings allow. The live server is an app of its own (CSRF on) with a temporary SQLite database.

The browser (and skipping without chromium unless LMS_REQUIRE_BROWSER=1) comes from conftest.py.
"""

from __future__ import annotations

import os
import threading

import pytest
from flask_migrate import upgrade
from werkzeug.serving import WSGIRequestHandler, make_server

from lms import create_app
from lms.accounts.models import Role
from lms.courses import learning
from lms.extensions import db
from tests import factories
from tests.quizzes.conftest import build_quiz

pytestmark = pytest.mark.e2e

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
REQUIRE_BROWSER = os.environ.get("LMS_REQUIRE_BROWSER") == "1"

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - playwright is a dev dependency
    if REQUIRE_BROWSER:
        raise
    sync_playwright = None

QUIZ = """\
::jp::Satu JP sama dengan 45 menit. {T}

::siasn::Singkatan sistem informasi ASN nasional adalah ... {=SIASN}
"""


class _Quiet(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture(scope="module")
def quiz_server(tmp_path_factory, browser):
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path_factory.mktemp('quiz-e2e') / 'db.sqlite3'}",
        WTF_CSRF_ENABLED=True,
        PASSWORD_HASH_PARAMS={"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    )
    app.instance_path = str(tmp_path_factory.mktemp("quiz-e2e-instance"))
    with app.app_context():
        upgrade()
        agency = factories.agency(units=("UMUM",))
        trainer = factories.user(agency, roles=(Role.TRAINER,))
        learner = factories.user(agency, name="Yakobus Wenda", email="yakobus@uji.go.id")
        course = factories.course(by=trainer, modules=1, lessons=1)
        learning.enrol(learner, course)
        quiz = build_quiz(course, QUIZ, time_limit_minutes=30, shuffle_questions=True)
        db.session.commit()
        seeded = {"quiz": quiz.id, "email": learner.email}
        db.session.remove()
        db.engine.dispose()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seeded
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


def _login(browser, base_url, email, console):
    context = browser.new_context(base_url=base_url, locale="id-ID", timezone_id="Asia/Jayapura")
    context.set_default_timeout(10_000)
    context.on("console", lambda message: console.append(message.text))
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Selamat datang")
    return context, page


def test_timed_quiz_survives_a_lost_connection(browser, quiz_server):
    base_url, seeded = quiz_server
    console: list[str] = []
    first, page = _login(browser, base_url, seeded["email"], console)
    page.goto(f"/quizzes/{seeded['quiz']}")
    page.get_by_role("button", name="Mulai mengerjakan").click()
    expect(page.locator("[data-deadline]")).to_be_visible()
    prompts = page.locator("fieldset.question .prose").all_inner_texts()
    attempt_url = page.url
    # Answer one question: the script saves it at once and says so.
    jp = page.locator("fieldset.question", has_text="Satu JP")
    jp.get_by_label("Benar").check()
    expect(jp.locator(".saved")).to_have_text("Tersimpan")
    first.close()  # the connection is lost: nothing else was sent

    second, page = _login(browser, base_url, seeded["email"], console)
    page.get_by_role("link", name="Kuis Uji").click()  # the home page offers the open attempt
    assert page.url == attempt_url
    assert page.locator("fieldset.question .prose").all_inner_texts() == prompts
    jp = page.locator("fieldset.question", has_text="Satu JP")
    expect(jp.get_by_label("Benar")).to_be_checked()
    page.locator("fieldset.question", has_text="Singkatan").get_by_label("Jawaban").fill("siasn")
    page.get_by_role("button", name="Simpan dan periksa sebelum mengumpulkan").click()
    expect(page.locator("main")).to_contain_text("2 dari 2 soal sudah dijawab")
    page.get_by_role("button", name="Kumpulkan dan selesai").click()
    expect(page.locator(".score")).to_contain_text("Nilai: 100.0")
    expect(page.locator("main")).to_contain_text("Lulus")
    second.close()
    assert not [m for m in console if "Content Security Policy" in m], console
