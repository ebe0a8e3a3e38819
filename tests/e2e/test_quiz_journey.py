"""Browser journey: a timed quiz on a dropped connection.

A learner starts a timed quiz, answers a question (saved by the autosave script), the browser
context is closed (a lost connection, a dead battery), a new one logs in again, continues the same
attempt with the same questions and the saved answer, finishes, and sees the score as the quiz's
settings allow. The live server, the browser and the CSP/page-error checks come from conftest.py.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lms.accounts.models import Role
from lms.courses import learning
from tests import factories
from tests.quizzes.conftest import build_quiz

pytestmark = pytest.mark.e2e

QUIZ = """\
::jp::Satu JP sama dengan 45 menit. {T}

::siasn::Singkatan sistem informasi ASN nasional adalah ... {=SIASN}
"""


def _seed() -> dict:
    agency = factories.agency(units=("UMUM",))
    trainer = factories.user(agency, roles=(Role.TRAINER,))
    learner = factories.user(agency, name="Yakobus Wenda", email="yakobus@uji.go.id")
    course = factories.course(by=trainer, modules=1, lessons=1)
    learning.enrol(learner, course)
    quiz = build_quiz(course, QUIZ, time_limit_minutes=30, shuffle_questions=True)
    return {"quiz": quiz.id, "email": learner.email}


def _login(contexts, email):
    context = contexts.new(timezone_id="Asia/Jayapura")
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Selamat datang")
    return context, page


def test_timed_quiz_survives_a_lost_connection(contexts, live_db):
    seeded = live_db(_seed)
    first, page = _login(contexts, seeded["email"])
    page.goto(f"/quizzes/{seeded['quiz']}")
    page.get_by_role("button", name="Mulai mengerjakan").click()
    page.wait_for_load_state()  # the deferred autosave script listens before the first answer
    expect(page.locator("[data-deadline]")).to_be_visible()
    prompts = page.locator("fieldset.question .prose").all_inner_texts()
    attempt_url = page.url
    # Answer one question: the script saves it at once and says so.
    jp = page.locator("fieldset.question", has_text="Satu JP")
    jp.get_by_label("Benar").check()
    # The note is in the page from the start, hidden: its showing is the server's answer.
    expect(jp.locator(".saved")).to_be_visible()
    expect(jp.locator(".saved")).to_have_text("Tersimpan")
    first.close()  # the connection is lost: nothing else was sent

    second, page = _login(contexts, seeded["email"])
    page.get_by_role("link", name="Kuis Uji").click()  # the home page offers the open attempt
    # The click starts a navigation and returns: wait for the attempt page, then read it.
    expect(page).to_have_url(attempt_url)
    expect(page.locator("fieldset.question .prose")).to_have_text(prompts)
    jp = page.locator("fieldset.question", has_text="Satu JP")
    expect(jp.get_by_label("Benar")).to_be_checked()
    page.locator("fieldset.question", has_text="Singkatan").get_by_label("Jawaban").fill("siasn")
    page.get_by_role("button", name="Simpan dan periksa sebelum mengumpulkan").click()
    expect(page.locator("main")).to_contain_text("2 dari 2 soal sudah dijawab")
    page.get_by_role("button", name="Kumpulkan dan selesai").click()
    expect(page.locator(".score")).to_contain_text("Nilai: 100,0")
    expect(page.locator("main")).to_contain_text("Lulus")
