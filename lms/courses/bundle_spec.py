"""Reading a course bundle: the files parsed and checked into a BundleSpec, every problem
reported as (file, line, message); and the registry of parts other features own (BundlePart).
Writing the spec into the database is bundles.py's job."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..competencies.services import competencies_by_code
from ..content import is_relative, media_name, references
from ..core import safe_yaml
from . import media as media_store
from . import services
from .bundle_io import BundleInvalid, Problem
from .completion import criterion
from .errors import CourseError, MediaRejected
from .models import Course

logger = logging.getLogger(__name__)

FORMAT = 1
COURSE_FILE = "course.yaml"
COURSE_KEYS = {
    "format",
    "slug",
    "title",
    "summary",
    "category",
    "jp",
    "competencies",
    "completion",
    "modules",
}
MODULE_KEYS = {"title", "summary", "lessons"}
LESSON_ENTRY_KEYS = {"file", "required"}
FRONT_MATTER_KEYS = {"title", "duration_minutes", "video"}
LESSON_FILE = re.compile(r"^lessons/[A-Za-z0-9][A-Za-z0-9._-]*\.md$")


# ---------------------------------------------------------------- parsed bundle


@dataclass
class LessonSpec:
    file: str
    title: str
    body_md: str
    required: bool = True
    duration_minutes: int = 0
    video: str | None = None  # an http(s) URL or a media file name


@dataclass
class ModuleSpec:
    title: str
    summary: str
    lessons: list[LessonSpec]


@dataclass
class BundleSpec:
    data: services.CourseData
    modules: list[ModuleSpec]
    media: dict[str, bytes]
    warnings: list[Problem] = field(default_factory=list)
    parts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BundlePart:
    """Files of a bundle owned by another feature (e.g. quizzes/*.gift).

    parse(claimed files) -> (spec, problems) runs with the rest of the validation; apply(course,
    spec, by) -> changed runs after lessons are written, in the same transaction; export(course)
    -> files. A bundle with a problem in any part is rejected whole.
    """

    name: str
    claims: Callable[[str], bool]
    parse: Callable[[dict[str, bytes]], tuple[Any, list[Problem]]]
    apply: Callable[[Course, Any, User | None], bool]
    export: Callable[[Course], dict[str, bytes]]


PARTS: dict[str, BundlePart] = {}


def register_bundle_part(part: BundlePart) -> None:
    """Add (or replace) a part of course bundles."""
    PARTS[part.name] = part


def _claimed(name: str) -> bool:
    return any(part.claims(name) for part in PARTS.values())


def _load_yaml(text: str, file: str, problems: list[Problem], line_offset: int = 0):
    """(data, {path: line}) or (None, {}) after recording the error with its line."""
    try:
        return safe_yaml.load_with_lines(text, line_offset=line_offset)
    except safe_yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 + line_offset if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        if isinstance(exc, safe_yaml.YAMLLimitExceeded):
            problems.append(Problem(file, line, problem))
        else:
            problems.append(Problem(file, line, str(_l("YAML tidak valid: %(p)s", p=problem))))
        return None, {}


class _Checker:
    """Collects problems with the line of the YAML path they concern."""

    def __init__(self, file: str, lines: dict[tuple, int], problems: list[Problem]):
        self.file, self.lines, self.problems = file, lines, problems

    def line(self, path: tuple) -> int | None:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path)

    def error(self, path: tuple, message) -> None:
        self.problems.append(Problem(self.file, self.line(path), str(message)))

    def text(self, data: dict, key: str, path: tuple, *, required: bool, maximum: int) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.error(path, _l("'%(key)s' wajib diisi.", key=key))
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.error((*path, key), _l("'%(key)s' harus berupa teks.", key=key))
            return ""
        if len(value) > maximum:
            self.error((*path, key), _l("'%(key)s' maksimal %(n)d karakter.", key=key, n=maximum))
        return value.strip() if key != "summary" else value

    def integer(self, data: dict, key: str, path: tuple, *, minimum: int, maximum: int) -> int:
        value = data.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
            self.error(
                (*path, key),
                _l("'%(key)s' harus bilangan bulat %(a)d sampai %(b)d.", key=key, a=minimum, b=maximum),
            )
            return 0
        return value

    def unknown_keys(self, data: dict, allowed: set[str], path: tuple) -> None:
        for key in data:
            if key not in allowed:
                self.error((*path, key), _l("Kunci '%(key)s' tidak dikenal.", key=key))


def _decode(files: dict[str, bytes], name: str, problems: list[Problem]) -> str | None:
    try:
        return files[name].decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(name, None, str(_l("Berkas harus berupa teks UTF-8."))))
        return None


def _parse_lesson(
    files: dict[str, bytes], name: str, media_names: set[str], problems: list[Problem]
) -> LessonSpec | None:
    text = _decode(files, name, problems)
    if text is None:
        return None
    text = text.removeprefix("\ufeff")
    if not text.startswith("---\n"):
        problems.append(
            Problem(name, 1, str(_l("Pelajaran harus diawali front matter YAML di antara dua baris '---'.")))
        )
        return None
    end = text.find("\n---\n", 3)
    if end < 0:
        problems.append(Problem(name, 1, str(_l("Front matter tidak ditutup dengan baris '---'."))))
        return None
    front, body = text[4 : end + 1], text[end + 5 :]
    body_offset = front.count("\n") + 2  # lines before the body
    before = len(problems)
    meta, lines = _load_yaml(front, name, problems, line_offset=1)
    if len(problems) > before:
        return None
    check = _Checker(name, lines, problems)
    if not isinstance(meta, dict):
        check.error((), _l("Front matter harus berisi pasangan kunci dan nilai."))
        return None
    check.unknown_keys(meta, FRONT_MATTER_KEYS, ())
    title = check.text(meta, "title", (), required=True, maximum=services.TITLE_MAX)
    duration = check.integer(meta, "duration_minutes", (), minimum=0, maximum=services.DURATION_MAX)
    video = meta.get("video")
    if video is not None:
        if not isinstance(video, str):
            check.error(("video",), _l("'video' harus berupa tautan atau berkas media."))
            video = None
        elif media_name(video):
            if media_name(video) not in media_names:
                check.error(("video",), _l("Berkas video %(f)s tidak ada di folder media.", f=video))
            video = media_name(video)
        else:
            try:
                video = services.clean_video_url(video)
            except CourseError as exc:
                check.error(("video",), exc)
    for ref in references(body):
        if not is_relative(ref.target) or not ref.target:
            continue
        target = media_name(ref.target)
        if target is None and ref.kind == "image":
            problems.append(
                Problem(
                    name,
                    body_offset + ref.line,
                    str(_l("Gambar %(ref)s harus berada di folder media/ bundel.", ref=ref.target)),
                )
            )
        elif target is not None and target not in media_names:
            problems.append(
                Problem(
                    name,
                    body_offset + ref.line,
                    str(_l("Berkas %(ref)s tidak ada di folder media/ bundel.", ref=ref.target)),
                )
            )
    return LessonSpec(file=name, title=title, body_md=body, duration_minutes=duration, video=video)


def parse_bundle(files: dict[str, bytes]) -> BundleSpec:
    """Validate a whole bundle; raise BundleInvalid with every problem, or return what to write."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if COURSE_FILE not in files:
        raise BundleInvalid([Problem(COURSE_FILE, None, str(_l("Berkas course.yaml tidak ada.")))])

    media: dict[str, bytes] = {}
    lowered: dict[str, str] = {}
    for name in sorted(files):
        if name.startswith("media/"):
            short = name[len("media/") :]
            if "/" in short or media_store.NAME_PATTERN.match(short) is None:
                rule = _l("Nama berkas media tidak valid (huruf, angka, titik, garis bawah, tanda hubung).")
                problems.append(Problem(name, None, str(rule)))
                continue
            if short.lower() in lowered:
                problems.append(
                    Problem(
                        name,
                        None,
                        str(
                            _l(
                                "Nama berkas sama dengan %(other)s (hanya beda huruf besar/kecil).",
                                other="media/" + lowered[short.lower()],
                            )
                        ),
                    )
                )
                continue
            lowered[short.lower()] = short
            try:
                media_store.sniff(files[name], short)
            except MediaRejected as exc:
                problems.append(Problem(name, None, str(exc)))
                continue
            media[short] = files[name]

    text = _decode(files, COURSE_FILE, problems)
    doc, lines = _load_yaml(text, COURSE_FILE, problems) if text is not None else (None, {})
    check = _Checker(COURSE_FILE, lines, problems)
    if doc is None and not problems:
        check.error((), _l("course.yaml kosong."))
    if doc is not None and not isinstance(doc, dict):
        check.error((), _l("course.yaml harus berisi pasangan kunci dan nilai."))
        doc = None
    modules: list[ModuleSpec] = []
    data = services.CourseData(title="")
    if doc is not None:
        data, modules = _parse_course(doc, files, set(media), check, warnings)
    parts = {}
    for part in PARTS.values():
        parts[part.name], found = part.parse({n: b for n, b in files.items() if part.claims(n)})
        problems.extend(found)
    if problems:
        raise BundleInvalid(problems)
    return BundleSpec(data=data, modules=modules, media=media, warnings=warnings, parts=parts)


def _parse_course(
    doc: dict, files: dict[str, bytes], media_names: set[str], check: _Checker, warnings: list[Problem]
) -> tuple[services.CourseData, list[ModuleSpec]]:
    problems = check.problems
    check.unknown_keys(doc, COURSE_KEYS, ())
    if doc.get("format") != FORMAT:
        check.error(("format",), _l("'format' harus bernilai %(n)d.", n=FORMAT))
    slug = doc.get("slug")
    if not isinstance(slug, str) or not services.SLUG_PATTERN.match(slug) or len(slug) > services.SLUG_MAX:
        check.error(("slug",), _l("'slug' wajib diisi dengan huruf kecil, angka dan tanda hubung."))
    data = services.CourseData(
        slug=slug if isinstance(slug, str) else None,
        title=check.text(doc, "title", (), required=True, maximum=services.TITLE_MAX),
        summary=check.text(doc, "summary", (), required=False, maximum=5000),
        category=check.text(doc, "category", (), required=False, maximum=services.CATEGORY_MAX),
        jp=check.integer(doc, "jp", (), minimum=0, maximum=services.JP_MAX),
    )
    # Competencies: every code must exist, levels 1-5, no code twice.
    entries = doc.get("competencies") or []
    if not isinstance(entries, list):
        check.error(("competencies",), _l("'competencies' harus berupa daftar."))
        entries = []
    known = competencies_by_code(str(e.get("code", "")) for e in entries if isinstance(e, dict))
    seen = set()
    for index, entry in enumerate(entries):
        path = ("competencies", index)
        if not isinstance(entry, dict) or set(entry) != {"code", "level"}:
            check.error(path, _l("Setiap kompetensi ditulis sebagai 'code' dan 'level'."))
            continue
        code, level = str(entry["code"]).upper(), entry["level"]
        if code not in known:
            check.error((*path, "code"), _l("Kode kompetensi %(code)s tidak dikenal.", code=code))
        elif code in seen:
            check.error((*path, "code"), _l("Kompetensi %(code)s disebut dua kali.", code=code))
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5:
            check.error((*path, "level"), _l("Level kompetensi harus 1 sampai 5."))
        seen.add(code)
        data.competencies.append((code, level))
    # Completion rule.
    rule = doc.get("completion", {"lessons": "required"})
    if not isinstance(rule, dict):
        check.error(("completion",), _l("'completion' harus berisi pasangan syarat dan pilihan."))
    else:
        for name, option in rule.items():
            found = criterion(str(name))
            if found is None:
                check.error(("completion", name), _l("Syarat kelulusan %(n)s tidak dikenal.", n=name))
            elif found.options and option not in dict(found.options):
                check.error(
                    ("completion", name),
                    _l("Pilihan %(o)s tidak valid untuk syarat %(n)s.", o=option, n=name),
                )
        data.completion_rule = {str(k): v for k, v in rule.items()}
    # Modules and their lesson files.
    raw_modules = doc.get("modules")
    if not isinstance(raw_modules, list) or not raw_modules:
        check.error(("modules",), _l("'modules' wajib berisi minimal satu modul."))
        raw_modules = []
    modules: list[ModuleSpec] = []
    listed: dict[str, int] = {}
    for m_index, raw in enumerate(raw_modules):
        path = ("modules", m_index)
        if not isinstance(raw, dict):
            check.error(path, _l("Modul harus berisi 'title' dan 'lessons'."))
            continue
        check.unknown_keys(raw, MODULE_KEYS, path)
        module = ModuleSpec(
            title=check.text(raw, "title", path, required=True, maximum=services.TITLE_MAX),
            summary=check.text(raw, "summary", path, required=False, maximum=5000),
            lessons=[],
        )
        raw_lessons = raw.get("lessons")
        if not isinstance(raw_lessons, list) or not raw_lessons:
            check.error((*path, "lessons"), _l("Modul wajib berisi minimal satu pelajaran."))
            raw_lessons = []
        for l_index, entry in enumerate(raw_lessons):
            lpath = (*path, "lessons", l_index)
            if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
                check.error(lpath, _l("Setiap pelajaran ditulis sebagai 'file: lessons/nama.md'."))
                continue
            check.unknown_keys(entry, LESSON_ENTRY_KEYS, lpath)
            name = entry["file"]
            required = entry.get("required", True)
            if not isinstance(required, bool):
                check.error((*lpath, "required"), _l("'required' harus true atau false."))
            if not LESSON_FILE.match(name):
                check.error(
                    (*lpath, "file"),
                    _l("Berkas pelajaran harus berada di folder lessons/ dan berakhiran .md."),
                )
                continue
            if name in listed:
                check.error(
                    (*lpath, "file"),
                    _l("Berkas %(f)s sudah dipakai pada baris %(line)s.", f=name, line=listed[name]),
                )
                continue
            listed[name] = check.line((*lpath, "file")) or 0
            if name not in files:
                check.error((*lpath, "file"), _l("Berkas %(f)s tidak ada di dalam bundel.", f=name))
                continue
            lesson = _parse_lesson(files, name, media_names, problems)
            if lesson is not None:
                lesson.required = required is not False
                module.lessons.append(lesson)
        modules.append(module)
    for name in sorted(files):
        if name in listed or name == COURSE_FILE or name.startswith("media/"):
            continue
        if _claimed(name):
            continue  # owned by a registered bundle part
        message = (
            _l("Berkas pelajaran ini tidak tercantum di course.yaml dan diabaikan.")
            if name.startswith("lessons/")
            else _l("Berkas ini tidak dikenal dan diabaikan.")
        )
        warnings.append(Problem(name, None, str(message), warning=True))
    return data, modules
