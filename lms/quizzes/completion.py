"""The "quizzes" completion criterion, registered into the courses' open registry.

"required": every published quiz marked required is passed; "all": every published quiz is passed.
A quiz is passed when the learner's grade (by the quiz's grading method) reaches its pass mark.
`attempts.grade` calls `check_completion` whenever an attempt is graded as passed.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..courses.completion import register_criterion
from ..courses.models import Enrolment
from ..extensions import db
from .attempts import result_for
from .models import Quiz


def quizzes_passed(enrolment: Enrolment, option: Any) -> bool:
    query = sa.select(Quiz).where(Quiz.course_id == enrolment.course_id, Quiz.published.is_(True))
    if option != "all":
        query = query.where(Quiz.required.is_(True))
    return all(result_for(quiz, enrolment.user).passed for quiz in db.session.scalars(query))


register_criterion(
    "quizzes",
    quizzes_passed,
    label=_l("Kuis"),
    options=[
        ("required", _l("Lulus semua kuis wajib")),
        ("all", _l("Lulus semua kuis")),
    ],
)
