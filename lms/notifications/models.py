"""A notice to one person about one event, and what each person does not want by mail."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..core.columns import UTCDateTime
from ..extensions import db


class Notification(db.Model):
    """One notice: `kind` says what happened (kinds.KINDS), `key` which occurrence; one row per
    (user, kind, key), so an event that repeats never notifies or mails twice.

    The text is not stored: `params` fill the kind's sentence in the reader's language when the
    notice is shown or mailed. `path` is the site path the notice links to.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "key"),
        sa.Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(200))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    path: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: not (yet) mailed


class MailOptOut(db.Model):
    """A kind of notice this person does not want by mail (in the app they always see it)."""

    __tablename__ = "notification_mail_opt_outs"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
