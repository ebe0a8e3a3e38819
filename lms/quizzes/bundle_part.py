"""Quizzes in course bundles: `quizzes/NAME.gift` (the questions) and optional `quizzes/NAME.yaml`
(the quiz's settings), registered as a part of courses' bundles.

Each GIFT file is one quiz drawing from the categories its questions are in (`$CATEGORY`, else
the file's name). Re-importing updates in place: questions are matched by category and title
(`::title::`), so titles must be unique within a category of a file; changed questions get a new
version, removed ones are hidden; attempts keep their snapshots. A quiz whose file is gone is
unpublished, never deleted. Export writes every quiz back as GIFT plus its settings (with the
practice flag of migration 0011), and export -> import -> export gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..core import safe_yaml
from ..courses.bundle_io import BundleInvalid, Problem
from ..courses.bundle_spec import BundlePart, register_bundle_part
from ..courses.models import Course
from ..courses.services import slugify
from ..extensions import db
from . import formats, services
from .errors import QuizError
from .formats import QuestionSpec, gift
from .models import GradingMethod, Layout, Question, Quiz, Visibility

FILE = re.compile(r"^quizzes/([A-Za-z0-9][A-Za-z0-9._-]*)\.(gift|yaml)$")
SETTINGS = {
    "title": str,
    "module": int,
    "required": bool,
    "practice": bool,  # untimed practice, may be taken offline (migration 0011)
    "published": bool,
    "time_limit_minutes": int,
    "max_attempts": int,
    "pass_mark": (int, float),
    "grading_method": str,
    "layout": str,
    "shuffle_questions": bool,
    "shuffle_options": bool,
    "show_score": str,
    "show_feedback": str,
    "show_answers": str,
    "questions": int,
}
# What the quiz service would refuse, refused while parsing (before any file is stored).
RANGES = {"time_limit_minutes": (0, 24 * 60), "max_attempts": (0, 100), "pass_mark": (0, 100)}
PRACTICE_WITH_TIME_LIMIT = _l(
    "Kuis latihan (practice: true) tidak boleh memiliki batas waktu (time_limit_minutes)."
)
CHOICES = {
    "grading_method": GradingMethod,
    "layout": Layout,
    "show_score": Visibility,
    "show_feedback": Visibility,
    "show_answers": Visibility,
}


@dataclass
class QuizFile:
    file: str
    questions: list[QuestionSpec]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys(q.category for q in self.questions))


def claims(name: str) -> bool:
    return name.startswith("quizzes/")


def _settings(name: str, data: bytes, problems: list[Problem]) -> dict:
    try:
        doc = safe_yaml.load(data.decode("utf-8")) or {}
    except (UnicodeDecodeError, safe_yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        message = exc.problem if isinstance(exc, safe_yaml.YAMLLimitExceeded) else _l("YAML tidak valid.")
        problems.append(Problem(name, mark.line + 1 if mark else None, str(message)))
        return {}
    if not isinstance(doc, dict):
        problems.append(Problem(name, 1, str(_l("Pengaturan kuis harus berisi pasangan kunci dan nilai."))))
        return {}
    for key, value in doc.items():
        kind = SETTINGS.get(key)
        if kind is None:
            problems.append(Problem(name, None, str(_l("Kunci '%(key)s' tidak dikenal.", key=key))))
        elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            problems.append(Problem(name, None, str(_l("Nilai '%(key)s' tidak valid.", key=key))))
        elif key in RANGES and not RANGES[key][0] <= value <= RANGES[key][1]:
            low, high = RANGES[key]
            problems.append(
                Problem(name, None, str(_l("'%(key)s' harus %(a)s sampai %(b)s.", key=key, a=low, b=high)))
            )
        elif key == "title" and not 0 < len(value.strip()) <= services.TITLE_MAX:
            problems.append(Problem(name, None, str(_l("Nilai '%(key)s' tidak valid.", key=key))))
        elif key in CHOICES and value not in {m.value for m in CHOICES[key]}:
            problems.append(
                Problem(
                    name, None, str(_l("Pilihan '%(v)s' untuk '%(key)s' tidak dikenal.", v=value, key=key))
                )
            )
    return doc


def parse(files: dict[str, bytes]) -> tuple[list[QuizFile], list[Problem]]:
    """Every quiz file of a bundle, validated (all problems with file and line)."""
    problems: list[Problem] = []
    quizzes: dict[str, QuizFile] = {}
    settings: dict[str, tuple[str, dict]] = {}
    owner: dict[str, str] = {}
    for name in sorted(files):
        found = FILE.match(name)
        if found is None:
            problems.append(
                Problem(
                    name,
                    None,
                    str(
                        _l("Folder quizzes/ hanya berisi berkas NAMA.gift (soal) dan NAMA.yaml (pengaturan).")
                    ),
                )
            )
            continue
        stem, kind = found.groups()
        if kind == "yaml":
            settings[stem] = (name, _settings(name, files[name], problems))
            continue
        try:
            text = formats.decode(files[name])
            parsed = gift.read(text)
            for spec in parsed.questions:
                spec.category = spec.category or stem
            questions = formats.check(parsed)
        except formats.ImportInvalid as exc:
            problems.extend(
                Problem(name, p.line, f"{p.question}: {p.message}" if p.question else p.message)
                for p in exc.problems
            )
            continue
        seen: dict[tuple[str, str], int] = {}
        for spec in questions:
            key = (spec.category, spec.name)
            if key in seen:
                problems.append(
                    Problem(
                        name,
                        spec.line,
                        str(
                            _l(
                                "Judul soal '%(n)s' sudah dipakai di baris %(l)s pada kategori yang sama; "
                                "beri judul "
                                "::...:: yang berbeda.",
                                n=spec.name,
                                l=seen[key],
                            )
                        ),
                    )
                )
            seen[key] = spec.line or 0
            if owner.setdefault(spec.category, name) != name:
                problems.append(
                    Problem(
                        name,
                        spec.line,
                        str(
                            _l(
                                "Kategori '%(c)s' sudah dipakai oleh %(f)s; "
                                "setiap berkas kuis memakai kategorinya sendiri.",
                                c=spec.category,
                                f=owner[spec.category],
                            )
                        ),
                    )
                )
        quizzes[stem] = QuizFile(name, questions)
    for stem, (name, values) in settings.items():
        if values.get("practice") is True and values.get("time_limit_minutes"):
            problems.append(Problem(name, None, str(PRACTICE_WITH_TIME_LIMIT)))
        if stem not in quizzes:
            if not any(p.file == f"quizzes/{stem}.gift" for p in problems):
                problems.append(
                    Problem(
                        name,
                        None,
                        str(_l("Tidak ada berkas quizzes/%(s)s.gift untuk pengaturan ini.", s=stem)),
                    )
                )
            continue
        quiz = quizzes[stem]
        quiz.settings = values
        if "questions" in values and len(quiz.categories) != 1:
            problems.append(
                Problem(
                    name,
                    None,
                    str(_l("'questions' hanya dapat dipakai bila soal berada dalam satu kategori.")),
                )
            )
        elif "questions" in values and not 1 <= values["questions"] <= len(quiz.questions):
            problems.append(
                Problem(
                    name,
                    None,
                    str(
                        _l("'questions' harus 1 sampai %(n)d (jumlah soal di berkas).", n=len(quiz.questions))
                    ),
                )
            )
    return list(quizzes.values()), problems


def _same(question: Question, spec: QuestionSpec) -> bool:
    return gift.write_question(question) == gift.write_question(spec) and question.mark == spec.mark


def apply(course: Course, quiz_files: list[QuizFile] | None, by: User | None) -> bool:
    """Write the bundle's quizzes into the course; True when anything changed."""
    quiz_files = quiz_files or []
    bank = services.default_bank(course)
    changed = False
    existing = {q.source_file: q for q in services.quizzes_of(course) if q.source_file}
    untitled = {q.title: q for q in services.quizzes_of(course) if not q.source_file}
    for quiz_file in quiz_files:
        categories = {}
        for name in quiz_file.categories:
            categories[name] = services.category(bank, name)
        for name, cat in categories.items():
            live = {q.name: q for q in services.questions_of(bank, [cat.id])}
            for position, spec in enumerate((s for s in quiz_file.questions if s.category == name), start=1):
                question = live.pop(spec.name, None)
                if question is None:
                    question = services.add_question(bank, spec, by=None, category_id=cat.id)
                    changed = True
                elif not _same(question, spec):
                    services.update_question(question, spec, by=None)
                    changed = True
                question.position = position
            for question in live.values():
                services.delete_question(question, by=None)
                changed = True
        values = quiz_file.settings
        stem = quiz_file.file[len("quizzes/") : -len(".gift")]
        title = values.get("title") or stem.replace("-", " ").replace("_", " ").capitalize()
        count = values.get("questions")
        module_id = None
        if values.get("module"):
            modules = course.active_modules
            index = values["module"] - 1
            module_id = modules[index].id if 0 <= index < len(modules) else None
        data = services.QuizData(
            title=title,
            sources=[(categories[n].id, count) for n in quiz_file.categories],
            module_id=module_id,
            published=values.get("published", True),
            required=values.get("required", True),
            practice=values.get("practice", False),
            time_limit_minutes=values.get("time_limit_minutes"),
            max_attempts=values.get("max_attempts"),
            pass_mark=values.get("pass_mark", 70),
            grading_method=values.get("grading_method", "highest"),
            layout=values.get("layout", "all"),
            shuffle_questions=values.get("shuffle_questions", True),
            shuffle_options=values.get("shuffle_options", True),
            show_score=values.get("show_score", "after_attempt"),
            show_feedback=values.get("show_feedback", "after_attempt"),
            show_answers=values.get("show_answers", "after_close"),
        )
        quiz = existing.pop(quiz_file.file, None) or untitled.pop(title, None)
        try:
            if quiz is None:
                services.create_quiz(course, data, by=None, source_file=quiz_file.file)
                changed = True
            else:
                before = _settings_of(quiz)
                quiz.source_file = quiz_file.file
                services.update_quiz(quiz, data, by=None)
                changed |= _settings_of(quiz) != before
        except QuizError as exc:  # a setting parse() cannot judge alone; the caller writes nothing
            raise BundleInvalid([Problem(f"quizzes/{stem}.yaml", None, str(exc))]) from None
    for quiz in existing.values():  # its file left the bundle: keep results, stop new attempts
        if quiz.published:
            quiz.published = False
            changed = True
    db.session.flush()
    return changed


def _settings_of(quiz: Quiz) -> dict:
    module = None
    if quiz.module_id is not None:
        ids = [m.id for m in quiz.course.active_modules]
        module = ids.index(quiz.module_id) + 1 if quiz.module_id in ids else None
    counts = {s.count for s in quiz.sources}
    values: dict[str, Any] = {
        "title": quiz.title,
        "module": module,
        "required": quiz.required,
        "practice": quiz.practice,
        "published": quiz.published,
        "time_limit_minutes": quiz.time_limit_minutes,
        "max_attempts": quiz.max_attempts,
        "pass_mark": quiz.pass_mark,
        "grading_method": quiz.grading_method.value,
        "layout": quiz.layout.value,
        "shuffle_questions": quiz.shuffle_questions,
        "shuffle_options": quiz.shuffle_options,
        "show_score": quiz.show_score.value,
        "show_feedback": quiz.show_feedback.value,
        "show_answers": quiz.show_answers.value,
        "questions": counts.pop() if len(quiz.sources) == 1 else None,
    }
    return {k: v for k, v in values.items() if v is not None}


def export(course: Course) -> dict[str, bytes]:
    """Every quiz of the course as quizzes/NAME.gift (its categories' questions) and NAME.yaml."""
    files: dict[str, bytes] = {}
    bank_questions = {}
    for quiz in services.quizzes_of(course):
        name = quiz.source_file or f"quizzes/{slugify(quiz.title) or 'kuis'}.gift"
        if name in files:
            name = f"quizzes/{slugify(quiz.title) or 'kuis'}-{quiz.id}.gift"
        questions = []
        for source in quiz.sources:
            bank = source.category.bank
            if bank.id not in bank_questions:
                bank_questions[bank.id] = services.questions_of(bank)
            questions.extend(q for q in bank_questions[bank.id] if q.category_id == source.category_id)
        files[name] = gift.write(questions, lambda q: q.category.name).encode()
        files[name[:-5] + ".yaml"] = yaml.safe_dump(
            _settings_of(quiz), allow_unicode=True, sort_keys=False
        ).encode()
    return files


register_bundle_part(BundlePart("quizzes", claims, parse, apply, export))
