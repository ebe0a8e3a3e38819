"""Trainer pages through the client: import, editor, settings, results, analysis, grading, overrides."""

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from lms.courses import learning
from lms.extensions import db
from lms.quizzes import analysis, attempts, services
from lms.quizzes.models import Attempt, Question, QuestionBank, Quiz, QuizAudit

from .conftest import build_quiz

FIXTURES = Path(__file__).parent / "fixtures"


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


def upload(client, bank_id, name, data, fmt=""):
    return client.post(
        f"/teach/banks/{bank_id}/import",
        data={"file": (io.BytesIO(data), name), "format": fmt},
        content_type="multipart/form-data",
    )


def question_count(app, bank_id):
    """The questions of the bank (other tests may have committed questions of their own)."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Question.id)).where(Question.bank_id == bank_id))


def test_import_in_the_browser_all_or_nothing(app, as_trainer, bank_id):
    bad = b"::ok::Benar? {T}\n\n::rusak::Pilih {=a\n"
    response = upload(as_trainer, bank_id, "bank.gift", bad)
    assert response.status_code == 422
    assert "baris 3" in response.text and "rusak" in response.text
    assert question_count(app, bank_id) == 0
    response = upload(as_trainer, bank_id, "bank.gift", (FIXTURES / "moodle-docs-gift.txt").read_bytes())
    assert response.status_code == 302
    assert question_count(app, bank_id) == 31
    response = upload(as_trainer, bank_id, "bank.xml", (FIXTURES / "moodle-unknown-types.xml").read_bytes())
    assert response.status_code == 422 and "calculated" in response.text
    assert question_count(app, bank_id) == 31
    exported = as_trainer.get(f"/teach/banks/{bank_id}/export.gift")
    assert exported.status_code == 200 and "$CATEGORY: GIFT examples" in exported.text
    assert as_trainer.get(f"/teach/banks/{bank_id}/export.xml").text.startswith("<?xml")
    aiken = as_trainer.get(f"/teach/banks/{bank_id}/export.aiken")
    assert int(aiken.headers["X-Skipped-Questions"]) > 0


EDITOR = {
    "single": {"row-text": ["Benar", "Salah"], "row-fraction": ["100", "0"], "row-feedback": ["", "Bukan"]},
    "multiple": {
        "row-text": ["A", "B", "C"],
        "row-fraction": ["50", "50", "-100"],
        "row-feedback": ["", "", ""],
    },
    "truefalse": {"correct": "false", "feedback_true": "Keliru", "feedback_false": "Tepat"},
    "shortanswer": {
        "row-text": ["SIASN", "Sistem Informasi ASN"],
        "row-fraction": ["", "100"],
        "row-feedback": ["", ""],
    },
    "numerical": {
        "row-text": ["20", "19..21"],
        "row-fraction": ["100", "50"],
        "row-feedback": ["", ""],
        "row-extra": ["0", ""],
    },
    "matching": {
        "row-text": ["Integritas", "Perekat Bangsa", ""],
        "row-extra": ["Manajerial", "Sosial kultural", "Teknis"],
    },
    "essay": {},
}


@pytest.mark.parametrize("qtype", sorted(EDITOR))
def test_question_editor_for_each_type(app, as_trainer, bank_id, qtype):
    page = as_trainer.get(f"/teach/banks/{bank_id}/questions/new?type={qtype}")
    assert page.status_code == 200
    data = MultiDict(
        {
            "new_category": "latihan",
            "name": f"Soal {qtype}",
            "prompt": "Apa **jawabannya**?",
            "mark": "2",
            "general_feedback": "Lihat modul 1.",
        }
    )
    for key, value in EDITOR[qtype].items():
        for item in value if isinstance(value, list) else [value]:
            data.add(key, item)
    response = as_trainer.post(f"/teach/banks/{bank_id}/questions/new?type={qtype}", data=data)
    assert response.status_code == 302, response.text
    with app.app_context():
        question = db.session.scalar(sa.select(Question).where(Question.bank_id == bank_id))
        assert question.qtype.value == qtype and question.mark == 2
        assert question.prompt_html == "<p>Apa <strong>jawabannya</strong>?</p>\n"
        question_id = question.id
    # Editing keeps the id and bumps the version.
    edit = as_trainer.get(f"/teach/questions/{question_id}")
    assert edit.status_code == 200 and "Apa **jawabannya**?" in edit.text
    data["prompt"] = "Diubah"
    data["category_id"] = ""
    assert as_trainer.post(f"/teach/questions/{question_id}", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Question, question_id).version == 2


def test_editor_shows_problems_and_saves_nothing(app, as_trainer, bank_id):
    data = {
        "new_category": "latihan",
        "prompt": "Pilih",
        "mark": "1",
        "row-text": ["A", "B"],
        "row-fraction": ["0", "0"],
    }
    response = as_trainer.post(f"/teach/banks/{bank_id}/questions/new?type=single", data=data)
    assert response.status_code == 200 and "Tandai satu pilihan sebagai jawaban benar (100%)" in response.text
    assert question_count(app, bank_id) == 0


def test_quiz_settings_and_the_learner_journey_to_results(
    app, client, login, as_trainer, bank_id, course, learner
):
    upload(as_trainer, bank_id, "bank.gift", b"::a::Benar? {T}\n\n::b::Esai. {}\n")
    with app.app_context():
        category_id = (
            db.session.scalar(sa.select(QuestionBank).where(QuestionBank.id == bank_id)).categories[0].id
        )
    response = as_trainer.post(
        f"/teach/{course.id}/quizzes/new",
        data={
            "title": "Kuis Modul 1",
            f"src-{category_id}": "all",
            "published": "y",
            "required": "y",
            "time_limit_minutes": "15",
            "max_attempts": "2",
            "pass_mark": "50",
            "grading_method": "highest",
            "layout": "one",
            "show_score": "after_attempt",
            "show_feedback": "after_attempt",
            "show_answers": "after_close",
            "opens_at": "2020-01-01T08:00",
        },
    )
    assert response.status_code == 302, response.text
    with app.app_context():
        quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))
        assert (quiz.time_limit_minutes, quiz.max_attempts, quiz.layout.value) == (15, 2, "one")
        assert quiz.opens_at.hour == 1  # 08:00 WIB is 01:00 UTC
        quiz_id = quiz.id
        learning.enrol(db.session.get(type(learner), learner.id), db.session.get(type(course), course.id))
        attempt = attempts.start_attempt(
            db.session.get(Quiz, quiz_id), db.session.get(type(learner), learner.id)
        )
        for item in attempt.items:
            attempts.save_answer(
                attempt, item.slot, MultiDict({"answer": "true" if item.qtype == "truefalse" else "=SUM(A1)"})
            )
        attempts.finish_attempt(attempt)
        db.session.commit()
        attempt_id = attempt.id
    assert f"/quizzes/{quiz_id}" in as_trainer.get(f"/courses/{course.slug}").text
    # Essay grading queue.
    queue = as_trainer.get(f"/teach/quizzes/{quiz_id}/grading")
    assert "=SUM(A1)" in queue.text
    with app.app_context():
        essay_id = db.session.scalar(sa.select(Attempt).where(Attempt.id == attempt_id)).items
        essay_id = next(i.id for i in essay_id if i.qtype == "essay")
    response = as_trainer.post(
        f"/teach/attempts/{attempt_id}/grade",
        data={"item_id": essay_id, "score": "0,5", "comment": "Kurang rinci"},
    )
    assert response.status_code == 302
    assert "Tidak ada esai" in as_trainer.get(f"/teach/quizzes/{quiz_id}/grading").text
    # Results, CSV (formula-safe), item analysis.
    results = as_trainer.get(f"/teach/quizzes/{quiz_id}/results").text
    assert learner.name in results and "75" in results
    csv = as_trainer.get(f"/teach/quizzes/{quiz_id}/results.csv")
    assert csv.mimetype == "text/csv" and learner.email in csv.text and ",75.0," in csv.text
    page = as_trainer.get(f"/teach/quizzes/{quiz_id}/analysis").text
    assert "F = 100,0\u00a0%" in page and "F = 50,0\u00a0%" in page
    # Reopen (with a reason) and regrade (with a reason), both logged.
    assert (
        as_trainer.post(
            f"/teach/attempts/{attempt_id}/reopen", data={"minutes": "10", "reason": ""}
        ).status_code
        == 302
    )
    as_trainer.post(f"/teach/attempts/{attempt_id}/reopen", data={"minutes": "10", "reason": "Sinyal hilang"})
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).is_open
    client.post("/logout")
    login(learner)
    assert client.post(f"/quizzes/attempts/{attempt_id}/finish").status_code == 302
    with app.app_context():
        actions = db.session.scalars(sa.select(QuizAudit.action).where(QuizAudit.quiz_id == quiz_id)).all()
        assert "reopen" in actions and "manual_grade" in actions


def test_override_form_grants_an_extra_attempt(app, as_trainer, course, learner):
    with app.app_context():
        course_row = db.session.get(type(course), course.id)
        learning.enrol(db.session.get(type(learner), learner.id), course_row)
        quiz = build_quiz(course_row, "::a::Benar? {T}\n", max_attempts=1)
        db.session.commit()
        quiz_id = quiz.id
    assert as_trainer.get(f"/teach/quizzes/{quiz_id}/overrides").status_code == 200
    response = as_trainer.post(
        f"/teach/quizzes/{quiz_id}/overrides",
        data={
            "user_id": learner.id,
            "extra_attempts": "1",
            "extra_minutes": "30",
            "reason": "Gangguan listrik",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        override = attempts.override_for(
            db.session.get(Quiz, quiz_id), db.session.get(type(learner), learner.id)
        )
        assert (override.extra_attempts, override.extra_minutes) == (1, 30)
    response = as_trainer.post(f"/teach/quizzes/{quiz_id}/regrade", data={"reason": "Kunci diperbaiki"})
    assert response.status_code == 302


def test_discrimination_index_formula():
    # 10 attempts: the top 27% (3) all got the item right, the bottom 3 all wrong: D = 1.
    pairs = [(p, 1.0 if p >= 70 else 0.0) for p in range(10, 110, 10)]
    assert analysis.discrimination(pairs) == 1.0
    # An item everybody gets right does not discriminate.
    assert analysis.discrimination([(p, 1.0) for p in range(0, 100, 10)]) == 0
    # Weak learners right, strong ones wrong: negative, the item needs review.
    assert analysis.discrimination([(p, 1.0 if p < 40 else 0.0) for p in range(0, 100, 10)]) == -1.0
    assert analysis.discrimination([(50, 1.0)]) is None


def test_upload_page_lists_what_was_adapted_per_question(app, as_trainer, bank_id):
    data = (FIXTURES / "moodle-media-cloze.xml").read_bytes()
    response = upload(as_trainer, bank_id, "bank.xml", data)
    assert response.status_code == 302
    page = as_trainer.get(response.location).text
    assert "4 soal diimpor" in page
    assert "Disesuaikan:" in page and "soal Peta Papua" in page and "peta_papua.png" in page
    refused = upload(as_trainer, bank_id, "bank.xml", data.replace(b'name="salam.mp3"', b'name="lain.mp3"'))
    assert (
        refused.status_code == 422 and "salam.mp3" in refused.text and "Salam dalam rekaman" in refused.text
    )


def test_results_csv_neutralises_formulas_in_names(app, as_trainer, course, make_user):
    hostile = '=HYPERLINK("http://x","y")'
    taker = make_user(name=hostile)
    with app.app_context():
        course_row = db.session.get(type(course), course.id)
        user = db.session.get(type(taker), taker.id)
        learning.enrol(user, course_row)
        quiz = build_quiz(course_row, "::a::Benar? {T}\n")
        attempts.finish_attempt(attempts.start_attempt(quiz, user))
        db.session.commit()
        quiz_id = quiz.id
    text = as_trainer.get(f"/teach/quizzes/{quiz_id}/results.csv").data.decode("utf-8-sig")
    name = next(csv.reader(io.StringIO(text.splitlines()[1])))[0]
    assert name == "'" + hostile


def test_a_trainer_marks_a_quiz_as_untimed_practice(app, as_trainer, bank_id, course):
    upload(as_trainer, bank_id, "bank.gift", b"::a::Benar? {T}\n")
    with app.app_context():
        category_id = (
            db.session.scalar(sa.select(QuestionBank).where(QuestionBank.id == bank_id)).categories[0].id
        )
    form = {
        "title": "Latihan Modul 1",
        f"src-{category_id}": "all",
        "published": "y",
        "practice": "y",
        "pass_mark": "50",
        "grading_method": "highest",
        "layout": "all",
        "show_score": "after_attempt",
        "show_feedback": "after_attempt",
        "show_answers": "after_attempt",
    }
    page = as_trainer.get(f"/teach/{course.id}/quizzes/new").text
    assert "Latihan tanpa batas waktu" in page
    timed = as_trainer.post(f"/teach/{course.id}/quizzes/new", data=form | {"time_limit_minutes": "10"})
    assert timed.status_code == 200 and "tidak boleh memiliki batas waktu" in timed.text
    assert as_trainer.post(f"/teach/{course.id}/quizzes/new", data=form).status_code == 302
    with app.app_context():
        quiz = db.session.scalar(sa.select(Quiz).where(Quiz.title == "Latihan Modul 1"))
        assert quiz.practice is True and quiz.time_limit_minutes is None
