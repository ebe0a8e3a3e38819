"""Browser journey: a Moodle bank with an embedded-answer (cloze) question, taken in the browser.

The trainer's Moodle XML file brings a cloze question whose gaps are a short answer, a number with
a tolerance, a drop-down, a group of boxes and a case-sensitive short answer. The learner fills the
gaps where they stand in the sentence (labelled for screen readers), what was given comes back on the
attempt page, and the score gives partial credit per gap by its weight.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lms.accounts.models import Role
from lms.courses import learning
from lms.quizzes import services
from tests import factories
from tests.quizzes.test_cloze import XML

pytestmark = pytest.mark.e2e


def _seed() -> dict:
    agency = factories.agency(units=("UMUM",))
    trainer = factories.user(agency, roles=(Role.TRAINER,))
    learner = factories.user(agency, name="Maria Kambu", email="maria@uji.go.id")
    course = factories.course(by=trainer, modules=1, lessons=1)
    learning.enrol(learner, course)
    services.import_questions(services.default_bank(course), XML, "xml", by=None)
    sources = [(cat.id, None) for cat, _ in services.categories_of(course)]
    quiz = services.create_quiz(
        course, services.QuizData(title="Kuis Rumpang", sources=sources, published=True), by=None
    )
    return {"quiz": quiz.id, "email": learner.email}


def test_learner_fills_the_gaps_in_the_sentence_and_gets_partial_credit(contexts, live_db):
    seeded = live_db(_seed)
    context = contexts.new()
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=login]", seeded["email"])
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"/quizzes/{seeded['quiz']}")
    page.get_by_role("button", name="Mulai mengerjakan").click()
    question = page.locator("fieldset.question")
    expect(question.locator(".prose")).to_contain_text("Ibu kota Papua adalah")
    question.get_by_label("Isian 1").fill("Jayapura")
    question.get_by_label("Isian 2").fill("45,5")
    question.get_by_label("Isian 3").select_option(label="Manajerial")
    boxes = question.get_by_role("group", name="Isian 4")
    boxes.get_by_label("Akuntabel").check()
    boxes.get_by_label("Kompeten").check()
    question.get_by_label("Isian 5").fill("asn")  # SAC: case matters, this gap earns nothing
    attempt_url = page.url
    page.get_by_role("button", name="Simpan dan periksa sebelum mengumpulkan").click()
    expect(page.locator("main")).to_contain_text("1 dari 1 soal sudah dijawab")
    page.goto(attempt_url)  # what was given is on the server, in its place
    expect(page.get_by_label("Isian 1")).to_have_value("Jayapura")
    expect(page.get_by_label("Isian 3").locator("option:checked")).to_have_text("Manajerial")
    expect(page.get_by_role("group", name="Isian 4").get_by_label("Kompeten")).to_be_checked()
    page.get_by_role("button", name="Simpan dan periksa sebelum mengumpulkan").click()
    page.get_by_role("button", name="Kumpulkan dan selesai").click()
    # 5 of the 6 weighted points: 83.3 %.
    expect(page.locator(".score")).to_contain_text("Nilai: 83.3")
