"""Reaction surveys (Kirkpatrick level 1), their extra questions, and follow-ups (level 3).

A `Survey` is created once per completed enrolment or per attendance that made a person present;
it records what was learnt and when, whether or not the learner ever answers it. The unit and
agency of the learner are copied onto it when it is created, so results per unit stay as they
were when people move. A `FollowUp` is created for the learner and for their supervisor once the
configured delay has passed since the survey's `learned_at` (`follow_ups_opened_at` marks it done).
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.clock import utcnow
from ..core.columns import UTCDateTime, enum_column
from ..courses.models import Course
from ..extensions import db
from ..webinars.models import Webinar

ONE_SUBJECT = "(course_id IS NULL) <> (webinar_id IS NULL)"
RATINGS = ("relevance", "trainer", "materials", "apply")


def _rating_check(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} BETWEEN 1 AND 5", name=f"{column}_range")


class QuestionKind(enum.StrEnum):
    RATING = "rating"
    TEXT = "text"

    @property
    def label(self) -> str:
        return str({QuestionKind.RATING: _l("Skala 1–5"), QuestionKind.TEXT: _l("Jawaban teks")}[self])


class Applied(enum.StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"

    @property
    def label(self) -> str:
        return str({Applied.YES: _l("Ya"), Applied.PARTLY: _l("Sebagian"), Applied.NO: _l("Belum")}[self])


class Respondent(enum.StrEnum):
    LEARNER = "learner"
    SUPERVISOR = "supervisor"

    @property
    def label(self) -> str:
        return str({Respondent.LEARNER: _l("Peserta"), Respondent.SUPERVISOR: _l("Atasan")}[self])


class SurveyQuestion(db.Model):
    """A question a trainer adds to the survey of one course or one webinar."""

    __tablename__ = "evaluation_questions"
    __table_args__ = (sa.CheckConstraint(ONE_SUBJECT, name="one_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    webinar_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webinars.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind, "evaluation_question_kind", 10))
    text: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Removed by the trainer: asked no more, but its answers stay in the results.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course | None] = relationship()
    webinar: Mapped[Webinar | None] = relationship()


class Survey(db.Model):
    """The reaction survey of one person about one completed course or attended webinar."""

    __tablename__ = "evaluation_surveys"
    __table_args__ = (
        sa.CheckConstraint(ONE_SUBJECT, name="one_subject"),
        *(_rating_check(column) for column in RATINGS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    webinar_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webinars.id", ondelete="CASCADE"), index=True
    )
    enrolment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True
    )
    attendance_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webinar_attendances.id", ondelete="CASCADE"), unique=True
    )
    agency_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agencies.id", ondelete="SET NULL"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="SET NULL"), index=True)
    learned_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    relevance: Mapped[int | None] = mapped_column(sa.SmallInteger)
    trainer: Mapped[int | None] = mapped_column(sa.SmallInteger)
    materials: Mapped[int | None] = mapped_column(sa.SmallInteger)
    apply: Mapped[int | None] = mapped_column(sa.SmallInteger)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    follow_ups_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship()
    course: Mapped[Course | None] = relationship()
    webinar: Mapped[Webinar | None] = relationship()
    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def title(self) -> str:
        return self.course.title if self.course is not None else self.webinar.title

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class SurveyAnswer(db.Model):
    """The answer to one extra question of a survey."""

    __tablename__ = "evaluation_answers"
    __table_args__ = (_rating_check("rating"),)

    survey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_surveys.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_questions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    text: Mapped[str | None] = mapped_column(sa.Text)

    survey: Mapped[Survey] = relationship(back_populates="answers")
    question: Mapped[SurveyQuestion] = relationship()


class FollowUp(db.Model):
    """Months later: has the learner applied what they learnt at work? Asked of the learner and
    of their supervisor, one row each."""

    __tablename__ = "evaluation_follow_ups"
    __table_args__ = (sa.UniqueConstraint("survey_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation_surveys.id", ondelete="CASCADE"))
    role: Mapped[Respondent] = mapped_column(enum_column(Respondent, "evaluation_respondent", 10))
    respondent_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied: Mapped[Applied | None] = mapped_column(enum_column(Applied, "evaluation_applied", 10))
    example: Mapped[str | None] = mapped_column(sa.Text)

    survey: Mapped[Survey] = relationship()
    respondent: Mapped[User] = relationship()

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
