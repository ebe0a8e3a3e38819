"""Learning that happened elsewhere, reported by the learner: a training they took outside the
platform, with its evidence (a file or a certificate number) and the competencies it developed.

HR of the learner's agency approves it (it then counts as a JP record, the same row HR enters
itself, so the JP ledger and the SIASN export read it with no second path) or returns it with a
reason; the learner fixes a returned report and sends it again.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import User
from ...competencies.models import Competency
from ...core.clock import utcnow
from ...core.columns import UTCDateTime, enum_column
from ...extensions import db
from .records import JpRecord, LearningKind


class ExternalStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for HR
    RETURNED = "returned"  # HR sent it back with a reason; the learner may fix and resend
    APPROVED = "approved"  # counted: its JP record is in the ledger
    WITHDRAWN = "withdrawn"  # the learner took it back before it was approved
    REVOKED = "revoked"  # HR withdrew an approval; its JP record is gone

    @property
    def label(self) -> str:
        return str(EXTERNAL_STATUS_LABELS[self])

    @property
    def editable(self) -> bool:
        """The learner may still change it (and withdraw it)."""
        return self in (ExternalStatus.PENDING, ExternalStatus.RETURNED)


EXTERNAL_STATUS_LABELS = {
    ExternalStatus.PENDING: _l("Menunggu pemeriksaan SDM"),
    ExternalStatus.RETURNED: _l("Dikembalikan untuk diperbaiki"),
    ExternalStatus.APPROVED: _l("Disetujui"),
    ExternalStatus.WITHDRAWN: _l("Ditarik"),
    ExternalStatus.REVOKED: _l("Persetujuan dicabut"),
}


class ExternalLearning(db.Model):
    __tablename__ = "external_learning"
    __table_args__ = (
        sa.CheckConstraint("jp BETWEEN 1 AND 1000", name="jp_range"),
        sa.CheckConstraint("ended_on >= started_on", name="dates_in_order"),
        sa.Index("ix_external_learning_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[LearningKind] = mapped_column(enum_column(LearningKind, "external_learning_kind", 12))
    title: Mapped[str] = mapped_column(sa.String(200))
    organizer: Mapped[str] = mapped_column(sa.String(200))
    started_on: Mapped[date] = mapped_column(sa.Date)
    ended_on: Mapped[date] = mapped_column(sa.Date)
    jp: Mapped[int]
    certificate_number: Mapped[str] = mapped_column(sa.String(100), default="")
    # The evidence file: stored under a random name in instance/uploads/evidence; the original
    # name is only a label.
    evidence_file: Mapped[str | None] = mapped_column(sa.String(40))
    evidence_name: Mapped[str | None] = mapped_column(sa.String(120))
    evidence_type: Mapped[str | None] = mapped_column(sa.String(40))
    status: Mapped[ExternalStatus] = mapped_column(
        enum_column(ExternalStatus, "external_status", 10), default=ExternalStatus.PENDING, index=True
    )
    reason: Mapped[str | None] = mapped_column(sa.Text)  # why HR returned it or revoked it
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The JP record an approval made (the ledger's row); one per report.
    jp_record_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("jp_records.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    jp_record: Mapped[JpRecord | None] = relationship()
    competencies: Mapped[list[ExternalLearningCompetency]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ExternalLearningCompetency.competency_id",
    )

    def snapshot(self) -> dict:
        return {
            "user_id": self.user_id,
            "kind": str(self.kind),
            "title": self.title,
            "organizer": self.organizer,
            "started_on": self.started_on.isoformat(),
            "ended_on": self.ended_on.isoformat(),
            "jp": self.jp,
            "certificate_number": self.certificate_number,
            "evidence_name": self.evidence_name,
            "status": str(self.status),
            "reason": self.reason,
            "competencies": {str(c.competency_id): c.level for c in self.competencies},
        }


class ExternalLearningCompetency(db.Model):
    """A competency (and the level) the learner says the training developed."""

    __tablename__ = "external_learning_competencies"
    __table_args__ = (sa.CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),)

    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("external_learning.id", ondelete="CASCADE"), primary_key=True
    )
    competency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    level: Mapped[int] = mapped_column(sa.SmallInteger)

    competency: Mapped[Competency] = relationship(lazy="joined")
