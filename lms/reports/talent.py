"""The talent 9-box: active people by performance (last appraisal) x fit to their position, the
members of a box, and the export."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..accounts.identity import verified
from ..accounts.models import Unit, User
from ..careers.models import (
    CareerSummary,
    Position,
    Predikat,
)
from ..extensions import db
from .units import PAGE_SIZE

# (performance level, fit level) -> box number, as in the guidance on ASN talent management:
# the further right (performance) and up (competency/potential), the higher the number.
BOXES = {
    (1, 1): 1,
    (2, 1): 2,
    (1, 2): 3,
    (3, 1): 4,
    (2, 2): 5,
    (1, 3): 6,
    (3, 2): 7,
    (2, 3): 8,
    (3, 3): 9,
}
BOX_ACTIONS = {
    9: _l("Dipertimbangkan untuk promosi dan rencana suksesi"),
    8: _l("Rencana suksesi; penugasan yang mendorong kinerja"),
    7: _l("Rencana suksesi; pengembangan kompetensi"),
    6: _l("Cari penyebab kinerja rendah; coaching"),
    5: _l("Pengembangan kompetensi; perluasan pengalaman"),
    4: _l("Pertahankan; kembangkan keahlian teknis"),
    3: _l("Bimbingan kinerja; target yang jelas"),
    2: _l("Pertahankan kinerja; pengembangan sesuai jabatan"),
    1: _l("Konseling kinerja dan pembinaan"),
}
PERF_LABELS = {1: _l("Di bawah ekspektasi"), 2: _l("Sesuai ekspektasi"), 3: _l("Di atas ekspektasi")}
FIT_LABELS = {1: _l("Rendah (< 70%)"), 2: _l("Menengah (70–89%)"), 3: _l("Tinggi (≥ 90%)")}


@dataclass
class NineBox:
    counts: dict[tuple[int, int], int]
    unplaced: int
    total: int

    def count(self, perf: int, fit: int) -> int:
        return self.counts.get((perf, fit), 0)

    @property
    def grid(self) -> list[list[tuple[int, int, int]]]:
        """Rows from high fit to low, each (perf, fit, box) from low performance to high."""
        return [[(perf, fit, BOXES[(perf, fit)]) for perf in (1, 2, 3)] for fit in (3, 2, 1)]


def ninebox(agency_id: int) -> NineBox:
    """Active people by performance (last appraisal) x fit to their current position."""
    counts: dict[tuple[int, int], int] = {}
    unplaced = total = 0
    for perf, fit, n in db.session.execute(
        sa.select(CareerSummary.perf_level, CareerSummary.fit_level, sa.func.count())
        .select_from(User)
        .outerjoin(CareerSummary, CareerSummary.user_id == User.id)
        .where(User.agency_id == agency_id, User.active.is_(True), verified())
        .group_by(CareerSummary.perf_level, CareerSummary.fit_level)
    ):
        total += n
        if perf is None or fit is None:
            unplaced += n
        else:
            counts[(perf, fit)] = n
    return NineBox(counts, unplaced, total)


@dataclass
class BoxMember:
    user: User
    fit: int
    predikat: Predikat
    position: str


def box_members(
    agency_id: int, perf: int, fit: int, *, page: int = 1, per_page: int = PAGE_SIZE
) -> tuple[list[BoxMember], bool]:
    query = (
        sa.select(User, CareerSummary.fit, CareerSummary.predikat, Position.name)
        .join(CareerSummary, CareerSummary.user_id == User.id)
        .outerjoin(Position, Position.id == CareerSummary.position_id)
        .where(
            User.agency_id == agency_id,
            User.active.is_(True),
            verified(),
            CareerSummary.perf_level == perf,
            CareerSummary.fit_level == fit,
        )
        .options(selectinload(User.unit))
        .order_by(CareerSummary.fit.desc(), User.name, User.id)
        .limit(per_page + 1)
        .offset((max(page, 1) - 1) * per_page)
    )
    rows = db.session.execute(query).all()
    return [BoxMember(u, f, p, name or "") for u, f, p, name in rows[:per_page]], len(rows) > per_page


def ninebox_rows(agency_id: int):
    """Every placed person with their box, for the export (streamed)."""
    query = (
        sa.select(
            User.nip,
            User.name,
            Unit.name,
            Position.name,
            CareerSummary.predikat,
            CareerSummary.fit,
            CareerSummary.perf_level,
            CareerSummary.fit_level,
        )
        .join(CareerSummary, CareerSummary.user_id == User.id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .outerjoin(Position, Position.id == CareerSummary.position_id)
        .where(
            User.agency_id == agency_id,
            User.active.is_(True),
            verified(),
            CareerSummary.perf_level.is_not(None),
            CareerSummary.fit_level.is_not(None),
        )
        .order_by(Unit.name, User.name, User.id)
        .execution_options(yield_per=2000)
    )
    for nip, name, unit, position, predikat, fit, perf, fit_lvl in db.session.execute(query):
        yield [
            nip or "",
            name,
            unit or "",
            position or "",
            Predikat(predikat).label,
            fit,
            BOXES[(perf, fit_lvl)],
        ]
