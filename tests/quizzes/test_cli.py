"""`flask lms import-questions`, `export-questions`, `close-overdue-attempts`, and the sample courses."""

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.accounts.models import utcnow
from lms.courses import bundles
from lms.courses.cli import SAMPLES_DIR
from lms.extensions import db
from lms.quizzes import attempts, services
from lms.quizzes.models import Attempt, AttemptState, Question, QuestionBank, Quiz

from .conftest import build_quiz, enrol

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = sorted(path.parent for path in SAMPLES_DIR.glob("*/course.yaml"))


def questions(app, course):
    """The questions in the course's banks (other tests may have committed questions of their own)."""
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count(Question.id))
            .join(QuestionBank)
            .where(QuestionBank.course_id == course.id)
        )


def test_import_questions_prints_counts_per_type(app, course):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "import-questions", course.slug, str(FIXTURES / "moodle-export.xml")])
    assert result.exit_code == 0, result.output
    assert "Imported 7 questions" in result.output and "  essay: 1" in result.output
    result = runner.invoke(
        args=[
            "lms",
            "import-questions",
            course.slug,
            str(FIXTURES / "moodle-docs-gift.txt"),
            "--format",
            "gift",
            "--bank",
            "Contoh Moodle",
        ]
    )
    assert result.exit_code == 0 and "single: 12" in result.output
    assert questions(app, course) == 38


def test_import_questions_lists_every_problem_and_fails(app, course, tmp_path):
    bad = tmp_path / "bad.gift"
    bad.write_text("::a::Benar? {T}\n\n::b::Pilih {=x\n\n::c::Berapa {#abc}\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["lms", "import-questions", course.slug, str(bad)])
    assert result.exit_code == 1
    assert "baris 3, soal b" in result.output and "baris 5, soal c" in result.output
    result = app.test_cli_runner().invoke(
        args=["lms", "import-questions", course.slug, str(FIXTURES / "moodle-unknown-types.xml")]
    )
    assert result.exit_code == 1 and "'calculated'" in result.output
    assert questions(app, course) == 0
    result = app.test_cli_runner().invoke(args=["lms", "import-questions", "tidak-ada", str(bad)])
    assert result.exit_code == 1 and "unknown course" in result.output


def test_export_questions(app, course, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["lms", "import-questions", course.slug, str(FIXTURES / "moodle-export.gift")])
    out = tmp_path / "bank.xml"
    result = runner.invoke(args=["lms", "export-questions", course.slug, str(out), "--format", "xml"])
    assert result.exit_code == 0 and "Exported 6 questions" in result.output
    assert out.read_text(encoding="utf-8").count('<question type="') == 7  # with the category


def test_close_overdue_attempts_command(app, course, learner):
    with app.app_context():
        course_row = db.session.get(type(course), course.id)
        enrol(db.session.get(type(learner), learner.id), course_row)
        quiz = build_quiz(course_row, "::a::Benar? {T}\n", time_limit_minutes=5)
        attempt = attempts.start_attempt(quiz, db.session.get(type(learner), learner.id))
        attempt.deadline_at = utcnow() - timedelta(minutes=10)
        db.session.commit()
        attempt_id = attempt.id
    result = app.test_cli_runner().invoke(args=["lms", "close-overdue-attempts"])
    assert result.exit_code == 0 and "Closed 1 overdue attempts" in result.output
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).state == AttemptState.FINISHED


@pytest.mark.parametrize("folder", SAMPLES, ids=lambda p: p.name)
def test_sample_courses_import_with_their_quiz(ctx, folder):
    course = bundles.import_bundle(folder, publish=True).course
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))
    assert quiz.source_file == "quizzes/evaluasi.gift" and quiz.published and quiz.required
    assert (quiz.title, quiz.time_limit_minutes, quiz.max_attempts) == ("Evaluasi akhir", 20, 3)
    assert services.question_count(quiz) == 10
    assert course.completion_rule == {"lessons": "required", "quizzes": "required"}
    # Re-importing changes nothing and keeps the questions' ids.
    ids = sorted(q.id for q in services.questions_of(services.default_bank(course)))
    assert bundles.import_bundle(folder, publish=True).changed is False
    assert sorted(q.id for q in services.questions_of(services.default_bank(course))) == ids


def test_bundle_with_a_broken_quiz_is_rejected_whole(ctx):
    from lms.courses.bundle_io import BundleInvalid, read_bundle

    before = db.session.scalar(sa.select(sa.func.max(Quiz.id))) or 0  # other tests' quizzes
    files = read_bundle(SAMPLES[0])
    files["quizzes/evaluasi.gift"] += b"\n::Q99::Rusak {=a\n"
    files["quizzes/lain.yaml"] = b"title: Lain\nwaktu: 3\n"
    with pytest.raises(BundleInvalid) as info:
        bundles.import_files(files)
    found = {(p.file, p.line) for p in info.value.problems}
    line = files["quizzes/evaluasi.gift"].decode().count("\n")
    assert ("quizzes/evaluasi.gift", line) in found
    assert any(p.file == "quizzes/lain.yaml" for p in info.value.problems)
    assert db.session.scalar(sa.select(sa.func.count(Quiz.id)).where(Quiz.id > before)) == 0


def test_bundle_reimport_updates_questions_in_place(ctx, learner):
    from lms.courses.bundle_io import read_bundle

    files = read_bundle(SAMPLES[0])
    course = bundles.import_files(files, publish=True).course
    enrol(learner, course)
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))
    attempt = attempts.start_attempt(quiz, learner)
    before = [i.snapshot for i in attempt.items]
    files["quizzes/evaluasi.gift"] = files["quizzes/evaluasi.gift"].replace(
        b"::Q01::Menurut", b"::Q01::Berdasarkan"
    )
    assert bundles.import_files(files).changed
    q01 = next(q for q in services.questions_of(services.default_bank(course)) if q.name == "Q01")
    assert q01.version == 2 and q01.prompt.startswith("Berdasarkan")
    db.session.refresh(attempt)
    assert [i.snapshot for i in attempt.items] == before
    exported = bundles.export_bundle(course)
    assert b"::Q01::Berdasarkan" in exported["quizzes/evaluasi.gift"]
    assert b"time_limit_minutes: 20" in exported["quizzes/evaluasi.yaml"]
