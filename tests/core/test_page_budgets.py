"""Issue 15's statement budgets of the learner's busiest pages, with every panel holding data.

The lesson page: the user (with low-data mode), then the course with the enrolment, outline,
lessons done and the required quizzes and webinars with the learner's state (one statement).
The home page: the user, then one statement for every panel (`core.together`): the unit's name,
the courses with their progress and required items, open attempts, certificates, JP of the year,
upcoming webinars, evaluations.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.careers import jp
from lms.core import home
from lms.courses import learning
from lms.courses.models import Course, Lesson, Module
from lms.extensions import db
from lms.offline import preferences
from lms.quizzes import attempts, services
from lms.webinars.models import Attendance
from tests import factories


def _quiz(course, title, *, required=True):
    bank = services.default_bank(course)
    services.import_questions(bank, f"$CATEGORY: {title}\n\n::{title}::{title} benar? {{T}}\n", by=None)
    sources = [(cat.id, None) for cat, _count in services.categories_of(course) if cat.name == title]
    data = services.QuizData(title=title, sources=sources, published=True, required=required)
    return services.create_quiz(course, data, by=None)


def _lessons(course_id):
    return list(
        db.session.scalars(sa.select(Lesson.id).where(Lesson.course_id == course_id).order_by(Lesson.id))
    )


def _world(app, n):
    """A learner placed in an agency's unit, with n courses in progress (each with a required quiz,
    one passed, and a required webinar, one attended), n finished courses (certificates, JP), an
    open attempt and an upcoming webinar."""
    with app.app_context():
        trainer = factories.user(roles=(Role.TRAINER, Role.LEARNER))
        learner = factories.user(factories.agency(), name="Peserta Anggaran")
        courses = []
        for i in range(n):
            course = factories.course(by=trainer, title=f"Berjalan {i}", modules=2, lessons=3)
            quiz = _quiz(course, f"Kuis Wajib {i}")
            enrolment = learning.enrol(learner, course)
            learning.mark_lesson_done(enrolment, course.modules[0].lessons[0])
            held = factories.webinar(
                trainer, title=f"Webinar Wajib {i}", course_id=course.id, required_for_course=True
            )
            course.completion_rule = {**course.completion_rule, "webinars": "required"}
            if i == 0:
                attempt = attempts.start_attempt(quiz, learner)
                attempts.save_answers(attempt, {item.slot: {"answer": "true"} for item in attempt.items})
                attempts.finish_attempt(attempt)
                db.session.add(Attendance(webinar_id=held.id, user_id=learner.id, present=True))
            courses.append(course)
            done = factories.course(by=trainer, title=f"Selesai {i}", modules=1, lessons=1, jp=3)
            finished = learning.enrol(learner, done)
            learning.mark_lesson_done(finished, done.modules[0].lessons[0])
        open_quiz = _quiz(courses[0], "Kuis Terbuka", required=False)
        attempts.start_attempt(open_quiz, learner)
        tomorrow = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        webinar = factories.webinar(trainer, title="Webinar Besok", starts_at=tomorrow)
        factories.registration(webinar, learner)
        db.session.commit()
        return learner.id, courses[0].slug, _lessons(courses[0].id)


def test_lesson_and_home_pages_keep_issue_15_budgets(app, client, login, count_queries):
    counts = {}
    for n in (1, 3):
        learner_id, slug, lesson_ids = _world(app, n)
        with app.app_context():
            learner = db.session.get(User, learner_id)
        client.post("/logout")
        login(learner)
        with count_queries() as lesson:
            page = client.get(f"/courses/{slug}/learn/{lesson_ids[1]}")
        assert page.status_code == 200
        # 1 of 6 lessons done, the required quiz passed and the required webinar attended: 3 of 8
        assert 'data-done="3" data-total="8"' in page.text
        with count_queries() as home:
            page = client.get("/")
        assert page.status_code == 200
        text = page.text
        assert "Berjalan 0" in text and "Kuis Terbuka" in text and "Webinar Besok" in text
        assert "Selesai 0" in text  # the newest certificates
        assert "Bagian Keu · Badan Uji Coba" in text  # the profile: unit and agency, no statement more
        assert 'Berjalan 0 · <progress value="37"' in text  # 3 of 8, as the lesson page counts it
        with app.app_context():
            user = db.session.get(User, learner_id)
            year = jp.current_year(user)
            ledger = jp.jp_year(user, year).total
        assert ledger == 3 * n
        assert f"{ledger} dari" in text  # the JP of the year, as the ledger counts it
        counts[n] = (len(lesson), len(home))
    print(f"statements (lesson, home) for 1 and 3 courses of each kind: {counts}")
    assert counts[1] == counts[3]
    # Issue 15: lesson <= 3, home <= 4. The lesson's required quizzes and webinars are read with its
    # outline, the home page's with the enrolments, in the statement every panel shares: the
    # user, then one statement.
    assert counts[1] == (2, 2)


def test_low_data_mode_is_read_with_the_user(app, client, login, make_user, count_queries):
    learner = make_user()
    with app.app_context():
        preferences.set_low_data(db.session.get(User, learner.id), True)
        db.session.commit()
    login(learner)
    with count_queries() as statements:
        page = client.get("/account")
    assert page.status_code == 200
    assert not any("offline_preferences" in s and "users" not in s for s in statements)


def test_course_outline_reads_one_lesson_body(app, db, make_user):
    trainer = make_user(roles=(Role.TRAINER,))
    with app.app_context():
        course = factories.course(by=db.session.get(User, trainer.id), modules=1, lessons=3)
        db.session.commit()
        slug, ids = course.slug, _lessons(course.id)
    with app.app_context():
        user = db.session.get(User, trainer.id)
        found, enrolment, outline, done, lesson = learning.course_outline(slug, user, lesson_id=ids[1])
        assert isinstance(found, Course) and enrolment is None and done == set()
        assert [entry.id for entry in outline.lessons] == ids
        assert isinstance(lesson, Lesson) and lesson.id == ids[1] and "body_html" in lesson.__dict__
        # The outline's lessons are entries read as JSON, not ORM objects: no body is read for them.
        assert all(isinstance(entry, learning.OutlineEntry) for entry in outline.lessons)
        # That one lesson, no module or lesson entity per row of the outline.
        loaded = [o for o in db.session.identity_map.values() if isinstance(o, Module | Lesson)]
        assert loaded == [lesson]
        assert learning.course_outline(slug, user)[4] is None
        nowhere = (None, None, learning.Outline([]), set(), None)
        assert learning.course_outline("tidak-ada", user) == nowhere


def test_home_panels_get_the_user_itself_not_flask_login_s_proxy(client, make_user, login, monkeypatch):
    """Each panel reads its user several times: through the proxy every read looks the user up
    again in the request's context (3.8 us against 0.3, docs/benchmarks.md, session 18)."""
    given = []
    spy = (99, lambda user: given.append(user), None, None)
    monkeypatch.setattr(home, "_providers", [*home._providers, spy])
    user = make_user(name="Siti Aminah")
    login(user)
    assert client.get("/").status_code == 200
    assert len(given) == 1
    assert type(given[0]) is User and given[0].id == user.id
