"""The world of the load test (bench/load.py): a tiny one, built in the test's transaction.

Not the benchmark itself (that is `make bench-load`, never part of `make test`): only that the
copied course content is whole, so a learner of a generated course can read a lesson and start
the copied quiz, and that lesson completions and certificates are written.
"""

from __future__ import annotations

import sqlalchemy as sa

from bench.generate_agency import Plan, generate
from bench.load import add_content
from lms.certificates.models import Certificate
from lms.courses.models import Course, Enrolment, Lesson, LessonCompletion
from lms.quizzes import attempts
from lms.quizzes.models import Quiz


def test_generated_courses_get_lessons_a_published_quiz_and_certificates(app, db):
    with app.test_request_context():
        before = db.session.scalar(sa.select(sa.func.max(Course.id))) or 0
        generate(Plan(users=12, positions=3, courses=4, enrolments=30, records=10, units=2))
        courses = list(db.session.scalars(sa.select(Course).where(Course.id > before).order_by(Course.id)))
        counts = add_content([c.id for c in courses], 3, base_url="http://127.0.0.1")

        issued = sa.select(sa.func.count(Certificate.id)).where(
            Certificate.course_id.in_([c.id for c in courses])
        )
        assert counts["certificates"] == 3 == db.session.scalar(issued)
        for course in courses:
            lessons = db.session.scalars(sa.select(Lesson).where(Lesson.course_id == course.id)).all()
            assert len(lessons) >= 8
            assert all(len(lesson.body_md) > 2000 and "<p>" in lesson.body_html for lesson in lessons)
            assert {lesson.module.course_id for lesson in lessons} == {course.id}
            quiz = db.session.scalars(sa.select(Quiz).where(Quiz.course_id == course.id)).one()
            assert quiz.published and quiz.max_attempts is None
            learner = db.session.scalars(
                sa.select(Enrolment).where(Enrolment.course_id == course.id).limit(1)
            ).first()
            if learner is not None:
                attempt = attempts.start_attempt(quiz, learner.user)
                assert len(attempt.items) == 10
        ours = Enrolment.course_id.in_([c.id for c in courses])  # not other tests' (PostgreSQL run)
        completed = db.session.scalars(
            sa.select(Enrolment).where(ours, Enrolment.completed_at.is_not(None))
        ).all()
        done = db.session.scalar(sa.select(sa.func.count(LessonCompletion.id)).join(Enrolment).where(ours))
        assert completed and done == sum(
            db.session.scalar(sa.select(sa.func.count(Lesson.id)).where(Lesson.course_id == e.course_id))
            for e in completed
        )
