"""Positions (jabatan) of an agency, their required competency levels (SKJ) and career paths.

Who holds which position is careers' own table keyed by user (accounts must not import careers);
`User.position_title` stays the display text and is kept in step when HR sets a position.
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


class PositionType(enum.StrEnum):
    STRUCTURAL = "structural"
    FUNCTIONAL = "functional"
    EXECUTOR = "executor"

    @property
    def label(self) -> str:
        return str(POSITION_TYPE_LABELS[self])


POSITION_TYPE_LABELS = {
    PositionType.STRUCTURAL: _l("Struktural"),
    PositionType.FUNCTIONAL: _l("Fungsional"),
    PositionType.EXECUTOR: _l("Pelaksana"),
}


class Position(db.Model):
    __tablename__ = "positions"
    __table_args__ = (sa.UniqueConstraint("agency_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[PositionType] = mapped_column(enum_column(PositionType, "position_type", 12))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    requirements: Mapped[list[PositionRequirement]] = relationship(
        back_populates="position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PositionRequirement.competency_id",
    )
    next_paths: Mapped[list[PositionPath]] = relationship(
        foreign_keys="PositionPath.from_position_id",
        cascade="all, delete-orphan",
        passive_deletes=True,
        back_populates="from_position",
    )

    def __repr__(self) -> str:
        return f"<Position {self.code}>"


class PositionRequirement(db.Model):
    """The level of a competency that a position requires (its Standar Kompetensi Jabatan)."""

    __tablename__ = "position_requirements"
    __table_args__ = (sa.CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),)

    position_id: Mapped[int] = mapped_column(
        sa.ForeignKey("positions.id", ondelete="CASCADE"), primary_key=True
    )
    competency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    level: Mapped[int] = mapped_column(sa.SmallInteger)

    position: Mapped[Position] = relationship(back_populates="requirements")
    competency: Mapped[Competency] = relationship()


class PositionPath(db.Model):
    """An edge of the career-path graph: `from_position` leads to `to_position` (no cycles)."""

    __tablename__ = "position_paths"
    __table_args__ = (sa.CheckConstraint("from_position_id <> to_position_id", name="not_self"),)

    from_position_id: Mapped[int] = mapped_column(
        sa.ForeignKey("positions.id", ondelete="CASCADE"), primary_key=True
    )
    to_position_id: Mapped[int] = mapped_column(
        sa.ForeignKey("positions.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    from_position: Mapped[Position] = relationship(
        foreign_keys=[from_position_id], back_populates="next_paths"
    )
    to_position: Mapped[Position] = relationship(foreign_keys=[to_position_id])


class StaffPosition(db.Model):
    """A person's current position and the position they aim for next (both optional)."""

    __tablename__ = "staff_positions"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    position_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("positions.id", ondelete="SET NULL"), index=True
    )
    target_position_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("positions.id", ondelete="SET NULL"), index=True
    )
    since: Mapped[date | None] = mapped_column(sa.Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    position: Mapped[Position | None] = relationship(foreign_keys=[position_id])
    target_position: Mapped[Position | None] = relationship(foreign_keys=[target_position_id])
