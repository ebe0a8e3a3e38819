"""Authoring courses: create and edit courses, modules and lessons, media, publish.

Services take the acting user as an argument, `flush()` and never `commit()`. Learner-side
services (enrolment, progress, catalogue, assignment) are in `learning.py`.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import undefer

from ..accounts.models import Role, User
from ..competencies.services import competencies_by_code
from ..content import render_markdown
from ..core.clock import utcnow
from ..extensions import db
from . import completion, search
from . import media as media_store
from .errors import CourseError, CoursePermissionDenied
from .models import Course, CourseCompetency, CourseStatus, Lesson, LessonCompletion, Media, Module
from .signals import course_awards_changed

logger = logging.getLogger(__name__)

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TITLE_MAX, CATEGORY_MAX, SLUG_MAX, JP_MAX = 200, 100, 80, 1000
BODY_MAX = 200_000
DURATION_MAX = 24 * 60


# ---------------------------------------------------------------- permissions


def can_author(user: User | None) -> bool:
    """Trainers and administrators may create courses."""
    return bool(user and user.is_authenticated and user.has_role(Role.TRAINER, Role.ADMIN))


def can_edit(user: User | None, course: Course) -> bool:
    """Administrators edit every course; trainers edit the courses they created."""
    if not (user and user.is_authenticated):
        return False
    if user.is_admin:
        return True
    return user.has_role(Role.TRAINER) and course.created_by_id == user.id


def require_editor(user: User | None, course: Course) -> None:
    if not can_edit(user, course):
        raise CoursePermissionDenied(_l("Anda tidak memiliki hak untuk mengubah kursus ini."))


# ---------------------------------------------------------------- validation helpers


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:SLUG_MAX].strip("-")


def clean_line(raw: str | None, field_name: str, *, maximum: int, minimum: int = 2) -> str:
    value = " ".join((raw or "").split())
    if len(value) < minimum:
        raise CourseError(_l("Wajib diisi (minimal %(n)d karakter).", n=minimum), field_name)
    if len(value) > maximum:
        raise CourseError(_l("Maksimal %(n)d karakter.", n=maximum), field_name)
    return value


def clean_int(value, field_name: str, *, minimum: int, maximum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise CourseError(_l("Isi dengan bilangan bulat."), field_name) from None
    if not minimum <= number <= maximum:
        raise CourseError(_l("Isi dengan angka %(a)d sampai %(b)d.", a=minimum, b=maximum), field_name)
    return number


def clean_video_url(raw: str | None) -> str | None:
    url = (raw or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise CourseError(
            _l("Tautan video harus berupa alamat http:// atau https:// yang lengkap."), "video_url"
        )
    return url


def clean_competencies(pairs: Iterable[tuple[str, int]]) -> list[tuple[int, int]]:
    """(code, level) pairs -> (competency id, level); every code must exist, levels 1-5."""
    pairs = [(str(code).strip().upper(), level) for code, level in pairs]
    known = competencies_by_code(code for code, _ in pairs)
    result, seen = [], set()
    for code, level in pairs:
        if code not in known:
            raise CourseError(_l("Kode kompetensi %(code)s tidak dikenal.", code=code), "competencies")
        if code in seen:
            raise CourseError(_l("Kompetensi %(code)s disebut dua kali.", code=code), "competencies")
        seen.add(code)
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5:
            raise CourseError(_l("Level kompetensi %(code)s harus 1 sampai 5.", code=code), "competencies")
        result.append((known[code].id, level))
    return result


def clean_rule(rule: Mapping[str, str | None] | None, course: Course | None = None) -> dict[str, str]:
    """A completion rule with known criteria and options; lessons are always part of it, and so is
    every criterion whose items the course marks required."""
    cleaned = completion.default_rule()
    for name, option in (rule or {}).items():
        found = completion.criterion(name)
        if found is None:
            raise CourseError(_l("Syarat kelulusan %(name)s tidak dikenal.", name=name), "completion")
        if option in (None, ""):
            cleaned.pop(name, None)
            continue
        if found.options and option not in dict(found.options):
            raise CourseError(_l("Pilihan syarat kelulusan %(name)s tidak valid.", name=name), "completion")
        cleaned[name] = option
    if not cleaned.get("lessons"):
        raise CourseError(_l("Syarat pelajaran tidak boleh dikosongkan."), "completion")
    if course is not None:
        for name, message in completion.rule_problems(course, cleaned):
            raise CourseError(message, f"rule_{name}")
    return cleaned


# ---------------------------------------------------------------- courses


@dataclass
class CourseData:
    title: str
    summary: str = ""
    category: str = ""
    jp: int = 0
    competencies: list[tuple[str, int]] = field(default_factory=list)  # (code, level)
    completion_rule: dict[str, str] | None = None
    slug: str | None = None


def _unique_slug(base: str, *, exclude_id: int | None = None) -> str:
    base = base or "kursus"
    taken = set(
        db.session.scalars(
            sa.select(Course.slug).where(Course.slug.like(f"{base}%"), Course.id != (exclude_id or 0))
        )
    )
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug, n = base[: SLUG_MAX - len(suffix)] + suffix, n + 1
    return slug


def clean_slug(raw: str) -> str:
    slug = (raw or "").strip()
    if not SLUG_PATTERN.match(slug) or len(slug) > SLUG_MAX:
        raise CourseError(
            _l(
                "Slug hanya boleh berisi huruf kecil, angka dan tanda hubung "
                "(maks. 80), misalnya manajemen-karier-asn."
            ),
            "slug",
        )
    return slug


def apply_course_data(course: Course, data: CourseData, *, check_rule: bool = True) -> bool:
    """Validate and copy course fields; return whether anything changed. `check_rule=False` leaves
    the check of required items to the caller (a bundle brings its quizzes after the course)."""
    values = {
        "title": clean_line(data.title, "title", maximum=TITLE_MAX),
        "summary": (data.summary or "").strip(),
        "category": clean_line(data.category, "category", maximum=CATEGORY_MAX, minimum=0),
        "jp": clean_int(data.jp, "jp", minimum=0, maximum=JP_MAX),
        "completion_rule": clean_rule(data.completion_rule, course if check_rule else None),
    }
    if len(values["summary"]) > 5000:
        raise CourseError(_l("Maksimal %(n)d karakter.", n=5000), "summary")
    wanted = clean_competencies(data.competencies)
    changed = False
    for name, value in values.items():
        if getattr(course, name) != value:
            setattr(course, name, value)
            changed = True
    current = {(cc.competency_id, cc.level) for cc in course.competencies}
    if current != set(wanted):
        course.competencies = [CourseCompetency(competency_id=cid, level=level) for cid, level in wanted]
        changed = True
    return changed


def create_course(data: CourseData, *, by: User | None) -> Course:
    """Create a draft course; trainers and administrators only (by=None for operators)."""
    if by is not None and not can_author(by):
        raise CoursePermissionDenied(_l("Hanya pengajar yang dapat membuat kursus."))
    course = Course(
        status=CourseStatus.DRAFT,
        created_by_id=by.id if by else None,
        owner_agency_id=by.agency_id if by else None,
        competencies=[],
    )
    apply_course_data(course, data)
    if data.slug:
        slug = clean_slug(data.slug)
        if db.session.scalar(sa.select(Course.id).where(Course.slug == slug)) is not None:
            raise CourseError(_l("Slug ini sudah dipakai kursus lain."), "slug")
        course.slug = slug
    else:
        course.slug = _unique_slug(slugify(course.title))
    db.session.add(course)
    db.session.flush()
    logger.info("course %s (%s) created by %s", course.id, course.slug, by and by.id)
    return course


def update_course(course: Course, data: CourseData, *, by: User | None) -> Course:
    """Change a course's settings; learners' progress is untouched. When its JP or competencies
    change, `course_awards_changed` lets the records of those who completed it follow."""
    if by is not None:
        require_editor(by, course)
    before = awards_of(course)
    if apply_course_data(course, data):
        touch(course)
    db.session.flush()
    announce_awards(course, before, by=by)
    return course


def awards_of(course: Course) -> tuple[int, frozenset[tuple[int, int]]]:
    """What completing the course earns: its JP and its (competency id, level) pairs."""
    return course.jp, frozenset((cc.competency_id, cc.level) for cc in course.competencies)


def announce_awards(
    course: Course, before: tuple[int, frozenset[tuple[int, int]]], *, by: User | None
) -> None:
    """Send `course_awards_changed` when what the course earns differs from `before` (flushed)."""
    if awards_of(course) == before:
        return
    logger.info("course %s: JP or competencies changed by %s", course.id, by and by.id)
    course_awards_changed.send(current_app._get_current_object(), course=course, by=by)


def touch(course: Course) -> None:
    course.updated_at = utcnow()


def publish(course: Course, *, by: User | None) -> Course:
    """Publish (or re-publish) a course: it is listed, and its version goes up by one."""
    if by is not None:
        require_editor(by, course)
    if not any(module.active_lessons for module in course.active_modules):
        raise CourseError(_l("Tambahkan minimal satu pelajaran sebelum menerbitkan kursus."))
    for _name, message in completion.rule_problems(course):
        raise CourseError(message)
    course.status = CourseStatus.PUBLISHED
    course.version += 1
    course.published_at = course.updated_at = utcnow()
    db.session.flush()
    logger.info("course %s published as version %s by %s", course.id, course.version, by and by.id)
    return course


# ---------------------------------------------------------------- modules


def _renumber(items: list) -> None:
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position


def add_module(course: Course, title: str, summary: str = "", *, by: User | None) -> Module:
    """Append a module to the course."""
    if by is not None:
        require_editor(by, course)
    module = Module(
        title=clean_line(title, "title", maximum=TITLE_MAX, minimum=1),
        summary=(summary or "").strip(),
        position=len(course.modules) + 1,
    )
    course.modules.append(module)
    touch(course)
    db.session.flush()
    return module


def update_module(module: Module, title: str, summary: str = "", *, by: User | None) -> Module:
    if by is not None:
        require_editor(by, module.course)
    module.title = clean_line(title, "title", maximum=TITLE_MAX, minimum=1)
    module.summary = (summary or "").strip()
    touch(module.course)
    db.session.flush()
    return module


def move_module(module: Module, offset: int, *, by: User | None) -> None:
    """Move a module up (-1) or down (+1) among the course's modules."""
    course = module.course
    if by is not None:
        require_editor(by, course)
    modules = list(course.active_modules)
    index = modules.index(module)
    target = min(max(index + offset, 0), len(modules) - 1)
    modules.insert(target, modules.pop(index))
    _renumber(modules + [m for m in course.modules if m.archived_at is not None])
    course.modules.sort(key=lambda m: m.position)
    touch(course)
    db.session.flush()


# ---------------------------------------------------------------- lessons


@dataclass
class LessonData:
    title: str
    body_md: str = ""
    required: bool = True
    duration_minutes: int = 0
    video_url: str | None = None
    video_media_id: int | None = None


def render_lesson(lesson: Lesson, links: Mapping | None = None) -> None:
    """Store the lesson's sanitised HTML and its words for search (done on save, never on view)."""
    course = lesson.course or db.session.get(Course, lesson.course_id)
    lesson.body_html = render_markdown(
        lesson.body_md, links if links is not None else media_store.media_links(course)
    )
    lesson.body_text = search.lesson_text(lesson.body_md)


def rerender_course(course: Course) -> None:
    """Render every lesson again, e.g. after a media file was added or replaced."""
    links = media_store.media_links(course)
    lessons = sa.select(Lesson).where(Lesson.course_id == course.id).options(undefer(Lesson.body_text))
    for lesson in db.session.scalars(lessons):
        html = render_markdown(lesson.body_md, links)
        if html != lesson.body_html:
            lesson.body_html = html
        text = search.lesson_text(lesson.body_md)
        if text != lesson.body_text:
            lesson.body_text = text


def preview(course: Course, body_md: str) -> str:
    """The HTML a lesson text would have, without saving it."""
    return render_markdown(body_md, media_store.media_links(course))


def apply_lesson_data(lesson: Lesson, data: LessonData, course: Course) -> bool:
    """Validate and copy lesson fields; return whether anything changed."""
    body = data.body_md or ""
    if len(body) > BODY_MAX:
        raise CourseError(_l("Teks pelajaran terlalu panjang (maks. %(n)d karakter).", n=BODY_MAX), "body_md")
    if data.video_media_id is not None:
        found = db.session.get(Media, data.video_media_id)
        if found is None or found.course_id != course.id or found.kind != "video":
            raise CourseError(_l("Pilih berkas video dari media kursus ini."), "video_media_id")
    values = {
        "title": clean_line(data.title, "title", maximum=TITLE_MAX, minimum=1),
        "body_md": body,
        "required": bool(data.required),
        "duration_minutes": clean_int(
            data.duration_minutes, "duration_minutes", minimum=0, maximum=DURATION_MAX
        ),
        "video_url": clean_video_url(data.video_url),
        "video_media_id": data.video_media_id,
    }
    changed = False
    for name, value in values.items():
        if getattr(lesson, name) != value:
            setattr(lesson, name, value)
            changed = True
    return changed


def _lesson_file(course: Course, title: str) -> str:
    base = f"lessons/{slugify(title)[:60].strip('-') or 'pelajaran'}"
    taken = set(db.session.scalars(sa.select(Lesson.source_file).where(Lesson.course_id == course.id)))
    name, n = f"{base}.md", 2
    while name in taken:
        name, n = f"{base}-{n}.md", n + 1
    return name


def add_lesson(
    module: Module, data: LessonData, *, by: User | None, source_file: str | None = None
) -> Lesson:
    """Append a lesson to a module; its HTML is rendered now."""
    course = module.course
    if by is not None:
        require_editor(by, course)
    lesson = Lesson(course=course, position=len(module.lessons) + 1, body_md="")
    apply_lesson_data(lesson, data, course)
    lesson.source_file = source_file or _lesson_file(course, lesson.title)
    module.lessons.append(lesson)
    render_lesson(lesson)
    touch(course)
    db.session.flush()
    return lesson


def update_lesson(lesson: Lesson, data: LessonData, *, by: User | None) -> Lesson:
    """Change a lesson in place: it keeps its id, so completions keep pointing at it."""
    course = lesson.course
    if by is not None:
        require_editor(by, course)
    if apply_lesson_data(lesson, data, course):
        render_lesson(lesson)
        lesson.updated_at = utcnow()
        touch(course)
    db.session.flush()
    return lesson


def move_lesson(lesson: Lesson, offset: int, *, by: User | None) -> None:
    """Move a lesson up (-1) or down (+1) within its module."""
    module = lesson.module
    if by is not None:
        require_editor(by, module.course)
    lessons = list(module.active_lessons)
    index = lessons.index(lesson)
    target = min(max(index + offset, 0), len(lessons) - 1)
    lessons.insert(target, lessons.pop(index))
    _renumber(lessons + [x for x in module.lessons if x.archived_at is not None])
    module.lessons.sort(key=lambda x: x.position)
    touch(module.course)
    db.session.flush()


def has_completions(lesson: Lesson) -> bool:
    query = sa.select(LessonCompletion.id).where(LessonCompletion.lesson_id == lesson.id).limit(1)
    return db.session.scalar(query) is not None


def remove_lesson(lesson: Lesson, *, by: User | None) -> None:
    """Delete a lesson; one that learners completed is archived instead, keeping their records."""
    course, module = lesson.course, lesson.module
    if by is not None:
        require_editor(by, course)
    if has_completions(lesson):
        lesson.archived_at = utcnow()
    else:
        module.lessons.remove(lesson)
    _renumber(module.active_lessons)
    touch(course)
    db.session.flush()


# ---------------------------------------------------------------- media


def upload_media(course: Course, name: str, data: bytes, *, by: User | None) -> Media:
    """Add (or replace) a course file; lessons referring to it by name are re-rendered."""
    if by is not None:
        require_editor(by, course)
    media, changed = media_store.put_media(course, name, data, by=by)
    if changed:
        rerender_course(course)
        touch(course)
        db.session.flush()
    return media


def remove_media(media: Media, *, by: User | None) -> None:
    course = media.course
    if by is not None:
        require_editor(by, course)
    for lesson in db.session.scalars(sa.select(Lesson).where(Lesson.video_media_id == media.id)):
        lesson.video_media_id = None
    media_store.delete_media(media)
    rerender_course(course)
    touch(course)
    db.session.flush()


# ---------------------------------------------------------------- queries for trainers


def courses_for_editor(user: User) -> list[Course]:
    """The courses a trainer may edit (all of them for an administrator), newest first."""
    query = sa.select(Course).order_by(Course.updated_at.desc(), Course.id.desc())
    if not user.is_admin:
        query = query.where(Course.created_by_id == user.id)
    return list(db.session.scalars(query))


def course_by_slug(slug: str) -> Course | None:
    return db.session.scalar(sa.select(Course).where(Course.slug == slug))
