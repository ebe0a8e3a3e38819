"""Trainers' quiz lists (results, overrides) cost the same number of queries for 2 or 10 learners."""

from __future__ import annotations

from lms.accounts.models import User
from lms.courses import learning
from lms.extensions import db
from lms.quizzes import attempts, corrections
from lms.quizzes.models import Attempt, AttemptState
from tests import factories

from .conftest import build_quiz


def test_results_and_overrides_pages_do_not_grow_with_the_learners(
    app, client, login, trainer, course, make_user, count_queries
):
    with app.app_context():
        quiz = build_quiz(db.session.get(type(course), course.id), "::a::Benar? {T}\n", max_attempts=2)
        db.session.commit()
        quiz_id = quiz.id
    login(trainer)
    counts: dict[str, dict[int, int]] = {"results": {}, "overrides": {}, "csv": {}}
    made = 0
    for n in (2, 10):
        while made < n:
            made += 1
            person = make_user(name=f"Peserta {made:02d}")
            with app.app_context():
                quiz_row = db.session.get(type(quiz), quiz_id)
                user = db.session.get(type(person), person.id)
                learning.enrol(user, quiz_row.course)
                attempts.finish_attempt(attempts.start_attempt(quiz_row, user))
                by = db.session.get(type(trainer), trainer.id)
                corrections.grant_override(quiz_row, user, extra_attempts=1, reason="Listrik padam", by=by)
                db.session.commit()
        for name, path in (
            ("results", f"/teach/quizzes/{quiz_id}/results"),
            ("overrides", f"/teach/quizzes/{quiz_id}/overrides"),
            ("csv", f"/teach/quizzes/{quiz_id}/results.csv"),
        ):
            with count_queries() as statements:
                response = client.get(path)
                body = response.data  # a streamed download runs its queries while it is read
            assert response.status_code == 200 and body.count(b"Peserta ") >= n, name
            counts[name][n] = len(statements)
    for name, by_rows in counts.items():
        assert by_rows[2] == by_rows[10], (name, by_rows)
    assert max(by_rows[10] for by_rows in counts.values()) <= 16, counts


def _save_and_finish(app, client, count_queries, quiz_id):
    """Start an attempt, then save every answer in one POST and finish it: the statements of each."""
    started = client.post(f"/quizzes/{quiz_id}/start")
    attempt_id = int(started.location.rsplit("/", 1)[1])
    with app.app_context():
        slots = [i.slot for i in db.session.get(Attempt, attempt_id).items]
    form = {"slots": [str(s) for s in slots], "go": "summary"}
    form.update({f"q{slot}-answer": "true" for slot in slots})
    with count_queries() as saving:
        assert client.post(f"/quizzes/attempts/{attempt_id}/answer", data=form).status_code == 302
    with count_queries() as finishing:
        assert client.post(f"/quizzes/attempts/{attempt_id}/finish").status_code == 302
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == AttemptState.FINISHED
        assert [i.response for i in attempt.items] == [{"value": "true"}] * len(slots)
        assert attempt.score == attempt.max_score == len(slots) and attempt.passed
    return len(saving), len(finishing)


def test_saving_and_finishing_cost_the_same_statements_for_10_or_20_answers(
    app, client, login, trainer, learner, count_queries, expiring_sessions
):
    """One lock and one batched UPDATE for all the answers; one grading pass at the end. Counted
    with sessions that expire at commit, as in production: a redirect built from `attempt.id`
    after the commit reloaded the attempt, and the after-request hooks reloaded the user."""
    counts = {}
    login(learner)
    for n in (10, 20):
        with app.app_context():
            course = factories.course(by=db.session.get(User, trainer.id), modules=1, lessons=1)
            learning.enrol(db.session.get(User, learner.id), course)
            gift = "\n\n".join(f"::s{i}::Pernyataan {i} benar? {{T}}" for i in range(n)) + "\n"
            quiz_id = build_quiz(course, gift).id
            db.session.commit()
        counts[n] = _save_and_finish(app, client, count_queries, quiz_id)
    print(f"statements (save all answers, finish) for 10 and 20 answers: {counts}")
    assert counts[10] == counts[20]
    saving, finishing = counts[10]
    # user; the attempt with its quiz and items, locked (FOR UPDATE OF attempts on PostgreSQL); one
    # UPDATE of the answers
    assert saving == 3
    # user; the attempt with its quiz and items; one conditional UPDATE ... RETURNING that finishes
    # and grades; the items' grades; then, passed: the enrolment with its course, and its
    # completion check, which stops at the first criterion not met (the lesson is not done, so the
    # required quizzes with the learner's grades are not read).
    assert finishing == 6


def test_a_pass_the_completion_rule_does_not_count_checks_nothing_more(
    app, client, login, trainer, learner, count_queries, expiring_sessions
):
    """A quiz the course's rule leaves out cannot complete the course: after the enrolment (with
    its course, which holds the rule) nothing is read for the completion."""
    login(learner)
    with app.app_context():
        course = factories.course(by=db.session.get(User, trainer.id), modules=1, lessons=1)
        learning.enrol(db.session.get(User, learner.id), course)
        quiz = build_quiz(course, "::s::Benar? {T}\n")
        quiz.required = False  # the rule counts the required quizzes only
        course.completion_rule = {"lessons": "required", "quizzes": "required"}
        db.session.commit()
        quiz_id = quiz.id
    saving, finishing = _save_and_finish(app, client, count_queries, quiz_id)
    assert (saving, finishing) == (3, 5)  # passed: _save_and_finish checks it


def test_home_lists_open_attempts_with_their_quizzes_in_one_statement(
    app, client, login, trainer, learner, count_queries
):
    login(learner)
    counts, made = {}, 0
    for n in (1, 3):
        while made < n:
            made += 1
            with app.app_context():
                course = factories.course(by=db.session.get(User, trainer.id), modules=1, lessons=1)
                user = db.session.get(User, learner.id)
                learning.enrol(user, course)
                quiz = build_quiz(course, "::a::Benar? {T}\n", title=f"Kuis Terbuka {made}")
                attempts.start_attempt(quiz, user)
                db.session.commit()
        with count_queries() as statements:
            page = client.get("/")
        assert page.status_code == 200 and page.text.count("Kuis Terbuka ") == n
        counts[n] = len(statements)
    assert counts[1] == counts[3], counts


def test_a_lock_taken_when_loading_is_taken_again_in_the_next_transaction(
    app, trainer, learner, count_queries
):
    with app.app_context():
        course = factories.course(by=db.session.get(User, trainer.id), modules=1, lessons=1)
        user = db.session.get(User, learner.id)
        learning.enrol(user, course)
        quiz = build_quiz(course, "::a::Benar? {T}\n")
        attempt_id = attempts.start_attempt(quiz, user).id
        db.session.commit()
    with app.app_context():
        attempt = attempts.attempt_with_items(attempt_id, lock=True)
        slot = attempt.items[0].slot
        with count_queries() as first:
            attempts.save_answers(attempt, {slot: {"answer": "true"}})
        db.session.commit()
        with count_queries() as later:
            attempts.save_answers(attempt, {slot: {"answer": "false"}})
        db.session.commit()
    assert not any("attempts.state" in s for s in first)  # locked with the load: not again
    assert any("attempts.state" in s for s in later)  # a new transaction locks again
