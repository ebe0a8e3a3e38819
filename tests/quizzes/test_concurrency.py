"""Races on PostgreSQL with real concurrent sessions: one grade per attempt, no attempts beyond the limit.

Each thread has its own application context, hence its own session and connection; a barrier makes
them submit at the same moment. The data is committed (the threads must see it) and deleted after.
"""

import threading

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.courses import learning
from lms.extensions import db
from lms.quizzes import attempts
from lms.quizzes.errors import QuizError
from lms.quizzes.models import Attempt, AttemptState, Quiz
from tests import factories

from .conftest import build_quiz

pytestmark = pytest.mark.postgres
THREADS = 8


@pytest.fixture
def world(app):
    with app.app_context():
        agency = factories.agency(units=("UMUM",))
        trainer = factories.user(agency, roles=(Role.TRAINER,))
        learner = factories.user(agency)
        course = factories.course(by=trainer, modules=1, lessons=1)
        learning.enrol(learner, course)
        quiz = build_quiz(course, "::a::Benar? {T}\n\n::b::Salah? {F}\n", max_attempts=1)
        db.session.commit()
        ids = {
            "agency": agency.id,
            "users": [trainer.id, learner.id],
            "course": course.id,
            "quiz": quiz.id,
            "learner": learner.id,
        }
    yield ids
    with app.app_context():
        factories.delete_committed(ids)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # the threads' pooled connections are closed now, not at exit


def race(app, work):
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(work())
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


def test_simultaneous_submissions_grade_exactly_once(app, world, monkeypatch):
    with app.app_context():
        attempt = attempts.start_attempt(
            db.session.get(Quiz, world["quiz"]), db.session.get(User, world["learner"])
        )
        db.session.commit()
        attempt_id = attempt.id
    graded = []
    real_store = attempts._store_item_grades

    def counting_store(items, result):
        graded.append(items[0].attempt_id)
        return real_store(items, result)

    # The finishing UPDATE carries the grade; only the request it finished stores the items' grades.
    monkeypatch.setattr(attempts, "_store_item_grades", counting_store)
    results, errors = race(app, lambda: attempts.finish_attempt(db.session.get(Attempt, attempt_id)))
    assert not errors
    assert sorted(results) == [False] * (THREADS - 1) + [True]
    assert graded == [attempt_id]
    with app.app_context():
        finished = db.session.get(Attempt, attempt_id)
        assert finished.state == AttemptState.FINISHED
        assert finished.graded_at is not None and finished.max_score is not None


def test_two_tabs_cannot_open_attempts_beyond_the_limit(app, world):
    def start():
        return attempts.start_attempt(
            db.session.get(Quiz, world["quiz"]), db.session.get(User, world["learner"])
        ).id

    results, errors = race(app, start)
    assert all(isinstance(error, QuizError) for error in errors)
    assert len(set(results)) == 1  # every tab continues the one attempt
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count(Attempt.id)).where(Attempt.quiz_id == world["quiz"])
        )
        assert count == 1


def test_answers_racing_the_submission_are_saved_before_it_or_refused(app, world):
    from werkzeug.datastructures import MultiDict

    from lms.quizzes.errors import AttemptClosed

    with app.app_context():
        attempt = attempts.start_attempt(
            db.session.get(Quiz, world["quiz"]), db.session.get(User, world["learner"])
        )
        db.session.commit()
        attempt_id = attempt.id
    counter = iter(range(THREADS))
    lock = threading.Lock()

    def work():
        with lock:
            n = next(counter)
        attempt = db.session.get(Attempt, attempt_id)
        if n == 0:
            return ("finish", attempts.finish_attempt(attempt))
        try:
            attempts.save_answer(attempt, 1 + n % 2, MultiDict({"answer": "true"}))
            return ("saved", True)
        except AttemptClosed:
            return ("refused", True)

    results, errors = race(app, work)
    assert not errors
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        # The grade matches exactly the answers stored: nothing was saved after grading.
        assert attempt.score == sum(item.score for item in attempt.items)
        rescored = attempts.grading.grade_attempt(
            [i.snapshot for i in attempt.items], [attempts.response_of(i) for i in attempt.items]
        )
        assert rescored.score == attempt.score
