"""Performance appraisals (penilaian kinerja): ratings of work results and behaviour, predikat.

The predikat follows the matrix of PermenPAN-RB Nomor 6 Tahun 2022 from the two ratings: work
results (hasil kerja) and work behaviour (perilaku kerja, the BerAKHLAK core values).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import User
from ...core.clock import utcnow
from ...core.columns import UTCDateTime, enum_column
from ...extensions import db


class Rating(enum.StrEnum):
    ABOVE = "above"
    MEETS = "meets"
    BELOW = "below"

    @property
    def label(self) -> str:
        return str(RATING_LABELS[self])


RATING_LABELS = {
    Rating.ABOVE: _l("Di atas ekspektasi"),
    Rating.MEETS: _l("Sesuai ekspektasi"),
    Rating.BELOW: _l("Di bawah ekspektasi"),
}


class Predikat(enum.StrEnum):
    SANGAT_BAIK = "sangat_baik"
    BAIK = "baik"
    BUTUH_PERBAIKAN = "butuh_perbaikan"
    KURANG = "kurang"
    SANGAT_KURANG = "sangat_kurang"

    @property
    def label(self) -> str:
        return str(PREDIKAT_LABELS[self])

    @property
    def rank(self) -> int:
        """5 for Sangat Baik down to 1 for Sangat Kurang."""
        return PREDIKAT_RANKS[self]

    @property
    def needs_improvement(self) -> bool:
        """Butuh Perbaikan or lower: gap-closing training comes first on the profile."""
        return self.rank <= PREDIKAT_RANKS[Predikat.BUTUH_PERBAIKAN]


PREDIKAT_LABELS = {
    Predikat.SANGAT_BAIK: _l("Sangat Baik"),
    Predikat.BAIK: _l("Baik"),
    Predikat.BUTUH_PERBAIKAN: _l("Butuh Perbaikan"),
    Predikat.KURANG: _l("Kurang"),
    Predikat.SANGAT_KURANG: _l("Sangat Kurang"),
}
PREDIKAT_RANKS = {
    Predikat.SANGAT_BAIK: 5,
    Predikat.BAIK: 4,
    Predikat.BUTUH_PERBAIKAN: 3,
    Predikat.KURANG: 2,
    Predikat.SANGAT_KURANG: 1,
}

# (work results, behaviour) -> predikat
PREDIKAT_MATRIX = {
    (Rating.ABOVE, Rating.ABOVE): Predikat.SANGAT_BAIK,
    (Rating.ABOVE, Rating.MEETS): Predikat.BAIK,
    (Rating.MEETS, Rating.ABOVE): Predikat.BAIK,
    (Rating.MEETS, Rating.MEETS): Predikat.BAIK,
    (Rating.BELOW, Rating.ABOVE): Predikat.BUTUH_PERBAIKAN,
    (Rating.BELOW, Rating.MEETS): Predikat.BUTUH_PERBAIKAN,
    (Rating.ABOVE, Rating.BELOW): Predikat.KURANG,
    (Rating.MEETS, Rating.BELOW): Predikat.KURANG,
    (Rating.BELOW, Rating.BELOW): Predikat.SANGAT_KURANG,
}


def predikat_for(work: Rating, behaviour: Rating) -> Predikat:
    return PREDIKAT_MATRIX[(Rating(work), Rating(behaviour))]


class AppraisalPeriod(enum.StrEnum):
    ANNUAL = "annual"
    Q1 = "q1"
    Q2 = "q2"
    Q3 = "q3"
    Q4 = "q4"

    @property
    def label(self) -> str:
        return str(PERIOD_LABELS[self])

    def end(self, year: int) -> date:
        month = {"annual": 12, "q1": 3, "q2": 6, "q3": 9, "q4": 12}[self.value]
        return date(year, month, 31 if month in (3, 12) else 30)


PERIOD_LABELS = {
    AppraisalPeriod.ANNUAL: _l("Tahunan"),
    AppraisalPeriod.Q1: _l("Triwulan I"),
    AppraisalPeriod.Q2: _l("Triwulan II"),
    AppraisalPeriod.Q3: _l("Triwulan III"),
    AppraisalPeriod.Q4: _l("Triwulan IV"),
}

# The BerAKHLAK core values (SE MenPAN-RB 20/2021): code (a column suffix) -> name.
BERAKHLAK_VALUES = {
    "pelayanan": _l("Berorientasi Pelayanan"),
    "akuntabel": _l("Akuntabel"),
    "kompeten": _l("Kompeten"),
    "harmonis": _l("Harmonis"),
    "loyal": _l("Loyal"),
    "adaptif": _l("Adaptif"),
    "kolaboratif": _l("Kolaboratif"),
}
BERAKHLAK = tuple(BERAKHLAK_VALUES.values())


def behaviour_rating_for(values: Mapping[str, Rating]) -> Rating:
    """The work-behaviour rating from the seven value ratings: their median (the 4th of 7).

    Above expectations when at least four values are above, below when at least four are below,
    otherwise as expected.
    """
    ratings = [Rating(values[code]) for code in BERAKHLAK_VALUES]
    for rating in (Rating.ABOVE, Rating.BELOW):
        if sum(r is rating for r in ratings) * 2 > len(ratings):
            return rating
    return Rating.MEETS


def _value_column(code: str):
    return mapped_column(f"behaviour_{code}", enum_column(Rating, f"behaviour_{code}", 8))


class Appraisal(db.Model):
    __tablename__ = "appraisals"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "year", "period"),
        sa.Index("ix_appraisals_user_period_end", "user_id", "period_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    appraiser_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    year: Mapped[int]
    period: Mapped[AppraisalPeriod] = mapped_column(enum_column(AppraisalPeriod, "appraisal_period", 8))
    period_end: Mapped[date] = mapped_column(sa.Date)
    work_rating: Mapped[Rating] = mapped_column(enum_column(Rating, "work_rating", 8))
    # The overall behaviour rating: from the seven values below (their median); appraisals
    # recorded before the values were rated one by one have only this (values are NULL).
    behaviour_rating: Mapped[Rating] = mapped_column(enum_column(Rating, "behaviour_rating", 8))
    behaviour_pelayanan: Mapped[Rating | None] = _value_column("pelayanan")
    behaviour_akuntabel: Mapped[Rating | None] = _value_column("akuntabel")
    behaviour_kompeten: Mapped[Rating | None] = _value_column("kompeten")
    behaviour_harmonis: Mapped[Rating | None] = _value_column("harmonis")
    behaviour_loyal: Mapped[Rating | None] = _value_column("loyal")
    behaviour_adaptif: Mapped[Rating | None] = _value_column("adaptif")
    behaviour_kolaboratif: Mapped[Rating | None] = _value_column("kolaboratif")
    predikat: Mapped[Predikat] = mapped_column(enum_column(Predikat, "predikat", 16))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    response: Mapped[str | None] = mapped_column(sa.Text)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    appraiser: Mapped[User | None] = relationship(foreign_keys=[appraiser_id])

    @property
    def behaviour_values(self) -> list[tuple[str, str, Rating | None]]:
        """(code, name, rating) of each BerAKHLAK value; ratings are None on older appraisals."""
        return [
            (code, str(name), getattr(self, f"behaviour_{code}")) for code, name in BERAKHLAK_VALUES.items()
        ]

    @property
    def has_value_ratings(self) -> bool:
        return all(rating is not None for _code, _name, rating in self.behaviour_values)

    def snapshot(self) -> dict:
        return {
            "user_id": self.user_id,
            "appraiser_id": self.appraiser_id,
            "year": self.year,
            "period": str(self.period),
            "work_rating": str(self.work_rating),
            "behaviour_rating": str(self.behaviour_rating),
            "behaviour": {
                code: (str(rating) if rating is not None else None)
                for code, _name, rating in self.behaviour_values
            },
            "predikat": str(self.predikat),
            "notes": self.notes,
            "response": self.response,
        }
