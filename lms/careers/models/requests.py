"""Training requests: a learner tells HR which competency they need training in; HR answers."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import User
from ...competencies.models import Competency
from ...core.clock import utcnow
from ...core.columns import UTCDateTime, enum_column
from ...extensions import db


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return str(REQUEST_STATUS_LABELS[self])


REQUEST_STATUS_LABELS = {
    RequestStatus.OPEN: _l("Menunggu jawaban"),
    RequestStatus.ACCEPTED: _l("Disetujui"),
    RequestStatus.DECLINED: _l("Belum dapat dipenuhi"),
}


class TrainingRequest(db.Model):
    __tablename__ = "training_requests"
    __table_args__ = (sa.Index("ix_training_requests_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competencies.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "request_status", 10), default=RequestStatus.OPEN, index=True
    )
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    competency: Mapped[Competency] = relationship()
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
