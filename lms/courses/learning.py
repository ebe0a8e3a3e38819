"""The learner's side of courses: catalogue, enrolment, lesson completion, progress, assignment.

Services take plain arguments, `flush()` and never `commit()`. Every query that feeds a list
page loads what the page shows up front, so a page costs the same number of queries whatever
the number of courses or lessons.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..accounts.agencies import can_manage_agency
from ..accounts.models import Unit, User
from ..competencies.models import Competency
from ..core.clock import utcnow
from ..extensions import db
from .completion import RequiredItem, check_completion, required_items
from .errors import CourseError, CourseNotOpen, CoursePermissionDenied
from .models import Course, CourseCompetency, CourseStatus, Enrolment, Lesson, LessonCompletion, Module

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


def _like(word: str) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def catalogue_query(flt: CatalogueFilter) -> sa.Select:
    """Published courses matching every search word (title or summary) and the filters."""
    query = (
        sa.select(Course)
        .where(Course.status == CourseStatus.PUBLISHED)
        .options(selectinload(Course.competencies).selectinload(CourseCompetency.competency))
        .order_by(Course.title, Course.id)
    )
    for word in (flt.search or "").split()[:8]:
        pattern = _like(word[:50])
        query = query.where(
            sa.or_(
                sa.func.lower(Course.title).like(pattern, escape="\\"),
                sa.func.lower(Course.summary).like(pattern, escape="\\"),
            )
        )
    if flt.category:
        query = query.where(Course.category == flt.category)
    if flt.competency:
        query = query.where(
            Course.id.in_(
                sa.select(CourseCompetency.course_id)
                .join(Competency)
                .where(Competency.code == flt.competency.upper())
            )
        )
    if flt.jp_min is not None:
        query = query.where(Course.jp >= flt.jp_min)
    if flt.jp_max is not None:
        query = query.where(Course.jp <= flt.jp_max)
    return query


def catalogue(flt: CatalogueFilter, page: int = 1, per_page: int = PAGE_SIZE):
    """One page of the published catalogue (a Flask-SQLAlchemy Pagination)."""
    return db.paginate(catalogue_query(flt), page=max(page, 1), per_page=per_page, error_out=False)


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
    """A course's active modules, each with its active lessons, in order."""

    modules: list[tuple[Module, list[Lesson]]]

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
    """The course's modules and lessons in two queries, archived ones left out."""
    modules = db.session.scalars(
        sa.select(Module)
        .where(Module.course_id == course.id, Module.archived_at.is_(None))
        .order_by(Module.position, Module.id)
        .options(selectinload(Module.lessons))
    ).all()
    return Outline([(module, sorted(module.active_lessons, key=lambda x: x.position)) for module in modules])


# ---------------------------------------------------------------- enrolment and progress


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


@dataclass
class EnrolmentSummary:
    enrolment: Enrolment
    progress: Progress


@dataclass
class LearnerSummary:
    in_progress: list[EnrolmentSummary]
    assigned: list[EnrolmentSummary]
    completed_count: int
    # JP is not counted here: the careers JP ledger is its one source (home panel of careers).


def learner_summary(user: User) -> LearnerSummary:
    """Courses in progress and assigned (with progress) and the number completed, in a fixed
    number of queries."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.user_id == user.id)
        .options(selectinload(Enrolment.course))
        .order_by(Enrolment.due_date.is_(None), Enrolment.due_date, Enrolment.enrolled_at.desc())
    ).all()
    open_ones = [e for e in enrolments if e.completed_at is None]
    course_ids = {e.course_id for e in open_ones}
    totals: dict[tuple[int, bool], int] = {}
    done: dict[tuple[int, bool], int] = {}
    if open_ones:
        for course_id, required, count in db.session.execute(
            sa.select(Lesson.course_id, Lesson.required, sa.func.count())
            .where(Lesson.course_id.in_(course_ids), Lesson.archived_at.is_(None))
            .group_by(Lesson.course_id, Lesson.required)
        ):
            totals[(course_id, required)] = count
        for enrolment_id, required, count in db.session.execute(
            sa.select(LessonCompletion.enrolment_id, Lesson.required, sa.func.count())
            .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
            .where(LessonCompletion.enrolment_id.in_([e.id for e in open_ones]), Lesson.archived_at.is_(None))
            .group_by(LessonCompletion.enrolment_id, Lesson.required)
        ):
            done[(enrolment_id, required)] = count
    items = required_items(list({e.course_id: e.course for e in open_ones}.values()), user.id)
    summaries = []
    for e in open_ones:
        rule = e.course.completion_rule
        total = _counts(
            rule,
            totals.get((e.course_id, True), 0),
            totals.get((e.course_id, True), 0) + totals.get((e.course_id, False), 0),
        )
        finished = _counts(
            rule, done.get((e.id, True), 0), done.get((e.id, True), 0) + done.get((e.id, False), 0)
        )
        summaries.append(EnrolmentSummary(e, make_progress(e, finished, total, items.get(e.course_id, []))))
    return LearnerSummary(
        in_progress=[s for s in summaries if s.enrolment.due_date is None],
        assigned=[s for s in summaries if s.enrolment.due_date is not None],
        completed_count=len(enrolments) - len(open_ones),
    )


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


def assign_to_unit(course: Course, unit: Unit, due_date: date | None, *, by: User) -> AssignmentResult:
    """Enrol every active person of a unit and its sub-units, with a due date (idempotent)."""
    if not can_manage_agency(by, unit.agency_id):
        raise CoursePermissionDenied(_l("Anda tidak memiliki hak untuk menugaskan unit ini."))
    if not course.is_published:
        raise CourseNotOpen(_l("Kursus ini belum dibuka untuk pendaftaran."))
    if due_date is not None and due_date < utcnow().date():
        raise CourseError(_l("Tenggat tidak boleh di masa lalu."), "due_date")
    user_ids = list(
        db.session.scalars(
            sa.select(User.id).where(User.unit_id.in_(unit_with_descendants(unit)), User.active.is_(True))
        )
    )
    existing = (
        {
            e.user_id: e
            for e in db.session.scalars(
                sa.select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.user_id.in_(user_ids))
            )
        }
        if user_ids
        else {}
    )
    enrolled = updated = unchanged = 0
    for user_id in user_ids:
        enrolment = existing.get(user_id)
        if enrolment is None:
            db.session.add(
                Enrolment(user_id=user_id, course_id=course.id, due_date=due_date, assigned_by_id=by.id)
            )
            enrolled += 1
        elif enrolment.completed_at is None and enrolment.due_date != due_date:
            enrolment.due_date, enrolment.assigned_by_id = due_date, by.id
            updated += 1
        else:
            unchanged += 1
    db.session.flush()
    logger.info(
        "course %s assigned to unit %s by %s: %s new, %s updated",
        course.id,
        unit.id,
        by.id,
        enrolled,
        updated,
    )
    return AssignmentResult(enrolled, updated, unchanged)
