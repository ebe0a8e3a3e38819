"""The "quizzes" completion criterion, registered into the courses' open registry.

"required": every published quiz marked required is passed; "all": every published quiz is passed.
A quiz is passed when the learner's grade (by the quiz's grading method) reaches its pass mark.
The criterion, the course outline and progress read the same list (`required_quizzes`), so what
the course page calls required is what completes the course. `attempts.grade` calls
`check_completion` whenever an attempt is graded as passed.
"""

from __future__ import annotations

from collections.abc import Collection
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..core.statements import built_once
from ..courses.completion import Pair, RequiredItem, register_criterion
from ..courses.models import Course, Enrolment
from ..extensions import db
from . import grading
from .models import Attempt, AttemptState, Quiz

CRITERION = "quizzes"


def _counted(required: bool, option: str | None) -> bool:
    """Whether a course's rule option ("required", "all", or none) counts a quiz marked required
    or not."""
    return option == "all" or (bool(option) and required)


def _counted_quizzes(rules: dict[int, str]) -> list:
    """The published quizzes each course's rule counts: the required ones, or every one for "all"."""
    # Only the columns the rule reads: lighter, and a page never loads a whole quiz for it.
    return [
        quiz
        for quiz in db.session.execute(
            sa.select(Quiz.id, Quiz.course_id, Quiz.title, Quiz.required, Quiz.grading_method, Quiz.pass_mark)
            .where(Quiz.course_id.in_(list(rules)), Quiz.published.is_(True))
            .order_by(Quiz.course_id, Quiz.id)
        )
        if _counted(quiz.required, rules.get(quiz.course_id))
    ]


def _item(quiz, met: bool | None) -> RequiredItem:
    return RequiredItem(
        CRITERION,
        quiz.title,
        "quizzes.detail",
        {"quiz_id": quiz.id},
        met,
        _l("Kuis"),
        (_l("Lulus"), _l("Belum lulus")),
    )


def required_quizzes_for(pairs: Collection[Pair], rules: dict[int, str]) -> dict[Pair, list[RequiredItem]]:
    """The quizzes each (user, course) pair's rule requires, passed or not by that user (two
    queries, whatever the number of users and courses)."""
    quizzes = _counted_quizzes(rules)
    percents: dict[tuple[int, int], list[float]] = {}
    user_ids = {user_id for user_id, _course_id in pairs}
    if user_ids and quizzes:
        for user_id, quiz_id, percent in db.session.execute(
            sa.select(Attempt.user_id, Attempt.quiz_id, Attempt.percent)
            .where(
                Attempt.user_id.in_(user_ids),
                Attempt.quiz_id.in_([quiz.id for quiz in quizzes]),
                Attempt.state == AttemptState.FINISHED,
                Attempt.percent.is_not(None),
            )
            .order_by(Attempt.user_id, Attempt.quiz_id, Attempt.number)
        ):
            percents.setdefault((user_id, quiz_id), []).append(percent)
    by_course: dict[int, list] = {}
    for quiz in quizzes:
        by_course.setdefault(quiz.course_id, []).append(quiz)

    def passed(user_id: int, quiz) -> bool:
        grade = grading.quiz_grade(quiz.grading_method.value, percents.get((user_id, quiz.id), []))
        return grade is not None and grade >= quiz.pass_mark

    return {
        (user_id, course_id): [_item(quiz, passed(user_id, quiz)) for quiz in by_course.get(course_id, [])]
        for user_id, course_id in pairs
    }


@built_once
def _quizzes_query(with_user: bool) -> sa.Select:
    # Built once, with bind parameters (a page runs it on every request).
    # Only the columns the rule reads: lighter, and a page never loads a whole quiz for it.
    query = (
        sa.select(Quiz.id, Quiz.course_id, Quiz.title, Quiz.required, Quiz.grading_method, Quiz.pass_mark)
        .where(Quiz.course_id.in_(sa.bindparam("course_ids", expanding=True)), Quiz.published.is_(True))
        .order_by(Quiz.course_id, Quiz.id)
    )
    if with_user:
        query = query.add_columns(Attempt.percent).outerjoin(
            Attempt,
            sa.and_(
                Attempt.quiz_id == Quiz.id,
                Attempt.user_id == sa.bindparam("user_id"),
                Attempt.state == AttemptState.FINISHED,
                Attempt.percent.is_not(None),
            ),
        )
        query = query.order_by(Attempt.number)
    return query


def required_quizzes(user_id: int | None, rules: dict[int, str]) -> dict[int, list[RequiredItem]]:
    """The published quizzes each course's rule requires, passed or not by the user (one query:
    the quizzes outer-joined to the user's graded attempts)."""
    params = {"course_ids": list(rules), "user_id": user_id}
    rows = db.session.execute(_quizzes_query(user_id is not None), params)
    found: dict[int, list[RequiredItem]] = {course_id: [] for course_id in rules}
    for course_id, item in _graded(rows, rules.get, with_user=user_id is not None):
        found[course_id].append(item)
    return found


def _graded(rows, option_of, *, with_user: bool = True):
    """(course id, item) of each quiz the rule counts, from rows of a quiz and one of the user's
    graded attempts each (or none), quizzes in order and each quiz's attempts oldest first."""
    quizzes: dict[int, Any] = {}
    percents: dict[int, list[float]] = {}
    for row in rows:
        if not _counted(row.required, option_of(row.course_id)):
            continue
        quizzes.setdefault(row.id, row)
        if with_user and row.percent is not None:
            percents.setdefault(row.id, []).append(row.percent)
    for quiz in quizzes.values():
        met = None
        if with_user:
            # A GradingMethod from the database, its value from JSON: a StrEnum equals its value.
            grade = grading.quiz_grade(quiz.grading_method, percents.get(quiz.id, []))
            met = grade is not None and grade >= quiz.pass_mark
        yield quiz.course_id, _item(quiz, met)


def item_rows(course_id: sa.ColumnElement, user_id: sa.ColumnElement) -> sa.Select:
    """The course's published quizzes, each with the learner's graded attempts (one row per
    attempt, or one without), for `courses.completion.item_columns`."""
    return (
        sa.select(
            Quiz.id,
            Quiz.course_id,
            Quiz.title,
            Quiz.required,
            Quiz.grading_method,
            Quiz.pass_mark,
            Attempt.number,
            Attempt.percent,
        )
        .select_from(
            sa.outerjoin(
                Quiz,
                Attempt,
                sa.and_(
                    Attempt.quiz_id == Quiz.id,
                    Attempt.user_id == user_id,
                    Attempt.state == AttemptState.FINISHED,
                    Attempt.percent.is_not(None),
                ),
            )
        )
        .where(Quiz.course_id == course_id, Quiz.published.is_(True))
    )


def items_from_rows(rows: list[dict[str, Any]], option: Any) -> list[RequiredItem]:
    """The items of one course's `item_rows` (JSON rows, in no order) under the rule's option."""
    ordered = sorted(rows, key=lambda row: (row["id"], row["number"] or 0))
    rows_read = (SimpleNamespace(**row) for row in ordered)  # read like database rows: row.title
    return [item for _course_id, item in _graded(rows_read, lambda _course_id: option)]


def counts(quiz: Quiz, course: Course) -> bool:
    """Whether the course's rule counts this quiz: when it does not, passing it cannot complete
    the course."""
    return quiz.published and _counted(quiz.required, (course.completion_rule or {}).get(CRITERION))


def quizzes_passed(enrolment: Enrolment, option: Any) -> bool:
    items = required_quizzes(enrolment.user_id, {enrolment.course_id: option})
    return all(item.met for item in items[enrolment.course_id])


def _ignored(n: int, titles: str):
    return _l(
        "Kursus ini memiliki %(n)d kuis yang ditandai wajib untuk kelulusan (%(titles)s), tetapi "
        'syarat kelulusan Kuis diatur "Tidak dipakai". Pilih "Lulus semua kuis wajib", atau hapus '
        'tanda "Wajib untuk kelulusan kursus" pada kuisnya.',
        n=n,
        titles=titles,
    )


register_criterion(
    CRITERION,
    quizzes_passed,
    label=_l("Kuis"),
    options=[
        ("required", _l("Lulus semua kuis wajib")),
        ("all", _l("Lulus semua kuis")),
    ],
    items=required_quizzes,
    ignored_message=_ignored,
    items_for=required_quizzes_for,
    item_rows=item_rows,
    items_from_rows=items_from_rows,
)
