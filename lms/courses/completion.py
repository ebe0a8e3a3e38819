"""When is a course completed? An open set of criteria, and the `course_completed` signal.

Each course stores its rule as {criterion name: option}, e.g. {"lessons": "required"}. Features
add criteria without editing this package::

    register_criterion("quizzes", evaluate, label=_l("Kuis"), options=[("required", _l("..."))])

`evaluate(enrolment, option) -> bool` says whether the learner meets the criterion. A criterion
whose items are marked one by one ("Wajib untuk kelulusan kursus" on a quiz or a webinar) also
registers `items(user_id, rules) -> {course_id: [RequiredItem]}`: the items the rule requires in
each course (rules maps course id -> option), with whether that user meets each one, and
`items_for(pairs, rules) -> {(user_id, course_id): [RequiredItem]}`, the same for many learners at
once (reports; one person's pages go through it too, so both count alike). A page that reads its
course or its enrolments in one statement reads the items in it too (`item_columns`): for that,
a criterion registers `item_rows(course_id, user_id) -> Select`, its item rows for a course and a
learner given as SQL expressions of that statement, and `items_from_rows(rows, option)`, the
items those rows (dicts) make under the rule's option. The same
items give the outline its list, progress its count, and `rule_problems` the check that a rule
never ignores an item the course page calls required. A feature
whose state changes (a quiz passed, a webinar attended) calls `check_completion(enrolment)`.
When every criterion of the rule is met the enrolment is marked complete exactly once (even
under concurrent requests) and `signals.course_completed` is sent with the enrolment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..core.clock import utcnow
from ..core.together import json_array, rows_reader
from ..extensions import db
from .models import Course, Enrolment, Lesson, LessonCompletion
from .signals import course_completed

logger = logging.getLogger(__name__)

Evaluate = Callable[[Enrolment, Any], bool]


@dataclass
class RequiredItem:
    """A quiz or webinar the course's rule requires; `met` is None when nobody was asked about."""

    criterion: str
    title: str
    endpoint: str  # where the learner goes for it: url_for(endpoint, **values)
    values: dict = field(default_factory=dict)
    met: bool | None = None
    kind: Any = ""  # what it is, for the learner ("Kuis", "Webinar")
    labels: tuple[Any, Any] = (_l("Terpenuhi"), _l("Belum terpenuhi"))  # (met, not met)

    @property
    def state(self) -> str:
        return str(self.labels[0] if self.met else self.labels[1])


Items = Callable[[int | None, dict[int, str]], dict[int, list[RequiredItem]]]
Pair = tuple[int, int]  # (user id, course id)
ItemsFor = Callable[[Collection[Pair], dict[int, str]], dict[Pair, list[RequiredItem]]]
ItemRows = Callable[[sa.ColumnElement, sa.ColumnElement], sa.Select]
ItemsFromRows = Callable[[list[dict[str, Any]], Any], list[RequiredItem]]


@dataclass(frozen=True)
class Criterion:
    name: str
    evaluate: Evaluate
    label: Any
    options: tuple[tuple[str, Any], ...]
    default: str | None
    items: Items | None = None
    # What the trainer reads when the rule would ignore required items: called with n, titles.
    ignored_message: Callable[..., Any] | None = None
    items_for: ItemsFor | None = None
    item_rows: ItemRows | None = None
    items_from_rows: ItemsFromRows | None = None


_criteria: dict[str, Criterion] = {}


def register_criterion(
    name: str,
    evaluate: Evaluate,
    *,
    label: Any = None,
    options: Sequence[tuple[str, Any]] = (),
    default: str | None = None,
    items: Items | None = None,
    ignored_message: Callable[..., Any] | None = None,
    items_for: ItemsFor | None = None,
    item_rows: ItemRows | None = None,
    items_from_rows: ItemsFromRows | None = None,
) -> None:
    """Add (or replace) a completion criterion; options are (value, label) pairs for the form."""
    _criteria[name] = Criterion(
        name,
        evaluate,
        label or name,
        tuple(options),
        default,
        items,
        ignored_message,
        items_for,
        item_rows,
        items_from_rows,
    )


def criteria() -> list[Criterion]:
    return list(_criteria.values())


def criterion(name: str) -> Criterion | None:
    return _criteria.get(name)


def default_rule() -> dict[str, str]:
    return {c.name: c.default for c in _criteria.values() if c.default}


def required_items(courses: list[Course], user_id: int | None = None) -> dict[int, list[RequiredItem]]:
    """The quizzes and webinars each course's rule requires, with the user's state of each (one
    query or two per criterion, whatever the number of courses)."""
    if user_id is not None:
        found = required_items_for([(user_id, course.id) for course in courses], courses)
        return {course.id: found[(user_id, course.id)] for course in courses}
    found_by_course: dict[int, list[RequiredItem]] = {course.id: [] for course in courses}
    for item_criterion in _criteria.values():
        if item_criterion.items is None:
            continue
        rules = _rules(courses, item_criterion)
        if rules:
            for course_id, items in item_criterion.items(None, rules).items():
                found_by_course.setdefault(course_id, []).extend(items)
    return found_by_course


def required_items_for(pairs: Collection[Pair], courses: Iterable[Course]) -> dict[Pair, list[RequiredItem]]:
    """The required quizzes and webinars of many (user id, course id) pairs, with each user's
    state of each: one query or two per criterion, whatever the number of users and courses.
    `courses` holds (at least) the courses of the pairs."""
    courses = list({course.id: course for course in courses}.values())
    found: dict[Pair, list[RequiredItem]] = {pair: [] for pair in pairs}
    for item_criterion in _criteria.values():
        if item_criterion.items is None:
            continue
        rules = _rules(courses, item_criterion)
        wanted = [pair for pair in found if pair[1] in rules]
        if not wanted:
            continue
        users = {user_id for user_id, _course_id in wanted}
        if item_criterion.items_for is not None and len(users) > 1:
            answer = item_criterion.items_for(wanted, rules)
        else:  # one person (a page: `items` reads it in one statement), or a criterion without items_for
            answer = {
                (user_id, course_id): items
                for user_id in users
                for course_id, items in item_criterion.items(user_id, rules).items()
            }
        for pair in wanted:
            found[pair].extend(answer.get(pair, []))
    return found


@dataclass(frozen=True)
class ItemColumns:
    """Columns that read the required items inside another statement, one per criterion that
    can (`item_rows`): its rows for one course and learner as a JSON array. A criterion with
    items but without `item_rows` is asked apart, as `required_items` would."""

    criteria: tuple[Criterion, ...]  # every criterion with items, in the order they registered
    columns: tuple[sa.ScalarSelect, ...]
    readers: dict[str, tuple[int, Callable[[Any], list[dict[str, Any]]]]]  # name -> (column, reader)

    def items(self, course: Course, user_id: int, values: Sequence[Any]) -> list[RequiredItem]:
        """The items the course's rule requires, from the values these columns read in a row:
        what `required_items([course], user_id)` returns for that row's learner."""
        rule = course.completion_rule or {}
        found: list[RequiredItem] = []
        for item_criterion in self.criteria:
            if not (option := rule.get(item_criterion.name)):
                continue
            if item_criterion.name in self.readers:
                index, read = self.readers[item_criterion.name]
                found.extend(item_criterion.items_from_rows(read(values[index]), option))
            else:
                found.extend(item_criterion.items(user_id, {course.id: option}).get(course.id, []))
        return found


def item_columns(course_id: sa.ColumnElement, user_id: sa.ColumnElement, dialect: str) -> ItemColumns:
    """The columns that read the required items of the course `course_id` for the learner
    `user_id` (expressions of the statement they go into) with its other reads, instead of a
    statement or two per criterion afterwards. Build them once, with that statement: the
    criteria register at import time."""
    with_items = tuple(c for c in _criteria.values() if c.items is not None)
    along = [c for c in with_items if c.item_rows is not None and c.items_from_rows is not None]
    queries = [c.item_rows(course_id, user_id) for c in along]
    return ItemColumns(
        with_items,
        tuple(json_array(query, dialect) for query in queries),
        {
            c.name: (index, rows_reader(query, dialect))
            for index, (c, query) in enumerate(zip(along, queries, strict=True))
        },
    )


def _rules(courses: Iterable[Course], item_criterion: Criterion) -> dict[int, str]:
    return {
        course.id: option
        for course in courses
        if (option := (course.completion_rule or {}).get(item_criterion.name))
    }


def rule_problems(course: Course, rule: dict[str, str | None] | None = None) -> list[tuple[str, Any]]:
    """(criterion name, message) for every criterion the rule leaves out although the course marks
    some of its items required: such a rule would award certificates the course page denies."""
    rule = course.completion_rule if rule is None else rule
    problems = []
    if course.id is None:
        return problems
    for item_criterion in _criteria.values():
        if item_criterion.items is None or (rule or {}).get(item_criterion.name):
            continue
        ignored = item_criterion.items(None, {course.id: "required"}).get(course.id, [])
        if ignored:
            titles = ", ".join(item.title for item in ignored[:3]) + (", ..." if len(ignored) > 3 else "")
            message = (
                item_criterion.ignored_message(n=len(ignored), titles=titles)
                if item_criterion.ignored_message
                else item_criterion.name
            )
            problems.append((item_criterion.name, message))
    return problems


def require(course: Course, name: str) -> bool:
    """Make the rule require the items of criterion `name` that are marked required (when it does
    not count them already); True when the rule changed."""
    rule = dict(course.completion_rule or {})
    if rule.get(name):
        return False
    rule[name] = "required"
    course.completion_rule = rule
    logger.info("course %s: completion rule now requires its required %s", course.id, name)
    return True


def _unmet(enrolment: Enrolment) -> Iterator[str]:
    """The criteria of the course's rule that the learner does not meet yet, evaluated one by one
    (each costs a statement or two: a caller that needs only the first stops there)."""
    for name, option in (enrolment.course.completion_rule or {}).items():
        if option in (None, ""):
            continue
        found = _criteria.get(name)
        if found is None:
            # A rule naming a criterion nobody registered must not complete courses early.
            logger.warning("course %s: unknown completion criterion %r", enrolment.course_id, name)
            yield name
        elif not found.evaluate(enrolment, option):
            yield name


def unmet_criteria(enrolment: Enrolment) -> list[str]:
    """Names of the criteria of the course's rule that the learner does not meet yet."""
    return list(_unmet(enrolment))


def check_completion(enrolment: Enrolment) -> bool:
    """Mark the enrolment complete if its rule is met; True only for the call that completed it."""
    if enrolment.completed_at is not None or next(_unmet(enrolment), None) is not None:
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
