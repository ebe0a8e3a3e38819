"""Quiz authoring a trainer understands: labelled option rows, a draw control in words, a
published state that follows the course."""

import re

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.models import QuestionBank, Quiz

from .test_manage_views import upload


@pytest.fixture
def bank_id(app, course):
    with app.app_context():
        bank = services.default_bank(db.session.get(type(course), course.id))
        db.session.commit()
        return bank.id


@pytest.fixture
def as_trainer(client, login, trainer):
    login(trainer)
    return client


def category_of(app, bank_id):
    with app.app_context():
        return db.session.scalar(sa.select(QuestionBank).where(QuestionBank.id == bank_id)).categories[0].id


def test_option_rows_are_labelled_and_there_is_no_grid_of_bare_boxes(as_trainer, bank_id):
    page = as_trainer.get(f"/teach/banks/{bank_id}/questions/new?type=single").text
    assert '<table class="rows">' not in page
    assert page.count('<fieldset class="option-row">') == 4
    for n in range(1, 5):
        assert f'<label for="row-text-{n}">Teks jawaban</label>' in page
        assert f'<label for="row-fraction-{n}">Bobot (%)</label>' in page
    assert "Tambah pilihan" in page and "quiz-author.js" in page


def test_the_draw_control_is_in_words_and_a_new_quiz_follows_the_published_course(
    app, as_trainer, bank_id, course
):
    upload(as_trainer, bank_id, "bank.gift", b"::a::Benar? {T}\n\n::b::Salah? {F}\n\n::c::Benar lagi? {T}\n")
    category = category_of(app, bank_id)
    page = as_trainer.get(f"/teach/{course.id}/quizzes/new").text
    assert "all = semua" not in page
    assert "Semua soal (3)" in page and "Sebagian, diambil acak:" in page and "dari 3 soal" in page
    assert re.search(r'<input(?=[^>]*id="published")(?=[^>]*\bchecked\b)', page), (
        "a published course's new quiz starts published"
    )

    response = as_trainer.post(
        f"/teach/{course.id}/quizzes/new",
        data={
            "title": "Kuis acak",
            f"src-mode-{category}": "some",
            f"src-{category}": "2",
            "published": "y",
            "required": "y",
            "pass_mark": "50",
            "grading_method": "highest",
            "layout": "all",
            "show_score": "after_attempt",
            "show_feedback": "after_attempt",
            "show_answers": "after_close",
        },
    )
    assert response.status_code == 302, response.text
    with app.app_context():
        quiz = db.session.scalar(sa.select(Quiz).where(Quiz.title == "Kuis acak"))
        assert [(s.category_id, s.count) for s in quiz.sources] == [(category, 2)]
        assert quiz.published
    page = as_trainer.get(f"/teach/quizzes/{quiz.id}").text
    assert re.search(rf'name="src-mode-{category}" value="some" checked', page)


def test_an_unpublished_quiz_in_a_published_course_says_so(app, as_trainer, bank_id, course):
    page = as_trainer.post(f"/teach/{course.id}/quizzes/new", data={"title": ""}).text
    assert "Kursus ini sudah terbit, tetapi kuis ini belum" in page
