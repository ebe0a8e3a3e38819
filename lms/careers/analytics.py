"""HR analytics of an agency: JP compliance, competency-gap heatmap, talent 9-box, promotion readiness.

They read the derived tables of `summaries` (kept in step with every change), so each page costs
a few aggregate queries over at most one row per person, whatever the size of the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..accounts.agencies import unit_tree
from ..accounts.identity import verified
from ..accounts.models import Unit, User
from ..extensions import db
from .models import (
    CareerSummary,
    Competency,
    CompetencyRecord,
    JpTotal,
    Position,
    PositionPath,
    PositionRequirement,
    Predikat,
    RecordSource,
    StaffCompetency,
    StaffGap,
    StaffPosition,
    UnitCompetencyStat,
)
from .summaries import fit_percent

PAGE_SIZE = 50


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


def _subtrees(tree: list[tuple[Unit, int]]) -> dict[int, list[int]]:
    """Unit id -> ids of the unit and every unit below it."""
    children: dict[int | None, list[int]] = {}
    for unit, _depth in tree:
        children.setdefault(unit.parent_id, []).append(unit.id)
    result: dict[int, list[int]] = {}
    for unit, _depth in reversed(tree):
        result[unit.id] = [unit.id] + [
            d for child in children.get(unit.id, []) for d in result.get(child, [child])
        ]
    return result


# ---------------------------------------------------------------- JP compliance


def _jp_expr():
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
            sa.func.sum(sa.case((_jp_expr() < target, 1), else_=0)),
            sa.func.sum(_jp_expr()),
        )
        .select_from(User)
        .outerjoin(JpTotal, sa.and_(JpTotal.user_id == User.id, JpTotal.year == year))
        .where(User.agency_id == agency_id, User.active.is_(True), verified())
        .group_by(User.unit_id)
    )
    for unit_id, staff, under, jp_sum in db.session.execute(query):
        own[unit_id] = Counts(int(staff), int(under or 0), int(jp_sum or 0))
    tree = unit_tree(agency_id)
    subtrees = _subtrees(tree)
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
        sa.select(User, _jp_expr())
        .outerjoin(JpTotal, sa.and_(JpTotal.user_id == User.id, JpTotal.year == year))
        .where(User.agency_id == agency_id, User.active.is_(True), verified(), _jp_expr() < target)
        .options(selectinload(User.unit))
        .order_by(_jp_expr(), User.name, User.id)
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
        sa.select(User.nip, User.name, Unit.name, User.position_title, _jp_expr())
        .outerjoin(JpTotal, sa.and_(JpTotal.user_id == User.id, JpTotal.year == year))
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.agency_id == agency_id, User.active.is_(True), verified(), _jp_expr() < target)
        .order_by(Unit.name, User.name, User.id)
        .execution_options(yield_per=2000)
    )
    for nip, name, unit, position, jp_value in db.session.execute(query):
        yield [nip or "", name, unit or "", position or "", int(jp_value), max(0, target - int(jp_value))]


# ---------------------------------------------------------------- competency-gap heatmap


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
    subtrees = _subtrees(tree)
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


def subtree_ids(agency_id: int, unit_id: int) -> list[int] | None:
    tree = unit_tree(agency_id)
    return _subtrees(tree).get(unit_id)


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


# ---------------------------------------------------------------- talent 9-box

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


def overview(agency_id: int, year: int, target: int) -> tuple[ComplianceReport, NineBox]:
    """The dashboard's figures in one pass over the agency's people: JP compliance of the whole
    agency (no unit rows) and the 9-box counts."""
    jp_value = _jp_expr()
    counts: dict[tuple[int, int], int] = {}
    total, unplaced = Counts(), 0
    for perf, fit, staff, under, jp_sum in db.session.execute(
        sa.select(
            CareerSummary.perf_level,
            CareerSummary.fit_level,
            sa.func.count(),
            sa.func.sum(sa.case((jp_value < target, 1), else_=0)),
            sa.func.sum(jp_value),
        )
        .select_from(User)
        .outerjoin(JpTotal, sa.and_(JpTotal.user_id == User.id, JpTotal.year == year))
        .outerjoin(CareerSummary, CareerSummary.user_id == User.id)
        .where(User.agency_id == agency_id, User.active.is_(True), verified())
        .group_by(CareerSummary.perf_level, CareerSummary.fit_level)
    ):
        total.add(Counts(int(staff), int(under or 0), int(jp_sum or 0)))
        if perf is None or fit is None:
            unplaced += staff
        else:
            counts[(perf, fit)] = staff
    return ComplianceReport(year, target, [], total), NineBox(counts, unplaced, total.staff)


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


# ---------------------------------------------------------------- promotion readiness


@dataclass
class Evidence:
    competency: Competency
    required: int
    level: int
    source: str
    detail: str


@dataclass
class Candidate:
    user: User
    current_position: str
    fit: int | None
    met: int
    requirements: int
    predikat: Predikat | None
    jp: int
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.requirements > 0 and self.met == self.requirements


def candidate_pool(position: Position) -> sa.Select:
    """Active people of the agency who hold a position leading here or aim for it (not its holders).

    The feeding positions are read first and passed as values: with a subquery in the OR the
    planner cannot estimate the pool and plans for a pool of half the agency (a hash over every
    staff competency instead of a few thousand index look-ups)."""
    feeders = list(
        db.session.scalars(
            sa.select(PositionPath.from_position_id).where(PositionPath.to_position_id == position.id)
        )
    )
    return (
        sa.select(StaffPosition.user_id)
        .join(User, User.id == StaffPosition.user_id)
        .where(
            User.agency_id == position.agency_id,
            User.active.is_(True),
            verified(),
            sa.or_(StaffPosition.position_id.in_(feeders), StaffPosition.target_position_id == position.id),
            sa.or_(StaffPosition.position_id.is_(None), StaffPosition.position_id != position.id),
        )
    )


def readiness(position: Position, year: int, *, limit: int = PAGE_SIZE) -> tuple[list[Candidate], int]:
    """Candidates for a position ranked by fit to its required levels, with the evidence; and the
    size of the pool."""
    pool_query = candidate_pool(position)
    pool = pool_query.subquery("pool")
    pool_size = db.session.scalar(sa.select(sa.func.count()).select_from(pool)) or 0
    # Score only the competencies people have (an index look-up per person of the pool); someone
    # with none of the required ones has fit 0 and comes after everyone else.
    level, required = StaffCompetency.level, PositionRequirement.level
    least = sa.func.least if db.session.get_bind().dialect.name == "postgresql" else sa.func.min
    got = sa.func.sum(least(level, required))
    met = sa.func.sum(sa.case((level >= required, 1), else_=0))
    scored = list(
        db.session.execute(
            sa.select(StaffCompetency.user_id, got, met)
            .join(
                PositionRequirement,
                sa.and_(
                    PositionRequirement.competency_id == StaffCompetency.competency_id,
                    PositionRequirement.position_id == position.id,
                ),
            )
            .where(StaffCompetency.user_id.in_(pool_query))
            .group_by(StaffCompetency.user_id)
            .order_by(got.desc(), met.desc(), StaffCompetency.user_id)
            .limit(limit)
        ).all()
    )
    if len(scored) < min(limit, pool_size):
        seen = [row[0] for row in scored]
        scored += [
            (user_id, 0, 0)
            for user_id in db.session.scalars(
                sa.select(pool.c.user_id)
                .where(pool.c.user_id.not_in(seen))
                .order_by(pool.c.user_id)
                .limit(limit - len(scored))
            )
        ]
    requirement_rows = db.session.execute(
        sa.select(Competency, PositionRequirement.level)
        .join(PositionRequirement, PositionRequirement.competency_id == Competency.id)
        .where(PositionRequirement.position_id == position.id)
        .order_by(Competency.type, Competency.code)
    ).all()
    required_sum = sum(level for _, level in requirement_rows)
    if not requirement_rows:  # nothing to rank by: the pool in name order
        scored = [
            (user_id, 0, 0)
            for user_id in db.session.scalars(
                sa.select(pool.c.user_id)
                .join(User, User.id == pool.c.user_id)
                .order_by(User.name)
                .limit(limit)
            )
        ]
    ids = [row[0] for row in scored]
    if not ids:
        return [], pool_size
    people = {
        u.id: u
        for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)).options(selectinload(User.unit)))
    }
    facts = {
        row[0]: row[1:]
        for row in db.session.execute(
            sa.select(CareerSummary.user_id, CareerSummary.predikat, Position.name)
            .outerjoin(Position, Position.id == CareerSummary.position_id)
            .where(CareerSummary.user_id.in_(ids))
        )
    }
    jp_of = dict(
        db.session.execute(
            sa.select(JpTotal.user_id, JpTotal.jp).where(JpTotal.user_id.in_(ids), JpTotal.year == year)
        ).all()
    )
    best: dict[tuple[int, int], CompetencyRecord] = {}
    for record in db.session.scalars(
        sa.select(CompetencyRecord)
        .where(
            CompetencyRecord.user_id.in_(ids),
            CompetencyRecord.revoked_at.is_(None),
            CompetencyRecord.competency_id.in_([c.id for c, _ in requirement_rows]),
        )
        .order_by(CompetencyRecord.level, CompetencyRecord.achieved_on)
    ):
        best[(record.user_id, record.competency_id)] = record  # the highest, latest last
    candidates = []
    for user_id, got_value, met_value in scored:
        predikat, position_name = facts.get(user_id, (None, None))
        evidence = []
        for competency, level in requirement_rows:
            record = best.get((user_id, competency.id))
            evidence.append(
                Evidence(
                    competency,
                    level,
                    record.level if record else 0,
                    record.source.label if record else "",
                    (record.evidence + " · " + record.achieved_on.strftime("%d-%m-%Y")) if record else "",
                )
            )
        candidates.append(
            Candidate(
                people[user_id],
                position_name or "",
                fit_percent(int(got_value), required_sum),
                int(met_value),
                len(requirement_rows),
                Predikat(predikat) if predikat else None,
                int(jp_of.get(user_id, 0)),
                evidence,
            )
        )
    return candidates, pool_size


def readiness_rows(position: Position, year: int):
    """The ranked candidates for the export."""
    candidates, _ = readiness(position, year, limit=1000)
    for rank, c in enumerate(candidates, start=1):
        gaps = ", ".join(
            f"{e.competency.code} {e.level}/{e.required}" for e in c.evidence if e.level < e.required
        )
        evidence = "; ".join(
            f"{e.competency.code} {e.level}: {e.source} {e.detail}".strip() for e in c.evidence if e.level
        )
        yield [
            rank,
            c.user.nip or "",
            c.user.name,
            c.user.unit.name if c.user.unit else "",
            c.current_position,
            c.fit if c.fit is not None else "",
            f"{c.met}/{c.requirements}",
            c.predikat.label if c.predikat else "",
            c.jp,
            gaps,
            evidence,
        ]


SOURCE_COURSE = RecordSource.COURSE
