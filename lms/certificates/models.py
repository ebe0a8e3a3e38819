"""Certificates: a frozen snapshot of what was certified, its number, its signed credential, its status.

Everything shown on a certificate is copied at issue time (holder name and NIP, title, JP,
competencies and levels, issuing agency), so later edits of the person, the course or the
catalogue never change a certificate that was already issued. A certificate comes from exactly
one source (a course enrolment, a webinar attendance), at most once: the unique constraint on
(source, source_id) holds even when two completion events arrive at the same moment.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Agency, User
from ..core.clock import utcnow
from ..core.columns import UTCDateTime, enum_column
from ..extensions import db


class CertificateSource(enum.StrEnum):
    COURSE = "course"  # source_id is the enrolment id
    WEBINAR = "webinar"  # source_id is the webinar attendance id

    @property
    def label(self) -> str:
        return str({CertificateSource.COURSE: _l("Kursus"), CertificateSource.WEBINAR: _l("Webinar")}[self])


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        sa.UniqueConstraint("source", "source_id"),
        sa.CheckConstraint("jp >= 0", name="jp_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    # Random, in the credential as the subject's id: says nothing about the person.
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    source: Mapped[CertificateSource] = mapped_column(
        enum_column(CertificateSource, "certificate_source", 10)
    )
    source_id: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    issuer_agency_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agencies.id", ondelete="SET NULL"), index=True
    )

    # The snapshot.
    holder_name: Mapped[str] = mapped_column(sa.String(150))
    holder_nip: Mapped[str | None] = mapped_column(sa.String(18))
    title: Mapped[str] = mapped_column(sa.String(200))
    jp: Mapped[int] = mapped_column(default=0)
    # [{"code", "name", "type", "level"}], in the order shown.
    competencies: Mapped[list] = mapped_column(sa.JSON, default=list)
    issuer_name: Mapped[str] = mapped_column(sa.String(200))
    # The official who signed, as the agency had it configured at issue (None: nobody configured).
    signatory_name: Mapped[str | None] = mapped_column(sa.String(150))
    signatory_position: Mapped[str | None] = mapped_column(sa.String(200))
    # The holder's time zone at issue: the dates printed on the certificate are dates there.
    timezone: Mapped[str] = mapped_column(sa.String(32), default="Asia/Jakarta")
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    # The signed credential (compact JWS) and the key that signed it.
    credential_jwt: Mapped[str] = mapped_column(sa.Text)
    key_id: Mapped[str] = mapped_column(sa.String(64))

    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    revocation_reason: Mapped[str | None] = mapped_column(sa.Text)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    issuer_agency: Mapped[Agency | None] = relationship()
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    def __repr__(self) -> str:
        return f"<Certificate {self.number}>"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def local_date(self, value: datetime | None) -> date | None:
        """A timestamp of this certificate as a date in the holder's zone at issue time."""
        if value is None:
            return None
        return value.astimezone(ZoneInfo(self.timezone)).date()

    @property
    def issued_on(self) -> date:
        return self.local_date(self.issued_at)

    @property
    def completed_on(self) -> date:
        return self.local_date(self.completed_at)

    @property
    def revoked_on(self) -> date | None:
        return self.local_date(self.revoked_at)


class CertificateSignatory(db.Model):
    """The official who signs an agency's certificates: printed on those issued from now on."""

    __tablename__ = "certificate_signatories"

    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(150))
    position: Mapped[str] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
