"""Attempts through the services: snapshots, autosave, deadlines, submit once, overrides, regrade."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from lms.accounts.models import utcnow
from lms.courses import completion
from lms.extensions import db
from lms.quizzes import attempts, corrections, formats, services
from lms.quizzes.errors import AttemptClosed, QuizError, QuizNotAvailable
from lms.quizzes.models import Attempt, AttemptState, FinishReason, QuizAudit
from lms.quizzes.types.base import BadAnswer

from .conftest import build_quiz, enrol

TF_ONLY = "::a::Benar? {T}\n\n::b::Salah? {F}\n"


def answer_all_right(attempt):
    for item in attempt.items:
        snap = item.snapshot
        if snap["type"] == "truefalse":
            attempts.save_answer(
                attempt, item.slot, MultiDict({"answer": "true" if snap["correct"] else "false"})
            )


@pytest.fixture
def quiz(ctx, course):
    return build_quiz(course, TF_ONLY, time_limit_minutes=10, max_attempts=2, pass_mark=50)


@pytest.fixture
def taker(ctx, learner, course):
    enrol(learner, course)
    return learner


def test_start_draws_a_snapshot_and_reopening_continues_it(quiz, taker):
    attempt = attempts.start_attempt(quiz, taker)
    again = attempts.start_attempt(quiz, taker)
    assert again.id == attempt.id
    assert [i.snapshot for i in again.items] == [i.snapshot for i in attempt.items]
    assert attempt.deadline == attempt.started_at.replace(tzinfo=attempt.deadline.tzinfo) + timedelta(
        minutes=10
    )


def test_random_draw_of_n_from_a_category(ctx, course, taker):
    gift = "\n\n".join(f"::q{n}::Soal {n}? {{T}}" for n in range(10))
    quiz = build_quiz(course, gift)
    quiz.sources[0].count = 3
    attempt = attempts.start_attempt(quiz, taker)
    assert len(attempt.items) == 3
    assert len({i.question_id for i in attempt.items}) == 3


def test_closed_or_unpublished_quizzes_cannot_be_started(ctx, quiz, taker):
    quiz.opens_at = utcnow() + timedelta(minutes=1)
    with pytest.raises(QuizNotAvailable):
        attempts.start_attempt(quiz, taker)
    quiz.opens_at, quiz.published = None, False
    with pytest.raises(QuizNotAvailable):
        attempts.start_attempt(quiz, taker)
    quiz.published = True
    quiz.closes_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(QuizNotAvailable):
        attempts.start_attempt(quiz, taker)


def test_learner_not_enrolled_is_refused(ctx, course, make_user):
    quiz = build_quiz(course, TF_ONLY)
    outsider = make_user()
    with pytest.raises(QuizNotAvailable):
        attempts.start_attempt(quiz, outsider)


def test_answers_are_saved_and_graded_from_the_snapshot(quiz, taker):
    attempt = attempts.start_attempt(quiz, taker)
    answer_all_right(attempt)
    assert attempts.finish_attempt(attempt) is True
    assert (attempt.score, attempt.max_score, attempt.percent, attempt.passed) == (2, 2, 100, True)
    assert attempt.finish_reason == FinishReason.SUBMITTED


def test_submitting_twice_grades_once(quiz, taker):
    attempt = attempts.start_attempt(quiz, taker)
    assert attempts.finish_attempt(attempt) is True
    graded_at = attempt.graded_at
    assert attempts.finish_attempt(attempt) is False
    assert attempt.graded_at == graded_at


def test_the_grade_is_logged_only_once_its_transaction_commits(quiz, taker, caplog):
    """A database that drops before the commit makes the request run again: the first try
    stored nothing, so it must not have logged a grade either (the fault tests count the lines)."""
    caplog.set_level("INFO", logger="lms.quizzes.attempts")
    attempt = attempts.start_attempt(quiz, taker)
    db.session.commit()
    assert attempts.finish_attempt(attempt) is True
    assert "finished" not in caplog.text
    db.session.rollback()
    assert "finished" not in caplog.text
    assert attempts.finish_attempt(attempt) is True  # rolled back: still open, graded again
    db.session.commit()
    assert caplog.text.count(f"attempt {attempt.id} finished (submitted): 0.0/2.0") == 1


def test_forged_slot_or_option_changes_nothing(quiz, taker):
    attempt = attempts.start_attempt(quiz, taker)
    with pytest.raises(BadAnswer):
        attempts.save_answer(attempt, 99, MultiDict({"answer": "true"}))
    with pytest.raises(BadAnswer):
        attempts.save_answer(attempt, 1, MultiDict({"answer": "perhaps"}))
    assert all(i.response is None for i in attempt.items)


def test_answer_after_deadline_plus_grace_is_refused_and_attempt_graded(app, quiz, taker):
    attempt = attempts.start_attempt(quiz, taker)
    start = attempt.started_at
    attempts.save_answer(attempt, 1, MultiDict({"answer": "true"}), now=start + timedelta(minutes=5))
    grace = app.config["QUIZ_GRACE_SECONDS"]
    # Within the grace period an answer still counts.
    attempts.save_answer(
        attempt, 2, MultiDict({"answer": "false"}), now=start + timedelta(minutes=10, seconds=grace - 1)
    )
    with pytest.raises(AttemptClosed):
        attempts.save_answer(
            attempt, 2, MultiDict({"answer": "true"}), now=start + timedelta(minutes=10, seconds=grace + 1)
        )
    assert attempt.state == AttemptState.FINISHED and attempt.finish_reason == FinishReason.TIMEOUT
    assert attempt.finished_at == attempt.deadline_at
    assert [attempts.response_of(i) for i in attempt.items] == ["true", "false"]


def test_overdue_attempt_is_closed_lazily_and_by_cron(quiz, taker):
    attempt = attempts.start_attempt(quiz, taker)
    attempts.save_answer(attempt, 1, MultiDict({"answer": "true"}))
    later = utcnow() + timedelta(minutes=20)
    assert attempts.close_overdue_attempts(now=later) == 1
    assert attempt.state == AttemptState.FINISHED and attempt.score is not None
    second = attempts.start_attempt(quiz, taker)
    state = attempts.availability(quiz, taker, now=utcnow() + timedelta(minutes=30))  # lazily
    assert second.state == AttemptState.FINISHED and not state.can_start


def test_attempt_limit_and_extra_attempt_override(quiz, taker, trainer):
    for _ in range(2):
        attempts.finish_attempt(attempts.start_attempt(quiz, taker))
    with pytest.raises(QuizNotAvailable):
        attempts.start_attempt(quiz, taker)
    with pytest.raises(QuizError):
        corrections.grant_override(quiz, taker, extra_attempts=1, reason="", by=trainer)
    corrections.grant_override(quiz, taker, extra_attempts=1, reason="Listrik padam", by=trainer)
    third = attempts.start_attempt(quiz, taker)
    assert third.number == 3
    log = db.session.scalars(sa.select(QuizAudit).where(QuizAudit.action == "override")).one()
    assert log.reason == "Listrik padam" and log.subject_id == taker.id and log.actor_id == trainer.id


def test_extra_time_moves_an_open_deadline(quiz, taker, trainer):
    attempt = attempts.start_attempt(quiz, taker)
    before = attempt.deadline
    corrections.grant_override(quiz, taker, extra_minutes=15, reason="Disabilitas netra", by=trainer)
    assert attempt.deadline - before == timedelta(minutes=15)


def test_close_date_caps_the_deadline(quiz, taker):
    quiz.closes_at = utcnow() + timedelta(minutes=3)
    attempt = attempts.start_attempt(quiz, taker)
    assert attempt.deadline == quiz.closes_at


def test_reopen_after_lost_connection_is_logged(quiz, taker, trainer):
    attempt = attempts.start_attempt(quiz, taker)
    attempts.close_overdue_attempts(now=utcnow() + timedelta(hours=1))
    with pytest.raises(QuizError):
        corrections.reopen_attempt(attempt, minutes=5, reason="", by=trainer)
    corrections.reopen_attempt(attempt, minutes=5, reason="Koneksi putus di Merauke", by=trainer)
    assert attempt.is_open and attempt.score is None
    answer_all_right(attempt)
    assert attempts.finish_attempt(attempt) and attempt.percent == 100
    assert (
        db.session.scalar(sa.select(QuizAudit.reason).where(QuizAudit.action == "reopen"))
        == "Koneksi putus di Merauke"
    )


def test_other_trainers_cannot_manage(quiz, taker, make_user):
    from lms.accounts.models import Role

    other = make_user(roles=(Role.TRAINER,))
    with pytest.raises(QuizError):
        corrections.grant_override(quiz, taker, extra_attempts=1, reason="tolong", by=other)


def test_editing_or_deleting_a_question_never_changes_a_past_attempt(quiz, taker, trainer):
    attempt = attempts.start_attempt(quiz, taker)
    answer_all_right(attempt)
    attempts.finish_attempt(attempt)
    before = ([i.snapshot for i in attempt.items], attempt.score)
    for question in services.questions_of(services.default_bank(quiz.course)):
        spec = services.spec_of(question)
        spec.prompt, spec.data = "Diubah", dict(spec.data, correct=not spec.data["correct"])
        services.update_question(question, spec, by=trainer)
    db.session.refresh(attempt)
    assert ([i.snapshot for i in attempt.items], attempt.score) == before
    for question in services.questions_of(services.default_bank(quiz.course)):
        services.delete_question(question, by=trainer)
    db.session.refresh(attempt)
    assert ([i.snapshot for i in attempt.items], attempt.score) == before


def test_regrade_uses_the_new_key_keeps_the_display_and_is_logged(quiz, taker, trainer):
    attempt = attempts.start_attempt(quiz, taker)
    answer_all_right(attempt)
    attempts.finish_attempt(attempt)
    prompts = [i.snapshot["prompt_html"] for i in attempt.items]
    question = services.questions_of(services.default_bank(quiz.course))[0]
    spec = services.spec_of(question)
    spec.prompt, spec.data = "Teks baru", dict(spec.data, correct=not spec.data["correct"])
    services.update_question(question, spec, by=trainer)
    summary = corrections.regrade_quiz(quiz, reason="Kunci soal a salah", by=trainer)
    assert (summary.attempts, summary.changed) == (1, 1)
    assert attempt.score == 1
    assert [i.snapshot["prompt_html"] for i in attempt.items] == prompts
    actions = db.session.scalars(
        sa.select(QuizAudit.action).where(QuizAudit.quiz_id == quiz.id).order_by(QuizAudit.id)
    ).all()
    assert actions == ["regrade_attempt", "regrade"]


def test_essay_waits_for_the_trainer_then_counts(ctx, course, taker, trainer):
    quiz = build_quiz(course, "::e::Jelaskan. {}\n\n::t::Benar? {T}\n", pass_mark=75)
    attempt = attempts.start_attempt(quiz, taker)
    for item in attempt.items:
        attempts.save_answer(
            attempt, item.slot, MultiDict({"answer": "Jawaban esai" if item.qtype == "essay" else "true"})
        )
    attempts.finish_attempt(attempt)
    assert attempt.needs_grading and attempt.percent is None and attempt.passed is None
    essay = next(i for i in attempt.items if i.qtype == "essay")
    with pytest.raises(QuizError):
        corrections.grade_item_manually(essay, 5, "", by=trainer)
    corrections.grade_item_manually(essay, 0.5, "Cukup", by=trainer)
    assert (attempt.needs_grading, attempt.percent, attempt.passed) == (False, 75, True)


def test_passing_a_required_quiz_completes_the_course(ctx, course, taker):
    course.completion_rule = {"lessons": "required", "quizzes": "required"}
    quiz = build_quiz(course, TF_ONLY, pass_mark=100)
    enrolment = enrol(taker, course)
    from lms.courses import learning

    for lesson in learning.outline(course).lessons:
        learning.mark_lesson_done(enrolment, lesson)
    assert enrolment.completed_at is None
    assert completion.unmet_criteria(enrolment) == ["quizzes"]
    attempt = attempts.start_attempt(quiz, taker)
    answer_all_right(attempt)
    attempts.finish_attempt(attempt)
    assert enrolment.completed_at is not None


@pytest.mark.parametrize(("method", "expected"), [("highest", 100.0), ("last", 50.0), ("average", 75.0)])
def test_grading_method_across_attempts(ctx, course, taker, method, expected):
    quiz = build_quiz(course, TF_ONLY, grading_method=method, pass_mark=80)
    first = attempts.start_attempt(quiz, taker)
    answer_all_right(first)
    attempts.finish_attempt(first)
    second = attempts.start_attempt(quiz, taker)
    attempts.save_answer(
        second, 1, MultiDict({"answer": "true" if second.items[0].snapshot["correct"] else "false"})
    )
    attempts.finish_attempt(second)
    result = attempts.result_for(quiz, taker)
    assert result.grade == expected and result.passed is (expected >= 80)


def test_visibility_settings(quiz, taker):
    from lms.quizzes.models import Visibility

    assert attempts.visible(quiz, Visibility.AFTER_ATTEMPT)
    assert not attempts.visible(quiz, Visibility.NEVER)
    assert not attempts.visible(quiz, Visibility.AFTER_CLOSE)
    quiz.closes_at = utcnow() - timedelta(seconds=1)
    assert attempts.visible(quiz, Visibility.AFTER_CLOSE)


def test_import_is_all_or_nothing(ctx, course):
    bank = services.default_bank(course)
    with pytest.raises(formats.ImportInvalid) as info:
        services.import_questions(
            bank, "::ok::Benar? {T}\n\n::rusak::Pilih {=a\n\n::dua::x {~a ~b}\n", by=None
        )
    assert [(p.line, p.question) for p in info.value.problems] == [(3, "rusak"), (5, "dua")]
    assert services.questions_of(bank) == []


def test_attempt_rows_are_unique_per_number(quiz, taker):
    attempts.start_attempt(quiz, taker)
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id)).where(Attempt.quiz_id == quiz.id)) == 1
