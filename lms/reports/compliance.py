"""JP compliance: per unit (own people and with sub-units) who is under the yearly JP target,
the people under it, and the export. Reads the JpTotal table kept by careers."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..accounts.agencies import unit_tree
from ..accounts.identity import verified
from ..accounts.models import Unit, User
from ..careers.models import (
    JpTotal,
)
from ..extensions import db
from .units import PAGE_SIZE, subtree_map


@dataclass
class Counts:
    staff: int = 0
    under: int = 0
    jp: int = 0

    def add(self, other: Counts) -> None:
        self.staff += other.staff
        self.under += other.under
        self.jp += other.jp

    @property
    def percent_under(self) -> int:
        return round(100 * self.under / self.staff) if self.staff else 0

    @property
    def average_jp(self) -> float:
        return round(self.jp / self.staff, 1) if self.staff else 0.0


@dataclass
class UnitRow:
    unit: Unit | None
    depth: int
    own: Counts
    total: Counts


@dataclass
class ComplianceReport:
    year: int
    target: int
    rows: list[UnitRow]
    total: Counts


def jp_expr():
    return sa.func.coalesce(JpTotal.jp, 0)


def _people(agency_id: int, year: int):
    return (
        sa.select(User)
        .outerjoin(JpTotal, sa.and_(JpTotal.user_id == User.id, JpTotal.year == year))
        .where(User.agency_id == agency_id, User.active.is_(True), verified())
    )


def compliance(agency_id: int, year: int, target: int) -> ComplianceReport:
    """Per unit (own people and with sub-units): staff, under the JP target, average JP."""
    own: dict[int | None, Counts] = {}
    query = (
        sa.select(
            User.unit_id,
            sa.func.count(),
            sa.func.sum(sa.case((jp_expr() < target, 1), else_=0)),
            sa.func.sum(jp_expr()),
        )
        .select_from(User)
        .outerjoin(JpTotal, sa.and_(JpTotal.user_id == User.id, JpTotal.year == year))
        .where(User.agency_id == agency_id, User.active.is_(True), verified())
        .group_by(User.unit_id)
    )
    for unit_id, staff, under, jp_sum in db.session.execute(query):
        own[unit_id] = Counts(int(staff), int(under or 0), int(jp_sum or 0))
    tree = unit_tree(agency_id)
    subtrees = subtree_map(tree)
    rows = []
    for unit, depth in tree:
        total = Counts()
        for unit_id in subtrees[unit.id]:
            total.add(own.get(unit_id, Counts()))
        rows.append(UnitRow(unit, depth, own.get(unit.id, Counts()), total))
    if None in own:
        rows.append(UnitRow(None, 0, own[None], own[None]))
    grand = Counts()
    for counts in own.values():
        grand.add(counts)
    return ComplianceReport(year, target, rows, grand)


@dataclass
class PersonJp:
    user: User
    jp: int


def under_target(
    agency_id: int,
    year: int,
    target: int,
    *,
    unit_ids: list[int] | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> tuple[list[PersonJp], bool]:
    """People under the JP target, fewest JP first: one page, and whether there is a next one."""
    query = (
        sa.select(User, jp_expr())
        .outerjoin(JpTotal, sa.and_(JpTotal.user_id == User.id, JpTotal.year == year))
        .where(User.agency_id == agency_id, User.active.is_(True), verified(), jp_expr() < target)
        .options(selectinload(User.unit))
        .order_by(jp_expr(), User.name, User.id)
        .limit(per_page + 1)
        .offset((max(page, 1) - 1) * per_page)
    )
    if unit_ids is not None:
        query = query.where(User.unit_id.in_(unit_ids))
    rows = db.session.execute(query).all()
    return [PersonJp(user, int(jp)) for user, jp in rows[:per_page]], len(rows) > per_page


def under_target_rows(agency_id: int, year: int, target: int):
    """Every person under the target, for the export: streamed, never all in memory."""
    query = (
        sa.select(User.nip, User.name, Unit.name, User.position_title, jp_expr())
        .outerjoin(JpTotal, sa.and_(JpTotal.user_id == User.id, JpTotal.year == year))
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.agency_id == agency_id, User.active.is_(True), verified(), jp_expr() < target)
        .order_by(Unit.name, User.name, User.id)
        .execution_options(yield_per=2000)
    )
    for nip, name, unit, position, jp_value in db.session.execute(query):
        yield [nip or "", name, unit or "", position or "", int(jp_value), max(0, target - int(jp_value))]
