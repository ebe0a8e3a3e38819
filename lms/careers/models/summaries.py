"""Derived tables that keep HR analytics fast for agencies of 100,000 people.

Each is a pure function of the source tables (records, positions, appraisals, enrolments, JP
records, users) and is kept in step by `lms.careers.summaries` whenever a source changes; `flask
lms careers-refresh` rebuilds them from scratch (the tests check both give the same result).

- staff_competencies: a person's level per competency (the highest evidenced level).
- jp_totals: JP per person per calendar year (courses + JP records + webinars).
- staff_competency_gaps: per person, each requirement of their current position with their level.
- unit_competency_stats: the heatmap cells, per unit and competency: staff, met, sum of gaps.
- career_summaries: per person, fit to the current position and the last appraisal (the 9-box).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ...core.clock import utcnow
from ...core.columns import UTCDateTime, enum_column
from ...extensions import db
from .appraisals import Predikat


class StaffCompetency(db.Model):
    __tablename__ = "staff_competencies"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    level: Mapped[int] = mapped_column(sa.SmallInteger)


class JpTotal(db.Model):
    __tablename__ = "jp_totals"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    jp: Mapped[int] = mapped_column(default=0)


class StaffGap(db.Model):
    """One requirement of a person's current position and their level in it (0 = none)."""

    __tablename__ = "staff_competency_gaps"
    __table_args__ = (sa.Index("ix_staff_competency_gaps_unit_competency", "unit_id", "competency_id"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True
    )
    # Copied from users at the last sync: the heatmap cell this row counts in.
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"))
    required: Mapped[int] = mapped_column(sa.SmallInteger)
    level: Mapped[int] = mapped_column(sa.SmallInteger)


class UnitCompetencyStat(db.Model):
    """A heatmap cell: staff of a unit whose position requires the competency, how many meet it."""

    __tablename__ = "unit_competency_stats"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    staff: Mapped[int] = mapped_column(default=0)
    met: Mapped[int] = mapped_column(default=0)
    gap_sum: Mapped[int] = mapped_column(default=0)


class CareerSummary(db.Model):
    """Per person: fit to the current position and the last appraisal, the two axes of the 9-box."""

    __tablename__ = "career_summaries"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    position_id: Mapped[int | None] = mapped_column(sa.ForeignKey("positions.id", ondelete="SET NULL"))
    requirements: Mapped[int] = mapped_column(default=0)
    met: Mapped[int] = mapped_column(default=0)
    required_sum: Mapped[int] = mapped_column(default=0)
    level_sum: Mapped[int] = mapped_column(default=0)  # sum of min(level, required)
    fit: Mapped[int | None] = mapped_column(sa.SmallInteger)  # percent; None without requirements
    fit_level: Mapped[int | None] = mapped_column(sa.SmallInteger)  # 1 low, 2 medium, 3 high
    predikat: Mapped[Predikat | None] = mapped_column(enum_column(Predikat, "summary_predikat", 16))
    perf_level: Mapped[int | None] = mapped_column(sa.SmallInteger)  # 1 low, 2 medium, 3 high
    appraisal_end: Mapped[date | None] = mapped_column(sa.Date)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
