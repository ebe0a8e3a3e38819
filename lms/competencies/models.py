"""The competency catalogue: managerial and socio-cultural (SKJ) and agencies' technical ones.

Courses, webinars and careers import this module; it imports only accounts and core. The SKJ
catalogue itself is seeded by migration 0002."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.columns import enum_column
from ..extensions import db

__all__ = ["LEVELS", "Competency", "CompetencyLevel", "CompetencyType", "COMPETENCY_TYPE_LABELS"]

LEVELS = (1, 2, 3, 4, 5)


class CompetencyType(enum.StrEnum):
    MANAGERIAL = "managerial"
    SOCIO_CULTURAL = "socio_cultural"
    TECHNICAL = "technical"

    @property
    def label(self) -> str:
        return str(COMPETENCY_TYPE_LABELS[self])


COMPETENCY_TYPE_LABELS = {
    CompetencyType.MANAGERIAL: _l("Manajerial"),
    CompetencyType.SOCIO_CULTURAL: _l("Sosial kultural"),
    CompetencyType.TECHNICAL: _l("Teknis"),
}


class Competency(db.Model):
    __tablename__ = "competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[CompetencyType] = mapped_column(enum_column(CompetencyType, "competency_type", 20))
    # Technical competencies belong to the agency that defines them; SKJ ones to nobody.
    agency_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(sa.Text, default="")

    levels: Mapped[list[CompetencyLevel]] = relationship(
        back_populates="competency", order_by="CompetencyLevel.level", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Competency {self.code}>"


class CompetencyLevel(db.Model):
    __tablename__ = "competency_levels"
    __table_args__ = (
        sa.UniqueConstraint("competency_id", "level"),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competencies.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int] = mapped_column(sa.SmallInteger)
    descriptor: Mapped[str] = mapped_column(sa.Text)

    competency: Mapped[Competency] = relationship(back_populates="levels")
