"""POST /api/v1/sync through the HTTP client: per-item results, exactly once, hostile items."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import utcnow
from lms.courses import services as course_services
from lms.courses.models import Lesson, LessonCompletion
from lms.extensions import db
from lms.offline.models import SyncReceipt
from lms.quizzes import attempts
from lms.quizzes.models import Attempt, AttemptState, Quiz


def completion(lesson_id, **over):
    return {"id": str(uuid.uuid4()), "kind": "lesson_completed", "lesson_id": lesson_id, **over}


def send(client, *items):
    response = client.post("/api/v1/sync", json={"items": list(items)})
    assert response.status_code == 200, response.text
    return response.get_json()["results"]


def completions(app, lesson_id):
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LessonCompletion)
            .where(LessonCompletion.lesson_id == lesson_id)
        )


def start(app, world, user_key="learner"):
    with app.app_context():
        quiz = db.session.get(Quiz, world["quiz"])
        user = db.session.merge(world[user_key])
        attempt = attempts.start_attempt(quiz, user)
        db.session.commit()
        answers = {}
        for item in attempt.items:
            if item.qtype == "truefalse":
                answers[item.slot] = {"answer": ["true"]}
            else:
                answers[item.slot] = {"answer": ["siasn"]}
        return attempt.id, answers


def answer_item(attempt_id, answers, *, submit=True):
    return {
        "id": str(uuid.uuid4()),
        "kind": "quiz_attempt",
        "attempt_id": attempt_id,
        "submit": submit,
        "answers": [{"slot": slot, "values": values} for slot, values in answers.items()],
    }


def test_anonymous_gets_401(client, world):
    assert client.get("/api/v1/sync").status_code == 401
    assert client.post("/api/v1/sync", json={"items": [completion(1)]}).status_code == 401


def test_handshake_names_the_user_and_gives_a_csrf_token(client, login, world, make_user):
    login(world["learner"])
    first = client.get("/api/v1/sync").get_json()
    assert first["csrf_token"] and first["max_items"] == 100 and len(first["user"]) == 20
    client.post("/logout")
    login(world["stranger"])
    assert client.get("/api/v1/sync").get_json()["user"] != first["user"]


def test_a_batch_sent_twice_is_recorded_once(client, login, world, app):
    login(world["learner"])
    lesson = world["lessons"][0]
    item = completion(lesson, at=utcnow().isoformat())
    [first] = send(client, item)
    assert first["status"] == "recorded" and first["id"] == item["id"]
    assert first["detail"]["lesson_id"] == lesson and first["detail"]["course_completed"] is False
    [again] = send(client, item)
    assert again["status"] == "duplicate" and again["detail"]["first"] == "recorded"
    assert completions(app, lesson) == 1
    # A different id for the same lesson is a new item, and marking twice stays one completion.
    [other] = send(client, completion(lesson))
    assert other["status"] == "recorded" and completions(app, lesson) == 1


def test_completing_every_lesson_offline_completes_the_course(client, login, world, app):
    login(world["learner"])
    results = send(client, *[completion(lesson) for lesson in world["lessons"]])
    assert [r["status"] for r in results] == ["recorded"] * 3
    assert any(r["detail"]["course_completed"] for r in results)
    body = client.get("/api/v1/me/progress").get_json()
    assert body["enrolments"][0]["progress"]["complete"] is True


def test_one_bad_item_never_fails_the_others(client, login, world, app):
    login(world["learner"])
    good = completion(world["lessons"][0])
    hostile = [
        "not an object",
        {"kind": "lesson_completed", "lesson_id": world["lessons"][1]},  # no id
        completion(world["lessons"][1], id="not-a-uuid"),
        completion(world["lessons"][1], kind="delete_everything"),
        completion(world["lessons"][1], user_id=world["stranger"].id),  # unknown field
        completion("1"),  # not an integer
        completion(999_999),  # unknown lesson
        {"id": str(uuid.uuid4()), "kind": "lesson_completed"},
    ]
    results = send(client, good, *hostile)
    assert results[0]["status"] == "recorded"
    assert [r["status"] for r in results[1:]] == ["error"] * len(hostile)
    codes = [r["code"] for r in results[1:]]
    assert codes == ["malformed"] * 6 + ["not_found", "malformed"]
    assert all(r["message"] for r in results[1:])
    assert completions(app, world["lessons"][1]) == 0
    with app.app_context():
        receipts = sa.select(sa.func.count()).select_from(SyncReceipt)
        assert db.session.scalar(receipts.where(SyncReceipt.user_id == world["learner"].id)) == 1


def test_an_error_leaves_no_receipt_so_a_corrected_item_can_be_sent(client, login, world, app):
    login(world["learner"])
    item = completion(999_999)
    assert send(client, item)[0]["code"] == "not_found"
    item["lesson_id"] = world["lessons"][0]
    assert send(client, item)[0]["status"] == "recorded"


def test_a_removed_lesson_is_refused_with_a_reason_and_the_refusal_is_kept(client, login, world, app):
    login(world["learner"])
    lesson_id = world["lessons"][1]
    send(client, completion(lesson_id))  # someone completed it: it is archived, not deleted
    with app.app_context():
        course_services.remove_lesson(db.session.get(Lesson, lesson_id), by=None)
        db.session.commit()
    client.post("/logout")
    login(world["stranger"])
    item = completion(lesson_id)
    [refused] = send(client, item)
    assert refused["status"] == "refused" and refused["code"] == "lesson_removed"
    assert refused["message"] == "Pelajaran sudah dihapus pengajar."
    [again] = send(client, item)
    assert again["status"] == "duplicate" and again["detail"]["first"] == "refused"
    assert completions(app, lesson_id) == 1


def test_not_enrolled_is_refused(client, login, world, make_user, app):
    outsider = make_user()
    login(outsider)
    [refused] = send(client, completion(world["lessons"][0]))
    assert refused["status"] == "refused" and refused["code"] == "not_enrolled"
    assert completions(app, world["lessons"][0]) == 0


def test_an_id_repeated_in_a_batch_is_an_error_and_recorded_once(client, login, world, app):
    login(world["learner"])
    item = completion(world["lessons"][0])
    twin = dict(item, lesson_id=world["lessons"][1])
    first, second = send(client, item, twin)
    assert first["status"] == "recorded"
    assert second["status"] == "error" and second["code"] == "duplicate_in_batch"
    assert completions(app, world["lessons"][0]) == 1 and completions(app, world["lessons"][1]) == 0


def test_items_past_the_batch_limit_get_their_own_error(client, login, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "SYNC_MAX_ITEMS", 2)
    login(world["learner"])
    results = send(client, *[completion(lesson) for lesson in world["lessons"]])
    assert [r["status"] for r in results] == ["recorded", "recorded", "error"]
    assert results[2]["code"] == "batch_too_large"
    assert completions(app, world["lessons"][2]) == 0


def test_a_huge_body_or_no_items_is_refused_whole(client, login, world):
    login(world["learner"])
    assert client.post("/api/v1/sync", json={"items": []}).status_code == 422
    assert client.post("/api/v1/sync", json={"things": 1}).status_code == 422
    big = {"items": [completion(1, note="x" * 1000) for _ in range(600)]}
    assert client.post("/api/v1/sync", json=big).status_code == 413


# ---------------------------------------------------------------- quiz attempts


def test_a_practice_attempt_answered_offline_is_graded_once(client, login, world, app):
    login(world["learner"])
    attempt_id, answers = start(app, world)
    item = answer_item(attempt_id, answers)
    [result] = send(client, item)
    assert result["status"] == "recorded", result
    assert result["detail"]["finished"] is True and sorted(result["detail"]["saved_slots"]) == [1, 2]
    assert result["detail"]["late_slots"] == []
    [again] = send(client, item)
    assert again["status"] == "duplicate"
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == AttemptState.FINISHED and attempt.percent == 100.0
        attempts = sa.select(sa.func.count()).select_from(Attempt).where(Attempt.quiz_id == world["quiz"])
        assert db.session.scalar(attempts) == 1


def test_another_users_attempt_is_unknown_and_untouched(client, login, world, app):
    attempt_id, answers = start(app, world, "stranger")
    login(world["learner"])
    [result] = send(client, answer_item(attempt_id, answers))
    assert result["status"] == "error" and result["code"] == "not_found"
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.is_open and all(item.response is None for item in attempt.items)


def test_a_forged_answer_changes_nothing(client, login, world, app):
    login(world["learner"])
    attempt_id, answers = start(app, world)
    forged = dict(answers)
    forged[99] = {"answer": ["true"]}
    [result] = send(client, answer_item(attempt_id, forged))
    assert result["code"] == "malformed"
    tf_slot = next(slot for slot, values in answers.items() if values == {"answer": ["true"]})
    [result] = send(client, answer_item(attempt_id, {tf_slot: {"answer": ["maybe"]}}))
    assert result["code"] == "malformed"
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.is_open and all(item.response is None for item in attempt.items)


@pytest.fixture
def timed(app, world):
    with app.app_context():
        quiz = db.session.get(Quiz, world["quiz"])
        quiz.practice, quiz.time_limit_minutes = False, 10
        db.session.commit()
    return world


def _age(app, attempt_id, minutes):
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        attempt.started_at -= timedelta(minutes=minutes)
        attempt.deadline_at = attempt.deadline - timedelta(minutes=minutes)
        db.session.commit()


def test_timed_answers_within_the_grace_period_count(client, login, timed, app):
    login(timed["learner"])
    attempt_id, answers = start(app, timed)
    _age(app, attempt_id, 10)  # the deadline passed a moment ago: within the grace period
    [result] = send(client, answer_item(attempt_id, answers, submit=False))
    assert result["status"] == "recorded" and result["detail"]["late_slots"] == []
    assert result["detail"]["deadline"]


def test_timed_answers_after_deadline_and_grace_are_refused_slot_by_slot(client, login, timed, app):
    login(timed["learner"])
    attempt_id, answers = start(app, timed)
    first_slot = min(answers)
    [saved] = send(client, answer_item(attempt_id, {first_slot: answers[first_slot]}, submit=False))
    assert saved["status"] == "recorded"
    _age(app, attempt_id, 11)  # a minute past the deadline: beyond the 30 s grace
    rest = {slot: values for slot, values in answers.items() if slot != first_slot}
    [late] = send(client, answer_item(attempt_id, rest, submit=True))
    assert late["status"] == "refused" and late["code"] == "too_late"
    assert late["detail"]["late_slots"] == sorted(rest) and late["detail"]["finished"] is True
    assert "batas waktu" in late["message"]
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == AttemptState.FINISHED and attempt.finish_reason.value == "timeout"
        answered = {item.slot for item in attempt.items if item.response is not None}
        assert answered == {first_slot}
        assert attempt.score == 1.0


def test_the_openapi_document_describes_the_sync(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    post = doc["paths"]["/api/v1/sync"]["post"]
    assert "requestBody" in post and "200" in post["responses"]
    schemas = doc["components"]["schemas"]
    assert {"LessonCompletedItem", "QuizAttemptItem", "SyncResult"} <= set(schemas)
    assert "lesson_id" in schemas["LessonCompletedItem"]["properties"]
    assert "get" in doc["paths"]["/api/v1/sync"]


def test_a_later_answer_to_the_same_question_wins_within_a_batch(client, login, world, app):
    login(world["learner"])
    attempt_id, answers = start(app, world)
    tf_slot = next(slot for slot, values in answers.items() if values == {"answer": ["true"]})
    first = answer_item(attempt_id, {tf_slot: {"answer": ["true"]}}, submit=False)
    second = answer_item(attempt_id, {tf_slot: {"answer": ["false"]}}, submit=False)
    results = send(client, first, second)
    assert [r["status"] for r in results] == ["recorded", "recorded"]
    with app.app_context():
        item = next(i for i in db.session.get(Attempt, attempt_id).items if i.slot == tf_slot)
        assert item.response == {"value": "false"}
