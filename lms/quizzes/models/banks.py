"""Question banks of a course, their categories, and questions.

A question's type-specific definition (options and their fractions, accepted answers, numeric
ranges, matching pairs) is a JSON document validated by its strategy in `lms.quizzes.types`.
Editing a question bumps its version; attempts keep their own snapshot, so editing or deleting
a question never changes a past attempt. Deleted questions are kept (hidden) for item analysis.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...core.clock import utcnow
from ...core.columns import UTCDateTime, enum_column
from ...courses.models import Course
from ...extensions import db


class QuestionType(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUEFALSE = "truefalse"
    SHORTANSWER = "shortanswer"
    NUMERICAL = "numerical"
    MATCHING = "matching"
    ESSAY = "essay"
    CLOZE = "cloze"

    @property
    def label(self) -> str:
        return str(QUESTION_TYPE_LABELS[self])


QUESTION_TYPE_LABELS = {
    QuestionType.SINGLE: _l("Pilihan ganda (satu jawaban)"),
    QuestionType.MULTIPLE: _l("Pilihan ganda (beberapa jawaban)"),
    QuestionType.TRUEFALSE: _l("Benar/salah"),
    QuestionType.SHORTANSWER: _l("Isian singkat"),
    QuestionType.NUMERICAL: _l("Numerik"),
    QuestionType.MATCHING: _l("Menjodohkan"),
    QuestionType.ESSAY: _l("Esai (dinilai pengajar)"),
    QuestionType.CLOZE: _l("Isian rumpang (jawaban tersemat)"),
}


class TextFormat(enum.StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"
    PLAIN = "plain"  # shown exactly as written (Aiken, GIFT [plain], Moodle XML plain_text)


class QuestionBank(db.Model):
    __tablename__ = "question_banks"
    __table_args__ = (sa.UniqueConstraint("course_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()
    categories: Mapped[list[QuestionCategory]] = relationship(
        back_populates="bank",
        order_by="QuestionCategory.name",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class QuestionCategory(db.Model):
    __tablename__ = "question_categories"
    __table_args__ = (sa.UniqueConstraint("bank_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("question_banks.id", ondelete="CASCADE"), index=True)
    # A path such as "evaluasi" or "modul-1/latihan" (GIFT's $CATEGORY).
    name: Mapped[str] = mapped_column(sa.String(255))

    bank: Mapped[QuestionBank] = relationship(back_populates="categories")


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("question_banks.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_categories.id", ondelete="CASCADE"), index=True
    )
    qtype: Mapped[QuestionType] = mapped_column(enum_column(QuestionType, "question_type", 20))
    name: Mapped[str] = mapped_column(sa.String(255))
    text_format: Mapped[TextFormat] = mapped_column(
        enum_column(TextFormat, "text_format", 10), default=TextFormat.MARKDOWN
    )
    prompt: Mapped[str] = mapped_column(sa.Text)
    prompt_html: Mapped[str] = mapped_column(sa.Text)
    general_feedback: Mapped[str] = mapped_column(sa.Text, default="")
    general_feedback_html: Mapped[str] = mapped_column(sa.Text, default="")
    mark: Mapped[float] = mapped_column(sa.Float, default=1.0)
    # Type-specific definition, with the sanitised HTML of every text in it.
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    bank: Mapped[QuestionBank] = relationship()
    category: Mapped[QuestionCategory] = relationship()
