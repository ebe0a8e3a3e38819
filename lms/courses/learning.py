"""The learner's side of courses: catalogue, enrolment, lesson completion, progress, assignment.

Services take plain arguments, `flush()` and never `commit()`. Every query that feeds a list
page loads what the page shows up front, so a page costs the same number of queries whatever
the number of courses or lessons.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.agencies import can_manage_agency
from ..accounts.models import Unit, User
from ..competencies.models import Competency
from ..core.clock import utcnow
from ..core.inserts import insert_skipping_existing
from ..core.loaded import Columns, placed_in_order
from ..core.statements import built_once
from ..core.together import json_array, read_together, rows_reader
from ..extensions import db
from . import search
from .completion import (
    ItemColumns,
    RequiredItem,
    check_completion,
    item_columns,
    required_items,
    required_items_for,
)
from .errors import CourseError, CourseNotOpen, CoursePermissionDenied
from .models import Course, CourseCompetency, CourseStatus, Enrolment, Lesson, LessonCompletion, Module
from .signals import course_assigned

logger = logging.getLogger(__name__)

PAGE_SIZE = 12


# ---------------------------------------------------------------- catalogue


@dataclass
class CatalogueFilter:
    search: str = ""
    category: str = ""
    competency: str = ""  # competency code
    jp_min: int | None = None
    jp_max: int | None = None


def search_match(flt: CatalogueFilter) -> search.Match | None:
    """How the filter's words narrow the catalogue (None when no search was typed)."""
    return search.Match(search.words(flt.search)) if (flt.search or "").strip() else None


def catalogue_query(flt: CatalogueFilter, match: search.Match | None) -> tuple[sa.Select, dict[str, Any]]:
    """Published courses holding every search word (in the title, summary or lesson text; best
    match first) and matching the filters; without words, by title. With the values of its bind
    parameters: without words, the statement is built once for each set of filters in use.
    `match` is `search_match(flt)`."""
    query = _filtered(*_filters_in_use(flt))
    return (query if match is None else match.apply(query)), _filter_values(flt)


def _filters_in_use(flt: CatalogueFilter) -> tuple[str, bool, bool, bool, bool]:
    dialect = db.session.get_bind().dialect.name
    return dialect, bool(flt.category), bool(flt.competency), flt.jp_min is not None, flt.jp_max is not None


def _filter_values(flt: CatalogueFilter) -> dict[str, Any]:
    return {
        "category": flt.category,
        "competency": flt.competency.upper(),
        "jp_min": flt.jp_min,
        "jp_max": flt.jp_max,
    }


@dataclass(frozen=True)
class CourseTag:
    """A competency (and level) a course awards, as the catalogue shows it."""

    code: str
    name: str
    level: int


@dataclass(frozen=True)
class CourseCard:
    """A course as the catalogue lists it: plain values, its competencies as `CourseTag`s."""

    id: int
    slug: str
    title: str
    summary: str
    category: str
    jp: int
    version: int
    created_by_id: int | None
    competencies: tuple[CourseTag, ...]


@built_once
def _tags() -> sa.Select:
    return (
        sa.select(
            Competency.code.label("code"),
            Competency.name.label("name"),
            CourseCompetency.level.label("level"),
            CourseCompetency.competency_id.label("competency_id"),
        )
        .join(Competency, Competency.id == CourseCompetency.competency_id)
        .where(CourseCompetency.course_id == Course.id)
    )


_CARD = (Course.id, Course.slug, Course.title, Course.summary, Course.category, Course.jp, Course.version)


@built_once(maxsize=32)
def _filtered(dialect: str, category: bool, competency: bool, jp_min: bool, jp_max: bool) -> sa.Select:
    # Built once per combination: building and keying this statement cost more than running it.
    # Plain columns and the competencies as one JSON column: no ORM object per course and tag.
    query = (
        sa.select(*_CARD, Course.created_by_id, json_array(_tags(), dialect).label("tags"))
        .where(Course.status == CourseStatus.PUBLISHED)
        .order_by(Course.title, Course.id)
    )
    if category:
        query = query.where(Course.category == sa.bindparam("category"))
    if competency:
        query = query.where(
            Course.id.in_(
                sa.select(CourseCompetency.course_id)
                .join(Competency)
                .where(Competency.code == sa.bindparam("competency"))
            )
        )
    if jp_min:
        query = query.where(Course.jp >= sa.bindparam("jp_min"))
    if jp_max:
        query = query.where(Course.jp <= sa.bindparam("jp_max"))
    return query


def _one_page(query: sa.Select) -> sa.Select:
    return (
        query.add_columns(sa.func.count().over().label("total"))
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .offset(sa.bindparam("offset", type_=sa.Integer))
    )


@built_once(maxsize=32)
def _one_page_filtered(*filters_in_use) -> sa.Select:
    return _one_page(_filtered(*filters_in_use))


@cache
def _read_tags(dialect: str) -> Callable[[Any], list[dict[str, Any]]]:
    return rows_reader(_tags(), dialect)


def card_of(course: Course) -> CourseCard:
    """The card of a course already loaded as an ORM object (its competencies are loaded)."""
    return CourseCard(
        *(getattr(course, column.key) for column in _CARD),
        course.created_by_id,
        tuple(CourseTag(cc.competency.code, cc.competency.name, cc.level) for cc in course.competencies),
    )


def _card(row, read_tags) -> CourseCard:
    tags = sorted(read_tags(row.tags), key=lambda tag: tag["competency_id"])
    return CourseCard(
        *row[: len(_CARD)],
        row.created_by_id,
        tuple(CourseTag(tag["code"], tag["name"], tag["level"]) for tag in tags),
    )


@dataclass
class CataloguePage:
    """One page of the catalogue, shaped like Flask-SQLAlchemy's Pagination (which the templates
    and the API read), but fetched with its total in the same statement."""

    items: list[CourseCard]
    page: int
    per_page: int
    total: int
    # Course id -> a passage of its lesson text with the search words in <mark> (escaped HTML).
    snippets: dict[int, Markup] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def catalogue(flt: CatalogueFilter, page: int = 1, per_page: int = PAGE_SIZE) -> CataloguePage:
    """One page of the published catalogue with the courses' competencies and the number of
    matching courses, in one statement (a window count instead of a second COUNT query); a
    search adds one statement for the snippets of the page's courses."""
    page = max(page, 1)
    match = search_match(flt)
    query, params = catalogue_query(flt, match)
    # A search's statement is new each time (its words are in it): not worth keeping.
    one_page = _one_page_filtered(*_filters_in_use(flt)) if match is None else _one_page(query)
    values = {**params, "limit": per_page, "offset": (page - 1) * per_page}
    # Plain columns: on the session's connection, without the ORM's result handling.
    rows = db.session.connection().execute(one_page, values).all()
    read_tags = _read_tags(db.session.get_bind().dialect.name)
    items = [_card(row, read_tags) for row in rows]
    total = rows[0].total if rows else 0
    if not items and page > 1:  # past the last page: the window saw no row to count
        total = db.session.scalar(
            sa.select(sa.func.count()).select_from(query.options().order_by(None).subquery()), params
        )
    snippets = match.snippets([course.id for course in items]) if match is not None else {}
    return CataloguePage(items, page, per_page, total or 0, snippets)


@dataclass(frozen=True)
class CompetencyOption:
    code: str
    name: str


Filters = tuple[tuple[str, ...], tuple[CompetencyOption, ...]]


def catalogue_filters() -> Filters:
    """What the catalogue's filters offer: the categories that published courses use, and the SKJ
    competencies (by type, then code). The same for everyone, and changed only when a course is
    published or the catalogue of competencies is: a process keeps it for
    `CATALOGUE_FILTERS_SECONDS` instead of reading it at every catalogue page (a statement of its
    three), so a new category shows in the filter up to that long after its first course."""
    seconds = current_app.config["CATALOGUE_FILTERS_SECONDS"]
    now = time.monotonic()
    kept = current_app.extensions.get("lms_catalogue_filters")
    if seconds > 0 and kept is not None and kept[0] > now:
        return kept[1]
    found = _read_catalogue_filters()
    if seconds > 0:
        current_app.extensions["lms_catalogue_filters"] = (now + seconds, found)
    return found


def _read_catalogue_filters() -> Filters:
    """`catalogue_filters`, read now, in one statement."""
    categories: list[str] = []
    competencies: list[CompetencyOption] = []
    for kind, _sort, code, name in db.session.execute(_filters_query()):
        if kind == 0:
            categories.append(code)
        else:
            competencies.append(CompetencyOption(code, name))
    return tuple(categories), tuple(competencies)


@built_once
def _filters_query() -> sa.Select:
    categories = (
        sa.select(
            sa.literal(0).label("kind"),
            sa.literal("").label("sort"),
            Course.category.label("code"),
            sa.literal("").label("name"),
        )
        .where(Course.status == CourseStatus.PUBLISHED, Course.category != "")
        .distinct()
    )
    competencies = sa.select(
        sa.literal(1).label("kind"),
        sa.cast(Competency.type, sa.String).label("sort"),
        Competency.code.label("code"),
        Competency.name.label("name"),
    ).where(Competency.agency_id.is_(None))
    union = sa.union_all(categories, competencies).subquery()
    return sa.select(union).order_by(union.c.kind, union.c.sort, union.c.code)


def categories() -> list[str]:
    """The categories that published courses use, for the catalogue filter."""
    query = (
        sa.select(Course.category)
        .distinct()
        .where(Course.status == CourseStatus.PUBLISHED, Course.category != "")
        .order_by(Course.category)
    )
    return list(db.session.scalars(query))


# ---------------------------------------------------------------- the course's outline


@dataclass
class Outline:
    """A course's active modules, each with its active lessons, in order; and the quizzes and
    webinars its rule requires with the learner's state, when they were read with it. Modules
    and lessons are ORM objects (`outline`, `outline_and_done`), or on the learner's pages
    `OutlineEntry`s (`course_outline`): read only their id, title and `required` through it."""

    modules: list[tuple[Module | OutlineEntry, list[Lesson | OutlineEntry]]]
    items: list[RequiredItem] | None = None

    @property
    def lessons(self) -> list[Lesson]:
        return [lesson for _, lessons in self.modules for lesson in lessons]

    def neighbours(self, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
        flat = self.lessons
        index = flat.index(lesson)
        return (flat[index - 1] if index > 0 else None, flat[index + 1] if index + 1 < len(flat) else None)

    def find(self, lesson_id: int) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)


def outline(course: Course) -> Outline:
    """The course's modules and lessons in one query, archived ones left out."""
    return outline_and_done(course, None)[0]


def outline_and_done(course: Course, enrolment: Enrolment | None) -> tuple[Outline, set[int]]:
    """The course's outline and the ids of the lessons the enrolment completed, in one statement
    (modules outer-joined to their active lessons and to the enrolment's completions)."""
    query = (
        sa.select(Module, Lesson)
        .outerjoin(Lesson, sa.and_(Lesson.module_id == Module.id, Lesson.archived_at.is_(None)))
        .where(Module.course_id == course.id, Module.archived_at.is_(None))
        .order_by(Module.position, Module.id, Lesson.position, Lesson.id)
    )
    if enrolment is not None:
        query = query.add_columns(LessonCompletion.id).outerjoin(
            LessonCompletion,
            sa.and_(LessonCompletion.lesson_id == Lesson.id, LessonCompletion.enrolment_id == enrolment.id),
        )
    modules: dict[int, tuple[Module, list[Lesson]]] = {}
    done: set[int] = set()
    for row in db.session.execute(query):
        module, lesson = row[0], row[1]
        entry = modules.setdefault(module.id, (module, []))
        if lesson is not None:
            entry[1].append(lesson)
            if enrolment is not None and row[2] is not None:
                done.add(lesson.id)
    return Outline(list(modules.values())), done


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    """A module or a lesson of the outline a learning page reads with its course
    (`course_outline`): what the outline, the progress and the navigation need of it, read as
    JSON rather than as ORM objects (each entity of each row cost the ORM more Python than the
    statement)."""

    id: int
    title: str
    required: bool = True


@built_once
def _outline_query(
    dialect: str, with_items: bool
) -> tuple[sa.Select, tuple[Columns, Columns, Columns], Callable, ItemColumns | None]:
    # Built once per dialect and need of items, with bind parameters: building and keying a
    # statement of this size costs more Python than running it.
    entries = (
        sa.select(
            Module.id.label("module_id"),
            Module.title.label("module_title"),
            Module.position.label("module_position"),
            Lesson.id.label("id"),
            Lesson.title.label("title"),
            Lesson.required.label("required"),
            Lesson.position.label("position"),
            LessonCompletion.id.label("completion_id"),
        )
        .select_from(
            sa.outerjoin(
                Module, Lesson, sa.and_(Lesson.module_id == Module.id, Lesson.archived_at.is_(None))
            ).outerjoin(
                LessonCompletion,
                sa.and_(
                    LessonCompletion.lesson_id == Lesson.id, LessonCompletion.enrolment_id == Enrolment.id
                ),
            )
        )
        .where(Module.course_id == Course.id, Module.archived_at.is_(None))
    )
    items = item_columns(Course.id, Enrolment.user_id, dialect) if with_items else None
    # Plain columns, the objects made from them (core.loaded); not the columns no learning page
    # reads (a few timestamps and texts): they load if something reads them.
    course, enrolment, lesson = placed_in_order(
        Columns.of(
            Course,
            label="course",
            leave_out=(Course.summary, Course.created_at, Course.updated_at, Course.published_at),
        ),
        Columns.of(Enrolment, label="enrolment", leave_out=(Enrolment.enrolled_at, Enrolment.reminded_at)),
        Columns.of(
            Lesson,
            label="lesson",
            leave_out=(Lesson.body_md, Lesson.source_file, Lesson.created_at, Lesson.updated_at),
        ),
    )
    query = (
        sa.select(
            *course.columns,
            *enrolment.columns,
            *lesson.columns,
            json_array(entries, dialect),
            *(items.columns if items else ()),
        )
        .select_from(Course)
        .outerjoin(
            Enrolment, sa.and_(Enrolment.course_id == Course.id, Enrolment.user_id == sa.bindparam("user_id"))
        )
        .outerjoin(Lesson, sa.and_(Lesson.course_id == Course.id, Lesson.id == sa.bindparam("lesson_id")))
        .where(Course.slug == sa.bindparam("slug"))
    )
    return query, (course, enrolment, lesson), rows_reader(entries, dialect), items


def course_outline(
    slug: str, user: User, *, lesson_id: int | None = None, items: bool = False
) -> tuple[Course | None, Enrolment | None, Outline, set[int], Lesson | None]:
    """The course with this slug, the user's enrolment in it, its outline (of `OutlineEntry`s),
    the lessons done and the course's lesson `lesson_id` (an ORM object, with its body), in one
    statement of one row: the outline and the completions come as a JSON column. With `items`,
    when the user is enrolled, the outline also holds the required items (`Outline.items`)."""
    params = {"slug": slug, "user_id": user.id, "lesson_id": lesson_id}
    dialect = db.session.get_bind().dialect.name
    query, models, read_entries, item_reads = _outline_query(dialect, items)
    row = db.session.connection().execute(query, params).one_or_none()
    if row is None:
        return None, None, Outline([]), set(), None
    course, enrolment, lesson = (columns.load(row) for columns in models)
    entries, *item_values = row[models[-1].end :]
    modules: dict[int, tuple[OutlineEntry, list[OutlineEntry]]] = {}
    done: set[int] = set()
    in_order = sorted(
        read_entries(entries),
        key=lambda e: (e["module_position"], e["module_id"], e["position"] or 0, e["id"] or 0),
    )
    for entry in in_order:
        lessons = modules.setdefault(
            entry["module_id"], (OutlineEntry(entry["module_id"], entry["module_title"]), [])
        )[1]
        if entry["id"] is not None:
            lessons.append(OutlineEntry(entry["id"], entry["title"], entry["required"]))
            if entry["completion_id"] is not None:
                done.add(entry["id"])
    required = None
    if item_reads is not None and enrolment is not None:
        required = item_reads.items(course, enrolment.user_id, item_values)
    return course, enrolment, Outline(list(modules.values()), required), done, lesson


# ---------------------------------------------------------------- enrolment and progress


def course_and_enrolment(slug: str, user: User) -> tuple[Course | None, Enrolment | None]:
    """The course with this slug and the user's enrolment in it, in one statement."""
    row = db.session.execute(
        sa.select(Course, Enrolment)
        .outerjoin(Enrolment, sa.and_(Enrolment.course_id == Course.id, Enrolment.user_id == user.id))
        .where(Course.slug == slug)
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


def enrolment_of(user_id: int, course_id: int) -> Enrolment | None:
    """The enrolment of a user in a course, with its course, in one statement."""
    return db.session.scalar(
        sa.select(Enrolment)
        .where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
        .options(joinedload(Enrolment.course))
    )


def enrolment_for(user: User, course: Course) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )


def enrol(
    learner: User, course: Course, *, by: User | None = None, due_date: date | None = None
) -> Enrolment:
    """Enrol a learner in a published course; enrolling twice returns the existing enrolment."""
    if not course.is_published:
        raise CourseNotOpen(_l("Kursus ini belum dibuka untuk pendaftaran."))
    existing = enrolment_for(learner, course)
    if existing is not None:
        return existing
    enrolment = Enrolment(
        user_id=learner.id,
        course_id=course.id,
        due_date=due_date,
        assigned_by_id=by.id if by and by.id != learner.id else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(enrolment)
    except IntegrityError:  # enrolled by a concurrent request
        return enrolment_for(learner, course)
    logger.info("user %s enrolled in course %s (by %s)", learner.id, course.id, by and by.id)
    if enrolment.assigned_by_id is not None:
        course_assigned.send(current_app._get_current_object(), enrolments=[enrolment], by=by)
    return enrolment


def completed_lesson_ids(enrolment: Enrolment) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(LessonCompletion.lesson_id).where(LessonCompletion.enrolment_id == enrolment.id)
        )
    )


def mark_lesson_done(enrolment: Enrolment, lesson: Lesson) -> bool:
    """Record that the learner finished a lesson (idempotent), then check course completion.

    Returns True when this call completed the course.
    """
    if lesson.course_id != enrolment.course_id or lesson.archived_at is not None:
        raise CourseError(_l("Pelajaran ini bukan bagian dari kursus Anda."))
    if not enrolment.course.is_published:
        raise CourseNotOpen(_l("Kursus ini belum dibuka untuk pendaftaran."))
    exists = sa.select(LessonCompletion.id).where(
        LessonCompletion.enrolment_id == enrolment.id, LessonCompletion.lesson_id == lesson.id
    )
    if db.session.scalar(exists) is None:
        try:
            with db.session.begin_nested():
                db.session.add(LessonCompletion(enrolment_id=enrolment.id, lesson_id=lesson.id))
        except IntegrityError:  # marked by a concurrent request
            pass
    return check_completion(enrolment)


@dataclass(frozen=True)
class Progress:
    """Progress against everything the course's rule requires: the lessons it counts and the
    required quizzes and webinars. 100 % means complete, and only complete is 100 %."""

    done: int
    total: int
    complete: bool
    lessons_done: int = 0
    lessons_total: int = 0
    items: tuple[RequiredItem, ...] = field(default=())

    @property
    def percent(self) -> int:
        if self.complete:
            return 100
        return min(99, 100 * self.done // self.total) if self.total else 0

    @property
    def pending_items(self) -> list[RequiredItem]:
        """Required quizzes and webinars not met yet."""
        return [item for item in self.items if not item.met]

    @property
    def lessons_finished(self) -> bool:
        return self.lessons_done >= self.lessons_total


def _counts(rule: dict, required_count: int, all_count: int) -> int:
    return all_count if (rule or {}).get("lessons") == "all" else required_count


def make_progress(
    enrolment: Enrolment, lessons_done: int, lessons_total: int, items: list[RequiredItem]
) -> Progress:
    met = sum(1 for item in items if item.met)
    return Progress(
        lessons_done + met,
        lessons_total + len(items),
        enrolment.is_complete,
        lessons_done,
        lessons_total,
        tuple(items),
    )


def progress(
    enrolment: Enrolment,
    lessons: list[Lesson],
    done_ids: set[int],
    items: list[RequiredItem] | None = None,
) -> Progress:
    """Progress against the lessons the course's rule counts (the required ones by default) and
    the quizzes and webinars it requires (`items`, looked up when not given)."""
    every = (enrolment.course.completion_rule or {}).get("lessons") == "all"
    counted = [lesson for lesson in lessons if lesson.required or every]
    done = sum(1 for lesson in counted if lesson.id in done_ids)
    if items is None:
        items = required_items([enrolment.course], enrolment.user_id)[enrolment.course_id]
    return make_progress(enrolment, done, len(counted), items)


def continue_lesson(lessons: list[Lesson], done_ids: set[int]) -> Lesson | None:
    """Where to continue: the first lesson not done yet, else the first lesson."""
    for lesson in lessons:
        if lesson.id not in done_ids:
            return lesson
    return lessons[0] if lessons else None


@dataclass
class EnrolmentProgress:
    """One enrolment with its course's outline, the lessons done and the progress."""

    enrolment: Enrolment
    lessons: list[Lesson]
    done_ids: set[int]
    progress: Progress

    @property
    def continue_at(self) -> Lesson | None:
        return continue_lesson(self.lessons, self.done_ids)


def enrolments_with_progress(user: User) -> list[EnrolmentProgress]:
    """Every enrolment of the user, newest first, with outline and progress, in a fixed number of
    queries whatever the number of enrolments (courses with their competencies, modules with
    lessons, completions)."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.user_id == user.id)
        .options(
            selectinload(Enrolment.course)
            .selectinload(Course.competencies)
            .selectinload(CourseCompetency.competency)
        )
        .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
    ).all()
    if not enrolments:
        return []
    lessons: dict[int, list[Lesson]] = {}
    for module in db.session.scalars(
        sa.select(Module)
        .where(Module.course_id.in_({e.course_id for e in enrolments}), Module.archived_at.is_(None))
        .order_by(Module.position, Module.id)
        .options(selectinload(Module.lessons))
    ):
        lessons.setdefault(module.course_id, []).extend(
            sorted(module.active_lessons, key=lambda x: x.position)
        )
    done: dict[int, set[int]] = {e.id: set() for e in enrolments}
    for enrolment_id, lesson_id in db.session.execute(
        sa.select(LessonCompletion.enrolment_id, LessonCompletion.lesson_id).where(
            LessonCompletion.enrolment_id.in_(done)
        )
    ):
        done[enrolment_id].add(lesson_id)
    items = required_items(list({e.course_id: e.course for e in enrolments}.values()), user.id)
    return [
        EnrolmentProgress(
            e,
            lessons.get(e.course_id, []),
            done[e.id],
            progress(e, lessons.get(e.course_id, []), done[e.id], items.get(e.course_id, [])),
        )
        for e in enrolments
    ]


# ---------------------------------------------------------------- the learner's home panel


@dataclass(frozen=True)
class CourseBrief:
    """What the home panel shows of a course, and its rule for counting progress."""

    id: int
    slug: str
    title: str
    completion_rule: dict | None


@dataclass(frozen=True)
class EnrolmentBrief:
    """An enrolment as the home panel reads it: plain values from the page's shared statement."""

    id: int
    user_id: int
    course_id: int
    course: CourseBrief
    enrolled_at: Any
    due_date: date | None
    completed_at: Any

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


@dataclass
class EnrolmentSummary:
    enrolment: EnrolmentBrief
    progress: Progress


@dataclass
class LearnerSummary:
    in_progress: list[EnrolmentSummary]
    assigned: list[EnrolmentSummary]
    completed_count: int
    # JP is not counted here: the careers JP ledger is its one source (home panel of careers).


def _lesson_count(*, required_only: bool) -> sa.ScalarSelect:
    query = sa.select(sa.func.count(Lesson.id)).where(
        Lesson.course_id == Enrolment.course_id, Lesson.archived_at.is_(None)
    )
    return (query.where(Lesson.required.is_(True)) if required_only else query).scalar_subquery()


def _done_count(*, required_only: bool) -> sa.ScalarSelect:
    query = (
        sa.select(sa.func.count(LessonCompletion.id))
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .where(LessonCompletion.enrolment_id == Enrolment.id, Lesson.archived_at.is_(None))
    )
    return (query.where(Lesson.required.is_(True)) if required_only else query).scalar_subquery()


# The lessons an open enrolment counts (required, all) and has done (required, all): columns of a
# statement on `Enrolment`, 0 for a completed enrolment. The home page and the reports both count
# progress with them.
_COUNTS = ("required_total", "all_total", "required_done", "all_done")


def _count_columns() -> list[sa.ColumnElement]:
    open_only = Enrolment.completed_at.is_(None)
    return [
        sa.case((open_only, count), else_=0).label(name)
        for name, count in zip(
            _COUNTS,
            (
                _lesson_count(required_only=True),
                _lesson_count(required_only=False),
                _done_count(required_only=True),
                _done_count(required_only=False),
            ),
            strict=True,
        )
    ]


def _progress(enrolment, rule: dict | None, counts, items: list[RequiredItem]) -> Progress:
    required_total, all_total, required_done, all_done = counts
    finished, total = _counts(rule, required_done, all_done), _counts(rule, required_total, all_total)
    return make_progress(enrolment, finished, total, items)


@built_once(maxsize=16)
def _with_counts(query: sa.Select) -> sa.Select:
    # Kept for a query built once; queries built per call (reports) pass through the small cache.
    return query.add_columns(*_count_columns()).options(joinedload(Enrolment.course))


def with_progress(query: sa.Select, params: dict | None = None) -> list[tuple[Enrolment, Progress]]:
    """The enrolments a select of `Enrolment` returns (any learners, any courses), each with its
    progress exactly as the learner's own pages count it (lessons the rule counts, required
    quizzes and webinars): the query's one statement with the lessons counted and done, then one
    or two queries per completion criterion for the open enrolments, whatever their number (one
    per criterion when they are all one learner's). `params`: values of the query's bindparams."""
    rows = db.session.execute(_with_counts(query), params or {}).all()
    open_rows = [row for row in rows if row[0].completed_at is None]
    pairs = [(row[0].user_id, row[0].course_id) for row in open_rows]
    found = required_items_for(pairs, [row[0].course for row in open_rows])
    return [
        (e, _progress(e, e.course.completion_rule, counts, found.get((e.user_id, e.course_id), [])))
        for e, *counts in rows
    ]


@cache
def _summary_items(dialect: str) -> ItemColumns:
    return item_columns(Enrolment.course_id, Enrolment.user_id, dialect)


def summary_rows() -> sa.Select:
    """The learner's enrolments (bind parameter `user_id`) with their counts and, for the open
    ones, the required items as JSON: a read of the home page's shared statement
    (`core.together`), so the panel costs no statement of its own."""
    items = _summary_items(db.session.get_bind().dialect.name)
    open_only = Enrolment.completed_at.is_(None)
    return (
        sa.select(
            Enrolment.id,
            Enrolment.course_id,
            Enrolment.enrolled_at,
            Enrolment.due_date,
            Enrolment.completed_at,
            Course.slug,
            Course.title,
            Course.completion_rule,
            *_count_columns(),
            *(sa.case((open_only, column)).label(f"items_{n}") for n, column in enumerate(items.columns)),
        )
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == sa.bindparam("user_id"))
    )


def summary_of(rows: list[dict[str, Any]], user_id: int) -> LearnerSummary:
    """The home panel's summary from the rows `summary_rows` read: assigned courses by due date,
    the others most recently enrolled first."""
    items = _summary_items(db.session.get_bind().dialect.name)
    summaries, completed = [], 0
    for row in rows:
        course = CourseBrief(row["course_id"], row["slug"], row["title"], row["completion_rule"])
        enrolment = EnrolmentBrief(
            row["id"], user_id, course.id, course, row["enrolled_at"], row["due_date"], row["completed_at"]
        )
        if enrolment.is_complete:
            completed += 1
            continue
        values = [row[f"items_{n}"] for n in range(len(items.columns))]
        required = items.items(course, user_id, values)
        counts = [row[name] for name in _COUNTS]
        progress = _progress(enrolment, course.completion_rule, counts, required)
        summaries.append(EnrolmentSummary(enrolment, progress))
    summaries.sort(key=lambda s: (s.enrolment.due_date or date.max, -s.enrolment.enrolled_at.timestamp()))
    return LearnerSummary(
        in_progress=[s for s in summaries if s.enrolment.due_date is None],
        assigned=[s for s in summaries if s.enrolment.due_date is not None],
        completed_count=completed,
    )


def learner_summary(user: User) -> LearnerSummary:
    """Courses in progress and assigned (with progress, required quizzes and webinars counted)
    and the number completed, in one statement (the home page reads it with its other panels)."""
    rows = read_together({"summary": summary_rows}, {"user_id": user.id})["summary"]
    return summary_of(rows, user.id)


# ---------------------------------------------------------------- assignment by an agency admin


@dataclass(frozen=True)
class AssignmentResult:
    enrolled: int
    updated: int
    unchanged: int


def unit_with_descendants(unit: Unit) -> list[int]:
    """The unit's id and the ids of every unit below it (one query)."""
    rows = db.session.execute(
        sa.select(Unit.id, Unit.parent_id).where(Unit.agency_id == unit.agency_id)
    ).all()
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in rows:
        children.setdefault(parent_id, []).append(unit_id)
    found, stack = [], [unit.id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.append(current)
        stack.extend(children.get(current, []))
    return found


ASSIGN_BATCH = 500  # people per batch: each costs a fixed number of statements, one signal, one mail job


def assign_to_unit(course: Course, unit: Unit, due_date: date | None, *, by: User) -> AssignmentResult:
    """Enrol every active person of a unit and its sub-units, with a due date (idempotent).

    Set-based, in batches of ASSIGN_BATCH people: per batch, one query for their enrolments, one
    INSERT of the missing ones (skipping anyone enrolled meanwhile, by the unique constraint), one
    UPDATE of the due dates that change, and one `course_assigned` for the batch; so assigning a
    course to 5,000 people costs as many statements as to a few, times the number of batches."""
    if not can_manage_agency(by, unit.agency_id):
        raise CoursePermissionDenied(_l("Anda tidak memiliki hak untuk menugaskan unit ini."))
    if not course.is_published:
        raise CourseNotOpen(_l("Kursus ini belum dibuka untuk pendaftaran."))
    if due_date is not None and due_date < utcnow().date():
        raise CourseError(_l("Tenggat tidak boleh di masa lalu."), "due_date")
    user_ids = list(
        db.session.scalars(
            sa.select(User.id)
            .where(User.unit_id.in_(unit_with_descendants(unit)), User.active.is_(True))
            .order_by(User.id)
        )
    )
    enrolled = updated = 0
    for start in range(0, len(user_ids), ASSIGN_BATCH):
        new, changed = _assign_batch(course, user_ids[start : start + ASSIGN_BATCH], due_date, by=by)
        enrolled, updated = enrolled + len(new), updated + len(changed)
        if new or changed:
            course_assigned.send(current_app._get_current_object(), enrolments=new + changed, by=by)
    logger.info(
        "course %s assigned to unit %s by %s: %s new, %s updated",
        course.id,
        unit.id,
        by.id,
        enrolled,
        updated,
    )
    return AssignmentResult(enrolled, updated, len(user_ids) - enrolled - updated)


def _assign_batch(
    course: Course, user_ids: list[int], due_date: date | None, *, by: User
) -> tuple[list[Enrolment], list[Enrolment]]:
    """Enrol these people (the new enrolments) and move the due date of their open enrolments
    (the changed ones), in at most three statements."""
    existing = {
        e.user_id: e
        for e in db.session.scalars(
            sa.select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.user_id.in_(user_ids))
        )
    }
    changed = [e for e in existing.values() if e.completed_at is None and e.due_date != due_date]
    if changed:
        db.session.execute(
            sa.update(Enrolment)
            .where(Enrolment.id.in_([e.id for e in changed]), Enrolment.completed_at.is_(None))
            .values(due_date=due_date, assigned_by_id=by.id)
            .execution_options(synchronize_session="evaluate")
        )
    missing = [user_id for user_id in user_ids if user_id not in existing]
    new: list[Enrolment] = []
    if missing:
        now = utcnow()
        rows = [
            {
                "user_id": user_id,
                "course_id": course.id,
                "enrolled_at": now,
                "due_date": due_date,
                "assigned_by_id": by.id,
            }
            for user_id in missing
        ]
        # Someone enrolled by a concurrent request is left out (and counted unchanged).
        insert = insert_skipping_existing(Enrolment, "user_id", "course_id").returning(Enrolment)
        new = list(db.session.scalars(insert, rows))
        for enrolment in new:
            set_committed_value(enrolment, "course", course)
    return new, changed
