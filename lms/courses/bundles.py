"""Course bundles: a course as files, imported and exported.

    course.yaml          format, slug, title, summary, category, jp, competencies, completion, modules
    lessons/NN-name.md   YAML front matter (title, duration_minutes, optional video) + Markdown
    media/NAME           images, PDF attachments and videos the lessons refer to
    quizzes/*.gift       owned by the quiz feature, through a bundle part (below)

Other features own some of a bundle's files without this package importing them: they register a
`BundlePart` (which files it claims, how to parse them into problems and a spec, how to apply the
spec to the course, how to export the files again); see `bundle_spec.register_bundle_part`.

`import_bundle` validates everything first and reports every problem as (file, line, message);
only a bundle without errors is written, in the caller's transaction. Re-importing updates the
course in place: lessons are matched by file name, so they keep their ids and learners keep
their progress. `export_bundle` gives files that import back to the same course, and export ->
import -> export is byte-identical.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..core.clock import utcnow
from ..extensions import db
from . import completion, services
from . import media as media_store
from .bundle_io import BundleInvalid, Problem, read_bundle, write_bundle
from .bundle_spec import (
    COURSE_FILE,
    FORMAT,
    PARTS,
    ModuleSpec,
    parse_bundle,
)
from .errors import CourseError
from .models import Course, Lesson, Module

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- import


@dataclass
class ImportResult:
    course: Course
    created: bool
    changed: bool
    warnings: list[Problem]


def _set(obj, **values: Any) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _rule_follows(name: str) -> Problem:
    """Items marked required are required: the rule follows them, and the trainer is told."""
    message = _l(
        "Syarat kelulusan %(name)s ditambahkan karena ada yang ditandai wajib untuk kelulusan.",
        name=completion.criterion(name).label,
    )
    return Problem(COURSE_FILE, None, str(message), warning=True)


def import_files(files: dict[str, bytes], *, by: User | None = None, publish: bool = False) -> ImportResult:
    """Validate a bundle, then create or update its course in place (nothing written on error)."""
    spec = parse_bundle(files)
    course = services.course_by_slug(spec.data.slug)
    created = course is None
    try:
        if created:
            course = services.create_course(spec.data, by=by)
            changed = True
        else:
            if by is not None:
                services.require_editor(by, course)
            rule = dict(spec.data.completion_rule or {})
            for name, _message in completion.rule_problems(course, rule):
                rule[name] = "required"
                spec.warnings.append(_rule_follows(name))
            spec.data.completion_rule = rule
            changed = services.apply_course_data(course, spec.data, check_rule=False)
    except CourseError as exc:
        raise BundleInvalid([Problem(COURSE_FILE, None, str(exc))]) from None
    changed |= _sync_media(course, spec.media, by)
    changed |= _sync_structure(course, spec.modules)
    for part in PARTS.values():
        changed |= part.apply(course, spec.parts.get(part.name), by)
    for name, _message in completion.rule_problems(course):
        completion.require(course, name)
        changed = True
        spec.warnings.append(_rule_follows(name))
    services.rerender_course(course)
    if changed:
        services.touch(course)
    db.session.flush()
    if (publish and not course.is_published) or (changed and course.is_published):
        services.publish(course, by=None)
    logger.info(
        "bundle %s imported (%s, changed=%s) by %s",
        course.slug,
        "created" if created else "updated",
        changed,
        by and by.id,
    )
    return ImportResult(course, created, changed, spec.warnings)


def import_bundle(path: Path, *, by: User | None = None, publish: bool = False) -> ImportResult:
    """Import a bundle folder or .zip file (see import_files)."""
    return import_files(read_bundle(path), by=by, publish=publish)


def _sync_media(course: Course, wanted: dict[str, bytes], by: User | None) -> bool:
    changed = False
    for name, data in sorted(wanted.items()):
        changed |= media_store.put_media(course, name, data, by=by)[1]
    for media in list(course.media):
        if media.original_name not in wanted:
            for lesson in db.session.scalars(sa.select(Lesson).where(Lesson.video_media_id == media.id)):
                lesson.video_media_id = None
            media_store.delete_media(media)
            changed = True
    return changed


def _sync_structure(course: Course, specs: list[ModuleSpec]) -> bool:
    changed = False
    now = utcnow()
    modules = sorted(course.modules, key=lambda m: (m.archived_at is not None, m.position, m.id))
    lessons = {
        lesson.source_file: lesson
        for lesson in db.session.scalars(sa.select(Lesson).where(Lesson.course_id == course.id))
    }
    media_ids = {m.original_name: m.id for m in course.media}
    kept_modules = []
    for m_position, spec in enumerate(specs, start=1):
        if m_position <= len(modules):
            module = modules[m_position - 1]
        else:
            module = Module(course=course, title=spec.title)
            db.session.add(module)
            changed = True
        changed |= _set(module, title=spec.title, summary=spec.summary, position=m_position, archived_at=None)
        kept_modules.append(module)
        for l_position, lspec in enumerate(spec.lessons, start=1):
            lesson = lessons.pop(lspec.file, None)
            if lesson is None:
                lesson = Lesson(course=course, source_file=lspec.file, module=module)
                db.session.add(lesson)
                changed = True
            is_media = lspec.video is not None and not lspec.video.startswith(("http://", "https://"))
            changed |= _set(
                lesson,
                module=module,
                position=l_position,
                title=lspec.title,
                body_md=lspec.body_md,
                required=lspec.required,
                duration_minutes=lspec.duration_minutes,
                video_url=None if is_media else lspec.video,
                video_media_id=media_ids.get(lspec.video) if is_media else None,
                archived_at=None,
            )
    db.session.flush()
    for lesson in lessons.values():  # no longer in the bundle
        if lesson.archived_at is None:
            changed = True
            if services.has_completions(lesson):
                lesson.archived_at = now
            else:
                lesson.module.lessons.remove(lesson)
    db.session.flush()
    for module in modules[len(specs) :]:
        if module.archived_at is None:
            changed = True
        if any(lesson for lesson in module.lessons):
            module.archived_at = module.archived_at or now
        else:
            course.modules.remove(module)
    course.modules.sort(key=lambda m: (m.archived_at is not None, m.position))
    for module in kept_modules:
        module.lessons.sort(key=lambda x: x.position)
    db.session.flush()
    return changed


# ---------------------------------------------------------------- export


def _dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def export_bundle(course: Course) -> dict[str, bytes]:
    """The course as bundle files: course.yaml, lessons/*.md and media/* (archived parts left out)."""
    files: dict[str, bytes] = {}
    modules = []
    for module in sorted(course.active_modules, key=lambda m: m.position):
        entries = []
        for lesson in sorted(module.active_lessons, key=lambda x: x.position):
            entry: dict[str, Any] = {"file": lesson.source_file}
            if not lesson.required:
                entry["required"] = False
            entries.append(entry)
            front: dict[str, Any] = {"title": lesson.title, "duration_minutes": lesson.duration_minutes}
            if lesson.video_media is not None:
                front["video"] = f"media/{lesson.video_media.original_name}"
            elif lesson.video_url:
                front["video"] = lesson.video_url
            files[lesson.source_file] = f"---\n{_dump(front)}---\n{lesson.body_md}".encode()
        item: dict[str, Any] = {"title": module.title}
        if module.summary:
            item["summary"] = module.summary
        item["lessons"] = entries
        modules.append(item)
    doc = {
        "format": FORMAT,
        "slug": course.slug,
        "title": course.title,
        "summary": course.summary,
        "category": course.category,
        "jp": course.jp,
        "competencies": sorted(
            ({"code": cc.competency.code, "level": cc.level} for cc in course.competencies),
            key=lambda c: c["code"],
        ),
        "completion": dict(course.completion_rule or {}),
        "modules": modules,
    }
    files[COURSE_FILE] = _dump(doc).encode()
    for media in course.media:
        files[f"media/{media.original_name}"] = media_store.file_path(media).read_bytes()
    for part in PARTS.values():
        files.update(part.export(course))
    return files


def export_to(course: Course, dest: Path) -> None:
    write_bundle(export_bundle(course), dest)
