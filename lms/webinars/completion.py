"""How webinars take part in course completion.

Courses own the completion rule (lms/courses/completion.py, an open set of criteria). This module
registers the "webinars" criterion: every webinar of the course marked "required for completion"
has the learner present (final attendance, or a trainer's correction). When attendance becomes
final or is corrected, the affected enrolments are re-evaluated through courses' own service.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..courses import completion
from ..courses.completion import Pair, RequiredItem, check_completion, register_criterion
from ..courses.models import Course, Enrolment
from ..extensions import db
from .models import Attendance, Webinar

logger = logging.getLogger(__name__)

CRITERION = "webinars"


def _required(rules: dict[int, str]) -> list[Webinar]:
    return db.session.scalars(
        sa.select(Webinar)
        .where(Webinar.course_id.in_(list(rules)), Webinar.required_for_course.is_(True))
        .order_by(Webinar.course_id, Webinar.starts_at, Webinar.id)
    ).all()


def _item(webinar: Webinar, met: bool | None) -> RequiredItem:
    return RequiredItem(
        CRITERION,
        webinar.title,
        "webinars.detail",
        {"webinar_id": webinar.id},
        met,
        _l("Webinar"),
        (_l("Hadir"), _l("Belum hadir")),
    )


def required_webinars_for(pairs: Collection[Pair], rules: dict[int, str]) -> dict[Pair, list[RequiredItem]]:
    """The webinars each (user, course) pair's course marks required, with whether that user was
    present (two queries, whatever the number of users and courses)."""
    webinars = _required(rules)
    present: set[tuple[int, int]] = set()
    user_ids = {user_id for user_id, _course_id in pairs}
    if user_ids and webinars:
        present = {
            (user_id, webinar_id)
            for user_id, webinar_id in db.session.execute(
                sa.select(Attendance.user_id, Attendance.webinar_id).where(
                    Attendance.user_id.in_(user_ids),
                    Attendance.webinar_id.in_([webinar.id for webinar in webinars]),
                    Attendance.present.is_(True),
                )
            )
        }
    by_course: dict[int, list[Webinar]] = {}
    for webinar in webinars:
        by_course.setdefault(webinar.course_id, []).append(webinar)
    return {
        (user_id, course_id): [
            _item(webinar, (user_id, webinar.id) in present) for webinar in by_course.get(course_id, [])
        ]
        for user_id, course_id in pairs
    }


def _present(user_id) -> sa.ColumnElement:
    """Whether the user (a value or an SQL expression) was present at the row's webinar."""
    return (
        sa.select(Attendance.webinar_id)
        .where(
            Attendance.webinar_id == Webinar.id,
            Attendance.user_id == user_id,
            Attendance.present.is_(True),
        )
        # The webinar, and the learner when an expression, are the enclosing statements' rows
        # (automatic correlation looks one level up only).
        .correlate_except(Attendance)
        .exists()
    )


def required_webinars(user_id: int | None, rules: dict[int, str]) -> dict[int, list[RequiredItem]]:
    """The webinars each course marks required, with whether the user was present (one query:
    presence as an EXISTS column)."""
    present = _present(user_id) if user_id is not None else sa.null()
    rows = db.session.execute(
        sa.select(Webinar.id, Webinar.course_id, Webinar.title, present.label("present"))
        .where(Webinar.course_id.in_(list(rules)), Webinar.required_for_course.is_(True))
        .order_by(Webinar.course_id, Webinar.starts_at, Webinar.id)
    )
    found: dict[int, list[RequiredItem]] = {course_id: [] for course_id in rules}
    for webinar in rows:
        found[webinar.course_id].append(_item(webinar, None if user_id is None else bool(webinar.present)))
    return found


def item_rows(course_id: sa.ColumnElement, user_id: sa.ColumnElement) -> sa.Select:
    """The course's required webinars with the learner's presence, for
    `courses.completion.item_columns`."""
    return sa.select(Webinar.id, Webinar.title, Webinar.starts_at, _present(user_id).label("present")).where(
        Webinar.course_id == course_id, Webinar.required_for_course.is_(True)
    )


def items_from_rows(rows: list[dict[str, Any]], option: Any) -> list[RequiredItem]:
    """The items of one course's `item_rows` (JSON rows, in no order)."""
    ordered = sorted(rows, key=lambda row: (row["starts_at"], row["id"]))
    return [_item(SimpleNamespace(**row), bool(row["present"])) for row in ordered]


def required_webinars_attended(enrolment: Enrolment, option: Any) -> bool:
    """ "required": the learner was present at every required webinar of the course."""
    items = required_webinars(enrolment.user_id, {enrolment.course_id: option})
    return all(item.met for item in items[enrolment.course_id])


def _ignored(n: int, titles: str):
    return _l(
        "Kursus ini memiliki %(n)d webinar yang ditandai wajib untuk kelulusan (%(titles)s), tetapi "
        'syarat kelulusan Webinar diatur "Tidak dipakai". Pilih syarat webinar, atau hapus tanda '
        "wajib pada webinarnya.",
        n=n,
        titles=titles,
    )


register_criterion(
    CRITERION,
    required_webinars_attended,
    label=_l("Webinar"),
    options=[("required", _l("Hadir di setiap webinar yang ditandai wajib untuk kursus ini"))],
    items=required_webinars,
    ignored_message=_ignored,
    items_for=required_webinars_for,
    item_rows=item_rows,
    items_from_rows=items_from_rows,
)


def require_in_rule(course: Course) -> None:
    """A webinar marked required makes the course's rule include the webinar criterion."""
    completion.require(course, CRITERION)


def attendance_changed(webinar: Webinar, user_ids: set[int]) -> None:
    """Ask courses to re-evaluate the completion of the affected enrolments."""
    if webinar.course_id is None or not webinar.required_for_course or not user_ids:
        return
    enrolments = db.session.scalars(
        sa.select(Enrolment).where(
            Enrolment.course_id == webinar.course_id,
            Enrolment.user_id.in_(user_ids),
            Enrolment.completed_at.is_(None),
        )
    ).all()
    completed = sum(1 for enrolment in enrolments if check_completion(enrolment))
    logger.info(
        "webinar %s: course %s completion re-evaluated for %d enrolments, %d completed",
        webinar.id,
        webinar.course_id,
        len(enrolments),
        completed,
    )
