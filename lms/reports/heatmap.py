"""The competency-gap heatmap: per unit and competency, how many people meet the level their
position requires (the UnitCompetencyStat and StaffGap tables kept by careers), and the export."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..accounts.agencies import unit_tree
from ..accounts.models import Unit, User
from ..careers.models import (
    StaffGap,
    UnitCompetencyStat,
)
from ..competencies.models import Competency
from ..extensions import db
from .units import PAGE_SIZE, subtree_map


@dataclass
class Cell:
    staff: int = 0
    met: int = 0
    gap_sum: int = 0

    def add(self, other: Cell) -> None:
        self.staff += other.staff
        self.met += other.met
        self.gap_sum += other.gap_sum

    @property
    def percent_met(self) -> int | None:
        return round(100 * self.met / self.staff) if self.staff else None

    @property
    def average_gap(self) -> float:
        return round(self.gap_sum / self.staff, 1) if self.staff else 0.0

    @property
    def heat(self) -> int | None:
        """0 (almost everyone meets the requirement) to 4 (almost nobody does)."""
        met = self.percent_met
        if met is None:
            return None
        return 0 if met >= 90 else 1 if met >= 75 else 2 if met >= 50 else 3 if met >= 25 else 4


@dataclass
class HeatRow:
    unit: Unit
    own_only: bool  # the parent's own people, without its sub-units
    has_children: bool
    cells: dict[int, Cell]
    total: Cell


@dataclass
class Heatmap:
    parent: Unit | None
    breadcrumbs: list[Unit]
    competencies: list[Competency]
    rows: list[HeatRow]
    total: dict[int, Cell]


def heatmap(agency_id: int, parent_unit_id: int | None = None) -> Heatmap:
    """Per unit (the top units, or the sub-units of one) and competency: how many meet the SKJ."""
    tree = unit_tree(agency_id)
    units = {unit.id: unit for unit, _ in tree}
    parent = units.get(parent_unit_id) if parent_unit_id is not None else None
    subtrees = subtree_map(tree)
    stats: dict[int, dict[int, Cell]] = {}
    for unit_id, competency_id, staff, met, gap_sum in db.session.execute(
        sa.select(
            UnitCompetencyStat.unit_id,
            UnitCompetencyStat.competency_id,
            UnitCompetencyStat.staff,
            UnitCompetencyStat.met,
            UnitCompetencyStat.gap_sum,
        ).where(UnitCompetencyStat.agency_id == agency_id, UnitCompetencyStat.staff > 0)
    ):
        stats.setdefault(unit_id, {})[competency_id] = Cell(staff, met, gap_sum)

    def rolled(unit_ids) -> dict[int, Cell]:
        cells: dict[int, Cell] = {}
        for unit_id in unit_ids:
            for competency_id, cell in stats.get(unit_id, {}).items():
                cells.setdefault(competency_id, Cell()).add(cell)
        return cells

    def total_of(cells: dict[int, Cell]) -> Cell:
        total = Cell()
        for cell in cells.values():
            total.add(cell)
        return total

    shown = [u for u, _ in tree if u.parent_id == (parent.id if parent else None)]
    rows = []
    if parent is not None and stats.get(parent.id):
        own = {k: Cell(v.staff, v.met, v.gap_sum) for k, v in stats[parent.id].items()}
        rows.append(HeatRow(parent, True, False, own, total_of(own)))
    for unit in shown:
        cells = rolled(subtrees[unit.id])
        rows.append(HeatRow(unit, False, len(subtrees[unit.id]) > 1, cells, total_of(cells)))
    scope = subtrees[parent.id] if parent else list(units)
    total = rolled(scope)
    competency_ids = sorted(total)
    competencies = (
        sorted(
            db.session.scalars(sa.select(Competency).where(Competency.id.in_(competency_ids))),
            key=lambda c: (c.type, c.code),
        )
        if competency_ids
        else []
    )
    crumbs = []
    current = parent
    while current is not None:
        crumbs.insert(0, current)
        current = units.get(current.parent_id) if current.parent_id else None
    return Heatmap(parent, crumbs, competencies, rows, total)


@dataclass
class GapPerson:
    user: User
    required: int
    level: int


def gap_people(
    agency_id: int,
    unit_ids: list[int] | None,
    competency_id: int,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> tuple[list[GapPerson], bool]:
    """People below the required level of a competency in these units: the list to act on."""
    query = (
        sa.select(User, StaffGap.required, StaffGap.level)
        .join(StaffGap, StaffGap.user_id == User.id)
        .where(
            StaffGap.agency_id == agency_id,
            StaffGap.competency_id == competency_id,
            StaffGap.level < StaffGap.required,
        )
        .options(selectinload(User.unit))
        .order_by((StaffGap.required - StaffGap.level).desc(), User.name, User.id)
        .limit(per_page + 1)
        .offset((max(page, 1) - 1) * per_page)
    )
    if unit_ids is not None:
        query = query.where(StaffGap.unit_id.in_(unit_ids))
    rows = db.session.execute(query).all()
    return [GapPerson(u, r, lv) for u, r, lv in rows[:per_page]], len(rows) > per_page


def heatmap_rows(agency_id: int):
    """Every unit x competency cell (own people of the unit), for the export."""
    query = (
        sa.select(
            Unit.code,
            Unit.name,
            Competency.code,
            Competency.name,
            UnitCompetencyStat.staff,
            UnitCompetencyStat.met,
            UnitCompetencyStat.gap_sum,
        )
        .join(Unit, Unit.id == UnitCompetencyStat.unit_id)
        .join(Competency, Competency.id == UnitCompetencyStat.competency_id)
        .where(UnitCompetencyStat.agency_id == agency_id, UnitCompetencyStat.staff > 0)
        .order_by(Unit.name, Competency.code)
        .execution_options(yield_per=2000)
    )
    for unit_code, unit_name, code, name, staff, met, gap_sum in db.session.execute(query):
        yield [unit_code, unit_name, code, name, staff, met, staff - met, round(gap_sum / staff, 2)]
