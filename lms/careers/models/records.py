"""Competency records (an earned level with its evidence) and JP from learning done elsewhere.

A record names where it came from as a source kind and a reference: a course completion refers to
its enrolment, a webinar to its attendance, learning elsewhere to the learner's approved report
(`ExternalLearning`), an assessment has none. The certificate that proves a
course or webinar record is the one issued for the same (source, source id): certificates use the
same pair, so no column is needed and a certificate issued later (by `flask lms
issue-certificates`) is found too. Courses are never imported here: the enrolment is referred to
by id only.
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


class RecordSource(enum.StrEnum):
    COURSE = "course"
    WEBINAR = "webinar"
    ASSESSMENT = "assessment"
    EXTERNAL = "external"  # learning elsewhere, reported by the learner and approved by HR

    @property
    def label(self) -> str:
        return str(RECORD_SOURCE_LABELS[self])


RECORD_SOURCE_LABELS = {
    RecordSource.COURSE: _l("Kursus"),
    RecordSource.WEBINAR: _l("Webinar"),
    RecordSource.ASSESSMENT: _l("Asesmen"),
    RecordSource.EXTERNAL: _l("Pelatihan di luar platform"),
}


class RevokeCause(enum.StrEnum):
    """Why a record stopped counting. Only records HR withdrew stay withdrawn whatever happens; the
    others come back by themselves when their cause goes (the certificate is never un-revoked,
    but attendance can be corrected back, and a course can award the competency again)."""

    HR = "hr"  # withdrawn by HR (e.g. the wrong person)
    CERTIFICATE = "certificate"  # the certificate that evidences it was revoked
    ATTENDANCE = "attendance"  # the webinar attendance was corrected to absent
    COURSE = "course"  # the course no longer awards it
    WEBINAR = "webinar"  # the webinar no longer awards it (its competencies were edited)
    EXTERNAL = "external"  # HR revoked the approval of the learning reported from elsewhere

    @property
    def label(self) -> str:
        return str(REVOKE_CAUSE_LABELS[self])


REVOKE_CAUSE_LABELS = {
    RevokeCause.HR: _l("dicabut oleh pengelola SDM"),
    RevokeCause.CERTIFICATE: _l("sertifikatnya dicabut"),
    RevokeCause.ATTENDANCE: _l("kehadiran webinar dikoreksi menjadi tidak hadir"),
    RevokeCause.COURSE: _l("kursus tidak lagi memberikan kompetensi ini"),
    RevokeCause.WEBINAR: _l("webinar tidak lagi memberikan kompetensi ini"),
    RevokeCause.EXTERNAL: _l("pelatihan di luar platform dicabut"),
}


class CompetencyRecord(db.Model):
    __tablename__ = "competency_records"
    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        # A course completion (or webinar attendance) awards each competency once.
        sa.UniqueConstraint("source", "source_id", "competency_id"),
        sa.Index("ix_competency_records_user_competency", "user_id", "competency_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competencies.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int] = mapped_column(sa.SmallInteger)
    source: Mapped[RecordSource] = mapped_column(enum_column(RecordSource, "record_source", 12))
    # The enrolment (course), attendance (webinar) or reported learning (external) id; None for
    # assessments.
    source_id: Mapped[int | None]
    # What proves it: an assessment report number, a document reference, a note by HR.
    evidence: Mapped[str] = mapped_column(sa.String(500), default="")
    achieved_on: Mapped[date] = mapped_column(sa.Date)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_cause: Mapped[RevokeCause | None] = mapped_column(enum_column(RevokeCause, "revoke_cause", 12))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    competency: Mapped[Competency] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def snapshot(self) -> dict:
        """The audited fields, as plain JSON values."""
        return {
            "user_id": self.user_id,
            "competency_id": self.competency_id,
            "level": self.level,
            "source": str(self.source),
            "source_id": self.source_id,
            "evidence": self.evidence,
            "achieved_on": self.achieved_on.isoformat() if self.achieved_on else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoked_cause": str(self.revoked_cause) if self.revoked_cause else None,
        }


class LearningKind(enum.StrEnum):
    CLASSROOM = "classroom"
    COACHING = "coaching"
    MENTORING = "mentoring"
    SEMINAR = "seminar"
    SELF_STUDY = "self_study"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(LEARNING_KIND_LABELS[self])


LEARNING_KIND_LABELS = {
    LearningKind.CLASSROOM: _l("Pelatihan klasikal"),
    LearningKind.COACHING: _l("Coaching"),
    LearningKind.MENTORING: _l("Mentoring"),
    LearningKind.SEMINAR: _l("Seminar/lokakarya"),
    LearningKind.SELF_STUDY: _l("Belajar mandiri"),
    LearningKind.OTHER: _l("Lainnya"),
}


class JpRecord(db.Model):
    """JP earned by learning outside the platform, recorded by HR with its evidence."""

    __tablename__ = "jp_records"
    __table_args__ = (
        sa.CheckConstraint("jp BETWEEN 1 AND 1000", name="jp_range"),
        sa.CheckConstraint("ended_on >= started_on", name="dates_in_order"),
        sa.Index("ix_jp_records_user_ended", "user_id", "ended_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[LearningKind] = mapped_column(enum_column(LearningKind, "learning_kind", 12))
    title: Mapped[str] = mapped_column(sa.String(200))
    organizer: Mapped[str] = mapped_column(sa.String(200), default="")
    jp: Mapped[int]
    # The duration as given, when HR entered minutes rather than JP (for the SIASN hours).
    minutes: Mapped[int | None]
    started_on: Mapped[date] = mapped_column(sa.Date)
    ended_on: Mapped[date] = mapped_column(sa.Date)
    evidence: Mapped[str] = mapped_column(sa.String(500), default="")
    certificate_number: Mapped[str] = mapped_column(sa.String(100), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def snapshot(self) -> dict:
        return {
            "user_id": self.user_id,
            "kind": str(self.kind),
            "title": self.title,
            "jp": self.jp,
            "minutes": self.minutes,
            "started_on": self.started_on.isoformat(),
            "ended_on": self.ended_on.isoformat(),
            "evidence": self.evidence,
            "certificate_number": self.certificate_number,
        }
