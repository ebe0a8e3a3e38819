"""Trainers' quiz lists (results, overrides) cost the same number of queries for 2 or 10 learners."""

from __future__ import annotations

from lms.courses import learning
from lms.extensions import db
from lms.quizzes import attempts, corrections

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
