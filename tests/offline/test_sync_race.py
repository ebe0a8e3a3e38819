"""PostgreSQL, real concurrent sessions: the same batch sent at the same moment is recorded once.

Each thread has its own application context (its own session and connection) and sends the same
batch as the learner; a barrier lines them up. The data is committed and deleted afterwards.
"""

import threading
import uuid

import pytest
import sqlalchemy as sa

from lms.accounts.models import AuditEntry, Role, User
from lms.certificates.models import Certificate
from lms.courses import learning
from lms.courses.models import LessonCompletion
from lms.extensions import db
from lms.jobs.models import Job
from lms.offline import sync
from lms.offline.models import SyncReceipt
from lms.quizzes import attempts
from lms.quizzes.models import Attempt, AttemptState, Quiz
from tests import factories
from tests.quizzes.conftest import build_quiz

from .conftest import PRACTICE_GIFT

pytestmark = pytest.mark.postgres
THREADS = 6


@pytest.fixture
def world(app):
    with app.app_context():
        jobs_before = db.session.scalar(sa.select(sa.func.max(Job.id))) or 0  # the mails it queues go too
        agency = factories.agency(units=("UMUM",))
        trainer = factories.user(agency, roles=(Role.TRAINER,))
        learner = factories.user(agency)
        course = factories.course(by=trainer, modules=1, lessons=3)
        learning.enrol(learner, course)
        quiz = build_quiz(course, PRACTICE_GIFT, practice=True)
        attempt = attempts.start_attempt(quiz, learner)
        db.session.commit()
        ids = {
            "agency": agency.id,
            "users": [trainer.id, learner.id],
            "learner": learner.id,
            "course": course.id,
            "lessons": [lesson.id for lesson in learning.outline(course).lessons],
            "attempt": attempt.id,
            "answers": {
                item.slot: {"answer": ["true"] if item.qtype == "truefalse" else ["SIASN"]}
                for item in attempt.items
            },
            "quiz": quiz.id,
        }
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(Job).where(Job.id > jobs_before))
        db.session.execute(sa.delete(SyncReceipt).where(SyncReceipt.user_id == ids["learner"]))
        db.session.execute(sa.delete(Certificate).where(Certificate.user_id.in_(ids["users"])))
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.subject_id.in_(ids["users"])))
        db.session.execute(sa.delete(Quiz).where(Quiz.id == ids["quiz"]))
        factories.delete_committed(ids)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def race(app, work):
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def run():
        with app.test_request_context():
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
        thread.join(timeout=60)
    return results, errors


def test_concurrent_duplicate_batches_record_each_item_once(app, world):
    batch = [
        {"id": str(uuid.uuid4()), "kind": "lesson_completed", "lesson_id": lesson}
        for lesson in world["lessons"]
    ]
    batch.append(
        {
            "id": str(uuid.uuid4()),
            "kind": "quiz_attempt",
            "attempt_id": world["attempt"],
            "submit": True,
            "answers": [{"slot": slot, "values": values} for slot, values in world["answers"].items()],
        }
    )
    batch.append({"id": batch[0]["id"], "kind": "lesson_completed", "lesson_id": world["lessons"][1]})
    batch.append({"id": str(uuid.uuid4()), "kind": "lesson_completed", "lesson_id": 0})

    def send():
        learner = db.session.get(User, world["learner"])
        return sync.process_batch(learner, batch)

    results, errors = race(app, send)
    assert errors == [] and len(results) == THREADS
    for position, item in enumerate(batch[:4]):
        statuses = sorted(result[position]["status"] for result in results)
        assert statuses == ["duplicate"] * (THREADS - 1) + ["recorded"], (item["kind"], statuses)
    for result in results:
        assert result[4]["code"] == "duplicate_in_batch" and result[5]["code"] == "malformed"
    with app.app_context():
        count = lambda model, *where: db.session.scalar(  # noqa: E731
            sa.select(sa.func.count()).select_from(model).where(*where)
        )
        assert count(SyncReceipt, SyncReceipt.user_id == world["learner"]) == 4
        assert count(LessonCompletion, LessonCompletion.lesson_id.in_(world["lessons"])) == 3
        attempt = db.session.get(Attempt, world["attempt"])
        assert attempt.state == AttemptState.FINISHED and attempt.percent == 100.0
        assert count(Attempt, Attempt.quiz_id == world["quiz"]) == 1
        enrolment = db.session.scalar(
            sa.select(learning.Enrolment).where(learning.Enrolment.user_id == world["learner"])
        )
        assert enrolment.completed_at is not None
