"""What the offline sync has already processed: one receipt per client-generated item id and user.

The unique constraint on (user_id, client_id) is what makes a batch sent twice (a retry after a
lost response, two tabs, a background sync racing a page) record its items once: the second
insert of the same receipt fails, on PostgreSQL after waiting for the first transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..core.columns import UTCDateTime
from ..extensions import db


class SyncReceipt(db.Model):
    __tablename__ = "sync_receipts"
    __table_args__ = (sa.UniqueConstraint("user_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    kind: Mapped[str] = mapped_column(sa.String(30))
    # "recorded" or "refused", and what the client was told the first time.
    status: Mapped[str] = mapped_column(sa.String(10))
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OfflinePreferences(db.Model):
    """A learner's data-saving choices; no row means the defaults."""

    __tablename__ = "offline_preferences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # Videos and conference rooms never load by themselves; big images wait for a tap.
    low_data: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
