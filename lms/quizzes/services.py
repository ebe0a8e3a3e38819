"""Question banks, categories, questions, imports and exports, and quiz settings.

Services take the acting user as an argument, `flush()` and never `commit()`. Attempts, deadlines,
overrides and regrading are in `attempts.py`; results and item analysis in `analysis.py`.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..content import render_markdown, render_plain, sanitize_html
from ..core.clock import as_utc, utcnow
from ..courses import completion
from ..courses import media as media_store
from ..courses import services as course_services
from ..courses.models import Course, Module
from ..extensions import db
from . import bank_media, formats
from .errors import QuizError, QuizPermissionDenied
from .formats import QuestionSpec, aiken, gift, moodle_xml
from .formats.spec import clean_category, default_name
from .models import (
    GradingMethod,
    Layout,
    Question,
    QuestionBank,
    QuestionCategory,
    QuestionType,
    Quiz,
    QuizSource,
    TextFormat,
    Visibility,
)
from .types import strategy

logger = logging.getLogger(__name__)

DEFAULT_BANK = "Bank soal utama"
DEFAULT_CATEGORY = "umum"
TITLE_MAX = 200
PROMPT_MAX = 20_000


# ---------------------------------------------------------------- permissions


def can_manage(user: User | None, course: Course) -> bool:
    """Who may edit a course may manage its banks, quizzes and results."""
    return course_services.can_edit(user, course)


def require_manager(user: User | None, course: Course) -> None:
    if user is not None and not can_manage(user, course):
        raise QuizPermissionDenied(_l("Anda tidak memiliki hak untuk mengelola kuis kursus ini."))


# ---------------------------------------------------------------- banks and categories


def banks_of(course: Course) -> list[QuestionBank]:
    return list(
        db.session.scalars(
            sa.select(QuestionBank).where(QuestionBank.course_id == course.id).order_by(QuestionBank.id)
        )
    )


def default_bank(course: Course) -> QuestionBank:
    """The course's first bank, created when the course has none."""
    bank = db.session.scalar(
        sa.select(QuestionBank).where(QuestionBank.course_id == course.id).order_by(QuestionBank.id).limit(1)
    )
    if bank is None:
        bank = QuestionBank(course_id=course.id, name=DEFAULT_BANK)
        db.session.add(bank)
        db.session.flush()
    return bank


def create_bank(course: Course, name: str, *, by: User | None) -> QuestionBank:
    """A new bank of the course; names are unique within a course."""
    require_manager(by, course)
    name = course_services.clean_line(name, "name", maximum=TITLE_MAX)
    if (
        db.session.scalar(
            sa.select(QuestionBank.id).where(QuestionBank.course_id == course.id, QuestionBank.name == name)
        )
        is not None
    ):
        raise QuizError(_l("Nama bank soal ini sudah dipakai di kursus ini."), "name")
    bank = QuestionBank(course_id=course.id, name=name)
    db.session.add(bank)
    db.session.flush()
    return bank


def category(bank: QuestionBank, name: str) -> QuestionCategory:
    """The bank's category of that name, created when missing."""
    name = clean_category(name) or DEFAULT_CATEGORY
    found = db.session.scalar(
        sa.select(QuestionCategory).where(QuestionCategory.bank_id == bank.id, QuestionCategory.name == name)
    )
    if found is None:
        found = QuestionCategory(bank_id=bank.id, name=name)
        db.session.add(found)
        db.session.flush()
    return found


def categories_of(course: Course) -> list[tuple[QuestionCategory, int]]:
    """Every category of the course's banks with its number of live questions."""
    rows = db.session.execute(
        sa.select(QuestionCategory, sa.func.count(Question.id))
        .join(QuestionBank, QuestionBank.id == QuestionCategory.bank_id)
        .outerjoin(
            Question, sa.and_(Question.category_id == QuestionCategory.id, Question.deleted_at.is_(None))
        )
        .where(QuestionBank.course_id == course.id)
        .group_by(QuestionCategory.id)
        .order_by(QuestionCategory.bank_id, QuestionCategory.name)
    ).all()
    return [(cat, count) for cat, count in rows]


def questions_of(bank: QuestionBank, category_ids: list[int] | None = None) -> list[Question]:
    """Live questions of a bank in category and authored order."""
    query = (
        sa.select(Question)
        .join(QuestionCategory, QuestionCategory.id == Question.category_id)
        .where(Question.bank_id == bank.id, Question.deleted_at.is_(None))
        .order_by(QuestionCategory.name, Question.position, Question.id)
    )
    if category_ids is not None:
        query = query.where(Question.category_id.in_(category_ids))
    return list(db.session.scalars(query))


# ---------------------------------------------------------------- questions


def renderer(course: Course, text_format: TextFormat):
    """Text -> sanitised HTML for a question of the course (course media resolve by name)."""
    if text_format == TextFormat.PLAIN:
        return render_plain
    links = media_store.media_links(course)
    if text_format == TextFormat.HTML:
        return lambda text: sanitize_html(text, links)
    return lambda text: render_markdown(text, links)


def _check(spec: QuestionSpec) -> dict:
    if len(spec.prompt or "") > PROMPT_MAX:
        raise QuizError(_l("Teks soal terlalu panjang (maks. %(n)d karakter).", n=PROMPT_MAX), "prompt")
    if not (spec.prompt or "").strip():
        raise QuizError(_l("Teks soal wajib diisi."), "prompt")
    if not 0 < float(spec.mark) <= 100:
        raise QuizError(_l("Nilai soal harus lebih dari 0 dan paling besar 100."), "mark")
    if spec.qtype == QuestionType.CLOZE:  # the gaps are written in the question text
        spec.data = {**spec.data, "text": spec.prompt}
    data, problems = strategy(spec.qtype).clean(spec.data)
    if problems:
        raise QuizError(" ".join(problems), "data")
    return data


def _apply(question: Question, spec: QuestionSpec, data: dict, course: Course) -> None:
    render = renderer(course, spec.text_format)
    question.qtype = QuestionType(spec.qtype)
    question.name = (" ".join((spec.name or "").split()) or default_name(spec.prompt))[:255]
    question.text_format = spec.text_format
    question.prompt = spec.prompt.strip()
    question.general_feedback = (spec.general_feedback or "").strip()
    question.general_feedback_html = render(question.general_feedback) if question.general_feedback else ""
    question.mark = float(spec.mark)
    question.data = strategy(spec.qtype).render(data, render)
    question.prompt_html = strategy(spec.qtype).prompt_html(question.data, render(question.prompt))


def add_question(
    bank: QuestionBank, spec: QuestionSpec, *, by: User | None, category_id: int | None = None
) -> Question:
    """Add a question to a bank (in spec.category, or the given category of the bank)."""
    course = bank.course
    require_manager(by, course)
    data = _check(spec)
    if category_id is not None:
        cat = db.session.get(QuestionCategory, category_id)
        if cat is None or cat.bank_id != bank.id:
            raise QuizError(_l("Kategori tidak ditemukan di bank ini."), "category")
    else:
        cat = category(bank, spec.category)
    position = (
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.max(Question.position), 0)).where(
                Question.category_id == cat.id
            )
        )
        + 1
    )
    question = Question(
        bank_id=bank.id, category_id=cat.id, position=position, created_by_id=by.id if by else None
    )
    _apply(question, spec, data, course)
    db.session.add(question)
    db.session.flush()
    return question


def update_question(
    question: Question, spec: QuestionSpec, *, by: User | None, category_id: int | None = None
) -> Question:
    """Change a question in place; its version goes up. Past attempts keep their own snapshot."""
    course = question.bank.course
    require_manager(by, course)
    data = _check(spec)
    if category_id is not None:
        cat = db.session.get(QuestionCategory, category_id)
        if cat is None or cat.bank_id != question.bank_id:
            raise QuizError(_l("Kategori tidak ditemukan di bank ini."), "category")
        question.category_id = cat.id
    _apply(question, spec, data, course)
    question.version += 1
    question.updated_at = utcnow()
    db.session.flush()
    logger.info("question %s changed to version %s by %s", question.id, question.version, by and by.id)
    return question


def delete_question(question: Question, *, by: User | None) -> None:
    """Hide a question from the bank and future draws; past attempts and item analysis keep it."""
    require_manager(by, question.bank.course)
    question.deleted_at = utcnow()
    db.session.flush()
    logger.info("question %s deleted by %s", question.id, by and by.id)


def spec_of(question: Question) -> QuestionSpec:
    """The question as a format-free spec (what the editor and the writers use)."""
    return QuestionSpec(
        qtype=question.qtype,
        name=question.name,
        prompt=question.prompt,
        data=question.data,
        text_format=question.text_format,
        general_feedback=question.general_feedback,
        mark=question.mark,
        category=question.category.name,
    )


# ---------------------------------------------------------------- import and export


@dataclass
class ImportSummary:
    counts: Counter = field(default_factory=Counter)
    # What was adapted to bring a question in, per question (its line and name).
    notes: list[formats.FormatProblem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        return [f"{QuestionType(t).label}: {n}" for t, n in sorted(self.counts.items())]

    def note_lines(self) -> list[str]:
        return [str(note) for note in self.notes]


def import_questions(
    bank: QuestionBank, data: bytes | str, fmt: str | None = None, *, by: User | None
) -> ImportSummary:
    """Add every question of a GIFT, Aiken or Moodle XML file, or none (ImportInvalid lists why).

    Images and audio embedded in a Moodle XML file become course media (checked like uploads).
    """
    require_manager(by, bank.course)
    specs = formats.parse(data, fmt)
    problems = bank_media.media_problems(specs)
    if problems:
        raise formats.ImportInvalid(problems)
    summary = ImportSummary()
    for spec in specs:
        bank_media.store_media(bank.course, spec, by=by)
        add_question(bank, spec, by=None)
        summary.counts[spec.qtype.value] += 1
        summary.notes.extend(formats.FormatProblem(spec.line, spec.name, note) for note in spec.notes)
    logger.info("%s questions imported into bank %s by %s", summary.total, bank.id, by and by.id)
    return summary


def export_questions(questions: list[Question], fmt: str) -> tuple[str, int]:
    """(file text, questions left out) of questions in "gift", "xml" or "aiken"."""

    def category_of(q):
        return q.category.name

    if fmt == "gift":
        # GIFT has no embedded answers (Moodle's GIFT cannot write them either): left out, counted.
        writable = [q for q in questions if q.qtype != QuestionType.CLOZE]
        return gift.write(writable, category_of), len(questions) - len(writable)
    if fmt == "xml":
        return moodle_xml.write(questions, category_of, bank_media.media_reader(questions)), 0
    if fmt == "aiken":
        return aiken.write(questions)
    raise QuizError(_l("Format %(f)s tidak dikenal.", f=fmt))


# ---------------------------------------------------------------- quizzes


@dataclass
class QuizData:
    title: str
    sources: list[tuple[int, int | None]]  # (category id, count or None for all)
    description: str = ""
    module_id: int | None = None
    published: bool = False
    required: bool = True
    time_limit_minutes: int | None = None
    practice: bool = False
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    max_attempts: int | None = None
    pass_mark: float = 70.0
    grading_method: GradingMethod = GradingMethod.HIGHEST
    layout: Layout = Layout.ALL
    shuffle_questions: bool = True
    shuffle_options: bool = True
    show_score: Visibility = Visibility.AFTER_ATTEMPT
    show_feedback: Visibility = Visibility.AFTER_ATTEMPT
    show_answers: Visibility = Visibility.AFTER_CLOSE


def _optional_int(value, name: str, low: int, high: int) -> int | None:
    if value in (None, "", 0):
        return None
    return course_services.clean_int(value, name, minimum=low, maximum=high)


def apply_quiz_data(quiz: Quiz, data: QuizData, course: Course) -> None:
    """Validate and copy quiz settings and sources."""
    try:
        quiz.title = course_services.clean_line(data.title, "title", maximum=TITLE_MAX)
        quiz.time_limit_minutes = _optional_int(data.time_limit_minutes, "time_limit_minutes", 1, 24 * 60)
        quiz.max_attempts = _optional_int(data.max_attempts, "max_attempts", 1, 100)
    except course_services.CourseError as exc:
        raise QuizError(exc.message, exc.field) from None
    if data.module_id is not None:
        module = db.session.get(Module, data.module_id)
        if module is None or module.course_id != course.id:
            raise QuizError(_l("Modul tidak ditemukan di kursus ini."), "module_id")
    try:
        pass_mark = float(data.pass_mark)
    except (TypeError, ValueError):
        pass_mark = -1
    if not 0 <= pass_mark <= 100:
        raise QuizError(_l("Nilai lulus harus 0 sampai 100."), "pass_mark")
    if data.practice and quiz.time_limit_minutes:
        raise QuizError(
            _l("Latihan tanpa batas waktu tidak boleh memiliki batas waktu."), "time_limit_minutes"
        )
    opens, closes = as_utc(data.opens_at), as_utc(data.closes_at)
    if opens and closes and closes <= opens:
        raise QuizError(_l("Waktu tutup harus setelah waktu buka."), "closes_at")
    if len(data.description or "") > PROMPT_MAX:
        raise QuizError(_l("Keterangan terlalu panjang."), "description")
    available = {cat.id: count for cat, count in categories_of(course)}
    sources = []
    for category_id, count in data.sources:
        if category_id not in available:
            raise QuizError(_l("Kategori soal tidak ditemukan di kursus ini."), "sources")
        if count is not None and not 1 <= count <= available[category_id]:
            raise QuizError(
                _l(
                    "Kategori hanya berisi %(n)d soal; kurangi jumlah yang diambil.", n=available[category_id]
                ),
                "sources",
            )
        sources.append((category_id, count))
    if data.published and not sum(count or available[cid] for cid, count in sources):
        raise QuizError(
            _l("Pilih minimal satu kategori yang berisi soal sebelum menerbitkan kuis."), "sources"
        )
    quiz.module_id = data.module_id
    quiz.description = (data.description or "").strip()
    quiz.description_html = render_markdown(quiz.description) if quiz.description else ""
    quiz.published, quiz.required = bool(data.published), bool(data.required)
    quiz.practice = bool(data.practice)
    if quiz.required and completion.require(course, "quizzes"):
        # What the course page calls required is what the rule enforces (see quizzes.completion).
        course_services.touch(course)
    quiz.opens_at, quiz.closes_at = opens, closes
    quiz.pass_mark = pass_mark
    quiz.grading_method = GradingMethod(data.grading_method)
    quiz.layout = Layout(data.layout)
    quiz.shuffle_questions, quiz.shuffle_options = bool(data.shuffle_questions), bool(data.shuffle_options)
    quiz.show_score = Visibility(data.show_score)
    quiz.show_feedback = Visibility(data.show_feedback)
    quiz.show_answers = Visibility(data.show_answers)
    wanted = dict(sources)
    quiz.sources = [s for s in quiz.sources if s.category_id in wanted]
    for source in quiz.sources:
        source.count = wanted.pop(source.category_id)
    for category_id, count in wanted.items():
        quiz.sources.append(QuizSource(category_id=category_id, count=count))
    quiz.updated_at = utcnow()


def create_quiz(course: Course, data: QuizData, *, by: User | None, source_file: str | None = None) -> Quiz:
    """A quiz of the course (draft unless data.published)."""
    require_manager(by, course)
    quiz = Quiz(course_id=course.id, source_file=source_file, sources=[])
    apply_quiz_data(quiz, data, course)
    db.session.add(quiz)
    db.session.flush()
    logger.info("quiz %s created in course %s by %s", quiz.id, course.id, by and by.id)
    return quiz


def update_quiz(quiz: Quiz, data: QuizData, *, by: User | None) -> Quiz:
    """Change a quiz's settings; attempts already started keep their questions and deadline."""
    require_manager(by, quiz.course)
    apply_quiz_data(quiz, data, quiz.course)
    db.session.flush()
    return quiz


def quiz_data(quiz: Quiz) -> QuizData:
    return QuizData(
        title=quiz.title,
        description=quiz.description,
        module_id=quiz.module_id,
        published=quiz.published,
        required=quiz.required,
        time_limit_minutes=quiz.time_limit_minutes,
        practice=quiz.practice,
        opens_at=as_utc(quiz.opens_at),
        closes_at=as_utc(quiz.closes_at),
        max_attempts=quiz.max_attempts,
        pass_mark=quiz.pass_mark,
        grading_method=quiz.grading_method,
        layout=quiz.layout,
        shuffle_questions=quiz.shuffle_questions,
        shuffle_options=quiz.shuffle_options,
        show_score=quiz.show_score,
        show_feedback=quiz.show_feedback,
        show_answers=quiz.show_answers,
        sources=[(s.category_id, s.count) for s in quiz.sources],
    )


def quizzes_of(course: Course, *, published_only: bool = False) -> list[Quiz]:
    query = sa.select(Quiz).where(Quiz.course_id == course.id).order_by(Quiz.module_id.is_(None), Quiz.id)
    if published_only:
        query = query.where(Quiz.published.is_(True))
    return list(db.session.scalars(query))


def question_count(quiz: Quiz) -> int:
    """How many questions an attempt of the quiz draws."""
    available = {cat.id: n for cat, n in categories_of(quiz.course)}
    return sum(
        min(s.count or available.get(s.category_id, 0), available.get(s.category_id, 0)) for s in quiz.sources
    )
