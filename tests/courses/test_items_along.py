"""The required quizzes and webinars read inside a page's own statement (`completion.item_columns`:
the lesson's outline, the home page's enrolments) are the items the criteria's own queries give
(`completion.required_items`), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.courses import completion, learning
from lms.courses.models import Course, Enrolment
from lms.extensions import db
from lms.quizzes import attempts, services
from lms.quizzes.models import GradingMethod
from lms.webinars.models import Attendance
from tests import factories


def _quiz(course, title, *, required=True, published=True, grading=GradingMethod.HIGHEST):
    bank = services.default_bank(course)
    services.import_questions(bank, f"$CATEGORY: {title}\n\n::{title}::{title} benar? {{T}}\n", by=None)
    sources = [(cat.id, None) for cat, _count in services.categories_of(course) if cat.name == title]
    data = services.QuizData(
        title=title, sources=sources, published=published, required=required, grading_method=grading
    )
    return services.create_quiz(course, data, by=None)


def _attempt(quiz, learner, answer):
    attempt = attempts.start_attempt(quiz, learner)
    attempts.save_answers(attempt, {item.slot: {"answer": answer} for item in attempt.items})
    attempts.finish_attempt(attempt)


def _states(items):
    return [(item.criterion, item.title, item.met) for item in items]


@pytest.fixture
def world(ctx):
    trainer = factories.user(roles=(Role.TRAINER, Role.LEARNER))
    learner = factories.user(name="Peserta Setara")
    every = factories.course(by=trainer, title="Semua Kuis", modules=1, lessons=2)
    required_only = factories.course(by=trainer, title="Kuis Wajib Saja", modules=1, lessons=1)
    for course in (every, required_only):
        learning.enrol(learner, course)
    last = _quiz(every, "Terakhir Gagal", grading=GradingMethod.LAST)
    _attempt(last, learner, "true")  # 100, then 0: the last one counts
    _attempt(last, learner, "false")
    optional = _quiz(every, "Pengayaan Lulus", required=False)
    _attempt(optional, learner, "true")
    best = _quiz(every, "Terbaik Lulus", grading=GradingMethod.HIGHEST)
    _attempt(best, learner, "false")  # 0, then 100: the best counts
    _attempt(best, learner, "true")
    mean = _quiz(every, "Rata-rata Gagal", grading=GradingMethod.AVERAGE)
    _attempt(mean, learner, "true")  # 100 and 0: 50 on average, under the pass mark of 70
    _attempt(mean, learner, "false")
    _quiz(every, "Belum Terbit", published=False)
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    attended = factories.webinar(
        trainer, title="Wajib Hadir", course_id=every.id, required_for_course=True, starts_at=soon
    )
    missed = factories.webinar(
        trainer,
        title="Wajib Absen",
        course_id=every.id,
        required_for_course=True,
        starts_at=soon + timedelta(hours=2),
    )
    # Someone else, enrolled too, was there: it counts for them only.
    other = factories.user(name="Peserta Lain")
    learning.enrol(other, every)
    db.session.add(Attendance(webinar_id=missed.id, user_id=other.id, present=True))
    factories.webinar(trainer, title="Tidak Wajib", course_id=every.id)
    db.session.add(Attendance(webinar_id=attended.id, user_id=learner.id, present=True))
    every.completion_rule = {"lessons": "required", "quizzes": "all", "webinars": "required"}
    _quiz(required_only, "Wajib Belum Dicoba")
    _quiz(required_only, "Tidak Dihitung", required=False)
    required_only.completion_rule = {"lessons": "required", "quizzes": "required"}
    db.session.flush()
    return learner, every, required_only


EXPECTED = {
    "Semua Kuis": [  # criteria in the order they registered
        ("webinars", "Wajib Hadir", True),
        ("webinars", "Wajib Absen", False),
        ("quizzes", "Terakhir Gagal", False),
        ("quizzes", "Pengayaan Lulus", True),
        ("quizzes", "Terbaik Lulus", True),
        ("quizzes", "Rata-rata Gagal", False),
    ],
    "Kuis Wajib Saja": [("quizzes", "Wajib Belum Dicoba", False)],
}


def test_the_lesson_reads_the_items_the_criteria_give(world):
    learner, *courses = world
    for course in courses:
        lesson = course.modules[0].lessons[0]
        outline = learning.course_outline(course.slug, learner, lesson_id=lesson.id, items=True)[2]
        expected = completion.required_items([course], learner.id)[course.id]
        assert _states(outline.items) == _states(expected) == EXPECTED[course.title]
        assert [(item.endpoint, item.values) for item in outline.items] == [
            (item.endpoint, item.values) for item in expected
        ]


def test_without_a_lesson_or_an_enrolment_nothing_is_read(world):
    learner, every, _required_only = world
    lesson = every.modules[0].lessons[0]
    assert learning.course_outline(every.slug, learner, lesson_id=lesson.id)[2].items is None
    stranger = factories.user(name="Bukan Peserta")
    assert learning.course_outline(every.slug, stranger, lesson_id=lesson.id, items=True)[2].items is None


def test_the_home_page_counts_what_the_reports_count(world):
    learner, *_courses = world
    summary = learning.learner_summary(learner)
    home = {
        s.enrolment.course.title: (_states(s.progress.items), s.progress.done, s.progress.total)
        for s in summary.in_progress + summary.assigned
    }
    reports = learning.with_progress(sa.select(Enrolment).where(Enrolment.user_id == learner.id))
    assert home == {e.course.title: (_states(p.items), p.done, p.total) for e, p in reports}
    assert {title: states for title, (states, _done, _total) in home.items()} == EXPECTED


def test_a_criterion_without_item_rows_is_asked_apart(world, monkeypatch):
    """A feature that registers items but no item_rows still counts on the pages that read the
    other criteria's items along."""
    learner, every, _required_only = world
    extra = completion.RequiredItem("praktik", "Praktik Lapangan", "core.home", {}, False)
    monkeypatch.setitem(
        completion._criteria,
        "praktik",
        completion.Criterion(
            "praktik",
            lambda enrolment, option: False,
            "Praktik",
            (),
            None,
            items=lambda user_id, rules: {course_id: [extra] for course_id in rules},
        ),
    )
    every.completion_rule = {**every.completion_rule, "praktik": "required"}
    db.session.flush()
    columns = completion.item_columns(Course.id, Enrolment.user_id, db.session.get_bind().dialect.name)
    reads = (
        sa.select(*columns.columns)
        .select_from(Course)
        .outerjoin(Enrolment, sa.and_(Enrolment.course_id == Course.id, Enrolment.user_id == learner.id))
        .where(Course.id == every.id)
    )
    items = columns.items(every, learner.id, db.session.execute(reads).one())
    expected = completion.required_items([every], learner.id)[every.id]
    assert (
        _states(items)
        == _states(expected)
        == [*EXPECTED["Semua Kuis"], ("praktik", "Praktik Lapangan", False)]
    )
