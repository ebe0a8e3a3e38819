"""The "quizzes" completion criterion, registered into the courses' open registry.

"required": every published quiz marked required is passed; "all": every published quiz is passed.
A quiz is passed when the learner's grade (by the quiz's grading method) reaches its pass mark.
The criterion, the course outline and progress read the same list (`required_quizzes`), so what
the course page calls required is what completes the course. `attempts.grade` calls
`check_completion` whenever an attempt is graded as passed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..courses.completion import RequiredItem, register_criterion
from ..courses.models import Enrolment
from ..extensions import db
from . import grading
from .models import Attempt, AttemptState, Quiz

CRITERION = "quizzes"


@cache
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
    query = _quizzes_query(user_id is not None)
    params = {"course_ids": list(rules), "user_id": user_id}
    quizzes: dict[int, sa.Row] = {}
    percents: dict[int, list[float]] = {}
    for row in db.session.execute(query, params):
        if not (row.required or rules.get(row.course_id) == "all"):
            continue
        quizzes.setdefault(row.id, row)
        if user_id is not None and row.percent is not None:
            percents.setdefault(row.id, []).append(row.percent)
    found: dict[int, list[RequiredItem]] = {course_id: [] for course_id in rules}
    for quiz in quizzes.values():
        met = None
        if user_id is not None:
            grade = grading.quiz_grade(quiz.grading_method.value, percents.get(quiz.id, []))
            met = grade is not None and grade >= quiz.pass_mark
        found[quiz.course_id].append(
            RequiredItem(
                CRITERION,
                quiz.title,
                "quizzes.detail",
                {"quiz_id": quiz.id},
                met,
                _l("Kuis"),
                (_l("Lulus"), _l("Belum lulus")),
            )
        )
    return found


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
)
