"""The HR dashboard's figures: JP compliance of the whole agency and the 9-box counts in one pass."""

from __future__ import annotations

import sqlalchemy as sa

from ..accounts.identity import verified
from ..accounts.models import User
from ..careers.models import (
    CareerSummary,
    JpTotal,
)
from ..extensions import db
from .compliance import ComplianceReport, Counts, jp_expr
from .talent import NineBox


def overview(agency_id: int, year: int, target: int) -> tuple[ComplianceReport, NineBox]:
    """The dashboard's figures in one pass over the agency's people: JP compliance of the whole
    agency (no unit rows) and the 9-box counts."""
    jp_value = jp_expr()
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
