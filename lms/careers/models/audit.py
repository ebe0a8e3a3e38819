"""The audit log of careers: every change to a competency record, JP record or appraisal.

Rows are never updated or deleted by the application. They outlive the people they are about
(the user references are set to NULL, the snapshots keep the values).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import User, utcnow
from ...extensions import db


class AuditEntry(db.Model):
    __tablename__ = "career_audit_log"
    __table_args__ = (
        sa.Index("ix_career_audit_log_entity", "entity", "entity_id"),
        sa.Index("ix_career_audit_log_subject_at", "subject_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(30))  # "competency_record", "appraisal", "jp_record"
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(sa.String(20))  # "create", "update", "revoke", "respond", ...
    # The person the entity is about, and who changed it (None: the system, e.g. a course completion).
    subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
