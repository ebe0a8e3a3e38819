"""Attempts and their items: each item is a snapshot of the drawn question and the answer saved.

At most one attempt per person and quiz is in progress (a partial unique index), and attempt
numbers are unique per person and quiz, so two tabs cannot open attempts beyond the limit.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import User
from ...core.clock import as_utc, utcnow
from ...core.columns import UTCDateTime, enum_column
from ...extensions import db
from .quizzes import Quiz


class AttemptState(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"


class FinishReason(enum.StrEnum):
    SUBMITTED = "submitted"
    TIMEOUT = "timeout"  # closed at its deadline, from the answers saved in time


class Attempt(db.Model):
    __tablename__ = "attempts"
    __table_args__ = (
        sa.UniqueConstraint("quiz_id", "user_id", "number"),
        sa.Index(
            "ix_attempts_one_open",
            "quiz_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text("state = 'in_progress'"),
            postgresql_where=sa.text("state = 'in_progress'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    state: Mapped[AttemptState] = mapped_column(
        enum_column(AttemptState, "attempt_state", 15), default=AttemptState.IN_PROGRESS, index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # min(start + time limit (+ extra time), close date); None when neither applies.
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finish_reason: Mapped[FinishReason | None] = mapped_column(enum_column(FinishReason, "finish_reason", 15))
    score: Mapped[float | None] = mapped_column(sa.Float)
    max_score: Mapped[float | None] = mapped_column(sa.Float)
    percent: Mapped[float | None] = mapped_column(sa.Float)
    passed: Mapped[bool | None]
    # Essays wait for the trainer; the attempt has no final score until they are graded.
    needs_grading: Mapped[bool] = mapped_column(default=False)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    quiz: Mapped[Quiz] = relationship()
    user: Mapped[User] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt",
        order_by="AttemptItem.slot",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def is_open(self) -> bool:
        return self.state is AttemptState.IN_PROGRESS

    @property
    def deadline(self) -> datetime | None:
        return as_utc(self.deadline_at)


class AttemptItem(db.Model):
    __tablename__ = "attempt_items"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    slot: Mapped[int]
    question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="SET NULL"), index=True
    )
    question_version: Mapped[int] = mapped_column(default=1)
    qtype: Mapped[str] = mapped_column(sa.String(20))
    # The question as drawn for this attempt: texts, options with per-attempt tokens, the key.
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    response: Mapped[dict | None] = mapped_column(sa.JSON)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fraction: Mapped[float | None] = mapped_column(sa.Float)
    score: Mapped[float | None] = mapped_column(sa.Float)
    # A trainer's mark for an essay; kept apart so regrading never overwrites it.
    manual_score: Mapped[float | None] = mapped_column(sa.Float)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    graded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attempt: Mapped[Attempt] = relationship(back_populates="items")

    @property
    def max_score(self) -> float:
        return float(self.snapshot.get("mark", 1.0))
