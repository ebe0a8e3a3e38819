"""Courses, enrolment and progress for the offline/mobile app."""

from __future__ import annotations

from functools import wraps

from flask import abort, url_for
from flask_login import current_user
from flask_smorest import Blueprint

from ..careers import jp
from ..courses import learning, services
from ..courses.errors import CourseError
from ..courses.models import Course, Enrolment, Lesson
from ..extensions import db
from . import schemas

blp = Blueprint(
    "api_courses", __name__, url_prefix="/api/v1", description="Course catalogue, enrolment and progress"
)


def login_required(view):
    """401 (not a redirect to the login page) for anonymous API calls."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            abort(401)
        return view(*args, **kwargs)

    return wrapped


def course_summary(course: Course | learning.CourseCard) -> dict:
    card = course if isinstance(course, learning.CourseCard) else learning.card_of(course)
    return {
        "slug": card.slug,
        "title": card.title,
        "summary": card.summary,
        "category": card.category,
        "jp": card.jp,
        "version": card.version,
        "competencies": [
            {"code": tag.code, "name": tag.name, "level": tag.level} for tag in card.competencies
        ],
        "url": url_for("courses.detail", slug=card.slug),
    }


def lesson_url(course: Course, lesson: Lesson) -> str:
    return url_for("courses.lesson", slug=course.slug, lesson_id=lesson.id)


def published_course(slug: str) -> Course:
    course = services.course_by_slug(slug)
    if course is None or not course.is_published:
        abort(404)
    return course


def enrolment_view(enrolment: Enrolment, outline: learning.Outline | None = None) -> dict:
    outline = outline or learning.outline(enrolment.course)
    done = learning.completed_lesson_ids(enrolment)
    lessons = outline.lessons
    entry = learning.EnrolmentProgress(enrolment, lessons, done, learning.progress(enrolment, lessons, done))
    return progress_entry(entry)


def progress_entry(entry: learning.EnrolmentProgress) -> dict:
    enrolment, next_lesson = entry.enrolment, entry.continue_at
    return {
        "course": course_summary(enrolment.course),
        "enrolled_at": enrolment.enrolled_at,
        "due_date": enrolment.due_date,
        "completed_at": enrolment.completed_at,
        "completed_version": enrolment.completed_version,
        "completed_lesson_ids": sorted(entry.done_ids),
        "progress": progress_view(entry.progress),
        "continue_url": lesson_url(enrolment.course, next_lesson) if next_lesson else None,
    }


def progress_view(progress: learning.Progress) -> dict:
    return {
        "done": progress.done,
        "total": progress.total,
        "percent": progress.percent,
        "complete": progress.complete,
    }


@blp.get("/courses")
@blp.arguments(schemas.CatalogueArgs, location="query", as_kwargs=True)
@blp.response(200, schemas.CoursePage)
def catalogue(page, per_page, q, category, competency, jp_min, jp_max):
    """The published catalogue, filtered and paginated."""
    flt = learning.CatalogueFilter(
        search=q, category=category, competency=competency, jp_min=jp_min, jp_max=jp_max
    )
    result = learning.catalogue(flt, page=page, per_page=per_page)
    return {
        "items": [course_summary(course) for course in result.items],
        "pagination": {
            "page": result.page,
            "per_page": result.per_page,
            "total": result.total,
            "pages": result.pages,
        },
    }


@blp.get("/courses/<slug>")
@blp.response(200, schemas.CourseDetail)
def course_detail(slug):
    """A published course with its modules and lessons, their ids and page URLs."""
    course = published_course(slug)
    outline = learning.outline(course)
    data = course_summary(course)
    data["modules"] = [
        {
            "id": module.id,
            "title": module.title,
            "summary": module.summary or "",
            "lessons": [
                {
                    "id": lesson.id,
                    "title": lesson.title,
                    "required": lesson.required,
                    "duration_minutes": lesson.duration_minutes,
                    "url": lesson_url(course, lesson),
                }
                for lesson in lessons
            ],
        }
        for module, lessons in outline.modules
    ]
    return data


@blp.post("/courses/<slug>/enrolment")
@login_required
@blp.response(200, schemas.EnrolmentSchema)
@blp.alt_response(201, schema=schemas.EnrolmentSchema, description="Enrolled now")
def enrol(slug):
    """Enrol the signed-in user; enrolling again returns the existing enrolment (200)."""
    course = published_course(slug)
    existed = learning.enrolment_for(current_user, course) is not None
    try:
        enrolment = learning.enrol(current_user, course)
    except CourseError as exc:
        abort(409, description=str(exc))
    db.session.commit()
    return enrolment_view(enrolment), 200 if existed else 201


@blp.get("/me/progress")
@login_required
@blp.response(200, schemas.MyProgress)
def my_progress():
    """Every enrolment of the signed-in user with its progress, and JP earned this year."""
    entries = learning.enrolments_with_progress(current_user)
    return {
        "enrolments": [progress_entry(e) for e in entries],
        "jp_this_year": jp.jp_year(current_user, jp.current_year(current_user)).total,
    }


@blp.put("/lessons/<int:lesson_id>/completion")
@login_required
@blp.response(200, schemas.CompletionResult)
def complete_lesson(lesson_id):
    """Mark a lesson done (idempotent: sending it again, e.g. from an offline queue, is safe)."""
    lesson = db.get_or_404(Lesson, lesson_id)
    course = lesson.course
    enrolment = learning.enrolment_for(current_user, course)
    if enrolment is None:
        abort(409, description="Not enrolled in this course")
    try:
        learning.mark_lesson_done(enrolment, lesson)
    except CourseError as exc:
        abort(409, description=str(exc))
    db.session.commit()
    outline = learning.outline(course)
    done = learning.completed_lesson_ids(enrolment)
    progress = learning.progress(enrolment, outline.lessons, done)
    return {
        "lesson_id": lesson.id,
        "completed": True,
        "course_completed": enrolment.is_complete,
        "progress": progress_view(progress),
    }
