"""Quizzes of a course: settings, where their questions come from, per-person overrides, audit log."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import User
from ...core.clock import utcnow
from ...core.columns import UTCDateTime, enum_column
from ...courses.models import Course, Module
from ...extensions import db
from .banks import QuestionCategory


class GradingMethod(enum.StrEnum):
    HIGHEST = "highest"
    LAST = "last"
    AVERAGE = "average"

    @property
    def label(self) -> str:
        return str(
            {
                GradingMethod.HIGHEST: _l("Nilai tertinggi"),
                GradingMethod.LAST: _l("Percobaan terakhir"),
                GradingMethod.AVERAGE: _l("Rata-rata percobaan"),
            }[self]
        )


class Visibility(enum.StrEnum):
    """When learners may see something about their graded attempt."""

    NEVER = "never"
    AFTER_ATTEMPT = "after_attempt"
    AFTER_CLOSE = "after_close"

    @property
    def label(self) -> str:
        return str(
            {
                Visibility.NEVER: _l("Tidak pernah"),
                Visibility.AFTER_ATTEMPT: _l("Setelah setiap percobaan"),
                Visibility.AFTER_CLOSE: _l("Setelah kuis ditutup"),
            }[self]
        )


class Layout(enum.StrEnum):
    ALL = "all"
    ONE = "one"

    @property
    def label(self) -> str:
        return str(
            {Layout.ALL: _l("Semua soal dalam satu halaman"), Layout.ONE: _l("Satu soal per halaman")}[self]
        )


class Quiz(db.Model):
    __tablename__ = "quizzes"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "source_file"),
        sa.CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("modules.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    published: Mapped[bool] = mapped_column(default=False)
    # Counted by the "quizzes" completion criterion of the course.
    required: Mapped[bool] = mapped_column(default=True)
    time_limit_minutes: Mapped[int | None]
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_attempts: Mapped[int | None]
    pass_mark: Mapped[float] = mapped_column(sa.Float, default=70.0)
    grading_method: Mapped[GradingMethod] = mapped_column(
        enum_column(GradingMethod, "grading_method", 10), default=GradingMethod.HIGHEST
    )
    layout: Mapped[Layout] = mapped_column(enum_column(Layout, "quiz_layout", 5), default=Layout.ALL)
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    show_score: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "show_score", 15), default=Visibility.AFTER_ATTEMPT
    )
    show_feedback: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "show_feedback", 15), default=Visibility.AFTER_ATTEMPT
    )
    show_answers: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "show_answers", 15), default=Visibility.AFTER_CLOSE
    )
    # Untimed practice ("latihan tanpa batas waktu"): may be taken offline and graded when it syncs.
    practice: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The GIFT file of a course bundle this quiz comes from (quizzes/evaluasi.gift).
    source_file: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()
    module: Mapped[Module | None] = relationship()
    sources: Mapped[list[QuizSource]] = relationship(
        back_populates="quiz",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="QuizSource.id",
    )


class QuizSource(db.Model):
    """Draw `count` questions at random from a category (all of them when count is None)."""

    __tablename__ = "quiz_sources"
    __table_args__ = (
        sa.UniqueConstraint("quiz_id", "category_id"),
        sa.CheckConstraint("count IS NULL OR count > 0", name="count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_categories.id", ondelete="CASCADE"), index=True
    )
    count: Mapped[int | None]

    quiz: Mapped[Quiz] = relationship(back_populates="sources")
    category: Mapped[QuestionCategory] = relationship()


class QuizOverride(db.Model):
    """Extra time, extra attempts or a later close date granted to one person."""

    __tablename__ = "quiz_overrides"
    __table_args__ = (sa.UniqueConstraint("quiz_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    extra_minutes: Mapped[int] = mapped_column(default=0)
    extra_attempts: Mapped[int] = mapped_column(default=0)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class QuizAudit(db.Model):
    """Trainer actions that change results: overrides, reopened attempts, regrades, manual grades."""

    __tablename__ = "quiz_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attempts.id", ondelete="SET NULL"))
    subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(40))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id])
