"""When is a course completed? An open set of criteria, and the `course_completed` signal.

Each course stores its rule as {criterion name: option}, e.g. {"lessons": "required"}. Features
add criteria without editing this package::

    register_criterion("quizzes", evaluate, label=_l("Kuis"), options=[("required", _l("..."))])

`evaluate(enrolment, option) -> bool` says whether the learner meets the criterion. A feature
whose state changes (a quiz passed, a webinar attended) calls `check_completion(enrolment)`.
When every criterion of the rule is met the enrolment is marked complete exactly once (even
under concurrent requests) and `signals.course_completed` is sent with the enrolment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..core.clock import utcnow
from ..extensions import db
from .models import Enrolment, Lesson, LessonCompletion
from .signals import course_completed

logger = logging.getLogger(__name__)

Evaluate = Callable[[Enrolment, Any], bool]


@dataclass(frozen=True)
class Criterion:
    name: str
    evaluate: Evaluate
    label: Any
    options: tuple[tuple[str, Any], ...]
    default: str | None


_criteria: dict[str, Criterion] = {}


def register_criterion(
    name: str,
    evaluate: Evaluate,
    *,
    label: Any = None,
    options: Sequence[tuple[str, Any]] = (),
    default: str | None = None,
) -> None:
    """Add (or replace) a completion criterion; options are (value, label) pairs for the form."""
    _criteria[name] = Criterion(name, evaluate, label or name, tuple(options), default)


def criteria() -> list[Criterion]:
    return list(_criteria.values())


def criterion(name: str) -> Criterion | None:
    return _criteria.get(name)


def default_rule() -> dict[str, str]:
    return {c.name: c.default for c in _criteria.values() if c.default}


def unmet_criteria(enrolment: Enrolment) -> list[str]:
    """Names of the criteria of the course's rule that the learner does not meet yet."""
    unmet = []
    for name, option in (enrolment.course.completion_rule or {}).items():
        if option in (None, ""):
            continue
        found = _criteria.get(name)
        if found is None:
            # A rule naming a criterion nobody registered must not complete courses early.
            logger.warning("course %s: unknown completion criterion %r", enrolment.course_id, name)
            unmet.append(name)
        elif not found.evaluate(enrolment, option):
            unmet.append(name)
    return unmet


def check_completion(enrolment: Enrolment) -> bool:
    """Mark the enrolment complete if its rule is met; True only for the call that completed it."""
    if enrolment.completed_at is not None or unmet_criteria(enrolment):
        return False
    now, version = utcnow(), enrolment.course.version
    # A conditional UPDATE: of two concurrent requests only one changes the row.
    result = db.session.execute(
        sa.update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.completed_at.is_(None))
        .values(completed_at=now, completed_version=version)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(enrolment)
        return False
    db.session.refresh(enrolment)
    logger.info(
        "enrolment %s (user %s, course %s v%s) completed",
        enrolment.id,
        enrolment.user_id,
        enrolment.course_id,
        version,
    )
    course_completed.send(current_app._get_current_object(), enrolment=enrolment)
    return True


# ---------------------------------------------------------------- the built-in criterion


def lessons_done(enrolment: Enrolment, option: Any) -> bool:
    """ "required": every required lesson is done; "all": every lesson is done."""
    missing = (
        sa.select(sa.func.count(Lesson.id))
        .where(Lesson.course_id == enrolment.course_id, Lesson.archived_at.is_(None))
        .where(
            ~sa.exists().where(
                LessonCompletion.enrolment_id == enrolment.id, LessonCompletion.lesson_id == Lesson.id
            )
        )
    )
    if option != "all":
        missing = missing.where(Lesson.required.is_(True))
    return db.session.scalar(missing) == 0


register_criterion(
    "lessons",
    lessons_done,
    label=_l("Pelajaran"),
    options=[
        ("required", _l("Semua pelajaran wajib sudah ditandai selesai")),
        ("all", _l("Semua pelajaran, termasuk pengayaan, sudah ditandai selesai")),
    ],
    default="required",
)
