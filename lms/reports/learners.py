"""The trainer's completion report: the learners of each course they teach, with progress as the
learner's own page counts it, status, the best and last score of each quiz the rule requires,
completion date and certificate, in a fixed number of statements (rows as in completion.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..accounts.models import User
from ..core.clock import utcnow
from ..courses.completion import required_items
from ..courses.models import Course, Enrolment
from ..extensions import db
from ..quizzes.completion import CRITERION as QUIZZES
from ..quizzes.models import Attempt, AttemptState
from .completion import (
    STATUSES,
    Counts,
    LearnerRow,
    count_columns,
    counted,
    ordered,
    page_of,
    status_clause,
    with_zone,
)
from .units import PAGE_SIZE


@dataclass
class QuizScore:
    title: str
    best: float | None = None
    last: float | None = None
    attempts: int = 0


@dataclass
class CourseSummary:
    course: Course
    counts: Counts


def taught_courses(
    trainer: User, *, page: int = 1, now: datetime | None = None
) -> tuple[list[CourseSummary], bool]:
    """The courses the trainer edits (every course for an administrator), each with its learners
    counted, in two statements."""
    now = now or utcnow()
    query = sa.select(Course).order_by(Course.title, Course.id)
    if not trainer.is_admin:
        query = query.where(Course.created_by_id == trainer.id)
    courses = db.session.scalars(query.limit(PAGE_SIZE + 1).offset((max(page, 1) - 1) * PAGE_SIZE)).all()
    counts = _counts_by_course([course.id for course in courses[:PAGE_SIZE]], now)
    return (
        [CourseSummary(course, counts.get(course.id, Counts())) for course in courses[:PAGE_SIZE]],
        len(courses) > PAGE_SIZE,
    )


def _counts_by_course(course_ids: list[int], now: datetime) -> dict[int, Counts]:
    if not course_ids:
        return {}
    query = with_zone(sa.select(Enrolment.course_id, *count_columns(now)).select_from(Enrolment))
    query = query.where(Enrolment.course_id.in_(course_ids)).group_by(Enrolment.course_id)
    return counted(query)


def course_learners(
    course: Course, *, status: str = "", sort: str = "name", page: int = 1, now: datetime | None = None
) -> tuple[list[LearnerRow], bool, Counts]:
    """One page of the course's learners (progress, status, best and last score of each quiz the
    rule requires, certificate) and the counts of all of them, in a fixed number of statements."""
    now = now or utcnow()
    query = with_zone(sa.select(Enrolment)).where(Enrolment.course_id == course.id)
    if status in STATUSES:
        query = query.where(status_clause(status, now))
    rows, has_next = page_of(ordered(query, sort), page, now)
    quizzes = [item for item in required_items([course])[course.id] if item.criterion == QUIZZES]
    if rows and quizzes:
        scores: dict[tuple[int, int], QuizScore] = {}
        for user_id, quiz_id, percent in db.session.execute(
            sa.select(Attempt.user_id, Attempt.quiz_id, Attempt.percent)
            .where(
                Attempt.user_id.in_({row.enrolment.user_id for row in rows}),
                Attempt.quiz_id.in_([item.values["quiz_id"] for item in quizzes]),
                Attempt.state == AttemptState.FINISHED,
                Attempt.percent.is_not(None),
            )
            .order_by(Attempt.number)
        ):
            score = scores.setdefault((user_id, quiz_id), QuizScore(""))
            score.best = percent if score.best is None else max(score.best, percent)
            score.last, score.attempts = percent, score.attempts + 1
        for row in rows:
            for item in quizzes:
                found = scores.get((row.enrolment.user_id, item.values["quiz_id"]), QuizScore(""))
                row.scores.append(QuizScore(item.title, found.best, found.last, found.attempts))
    counts = _counts_by_course([course.id], now).get(course.id, Counts())
    return rows, has_next, counts
