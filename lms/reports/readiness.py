"""Promotion readiness: candidates for a position ranked by fit to its required levels, with the
evidence behind each level, and the export."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..accounts.identity import verified
from ..accounts.models import User
from ..careers.models import (
    CareerSummary,
    CompetencyRecord,
    JpTotal,
    Position,
    PositionPath,
    PositionRequirement,
    Predikat,
    RecordSource,
    StaffCompetency,
    StaffPosition,
)
from ..careers.summaries import fit_percent
from ..competencies.models import Competency
from ..extensions import db
from .units import PAGE_SIZE


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
