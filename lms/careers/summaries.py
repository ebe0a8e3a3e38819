"""Keeping the derived analytics tables in step with their sources (see models/summaries.py).

Two ways, which the tests check give the same result:

- `sync_people(ids)` after a change that concerns a few people: their level rows are already
  refreshed by the caller (`refresh_levels`), then their gap rows and summary are recomputed and
  the heatmap cells receive the difference (old contribution out, new contribution in);
- `rebuild(agency_id)` recomputes everything of an agency (or of everyone) with set-based SQL:
  the data generator uses it, and `flask lms careers-refresh` repairs what changed behind the
  application's back (e.g. SQL run by hand).

Every function takes the connection or session to run on (`db.session` in services; the
connection given to an ORM event inside a flush).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import sqlalchemy as sa

from ..accounts.models import Agency, User
from ..core.clock import utcnow
from ..core.inserts import dialect_insert
from ..extensions import db
from . import jp_sources
from .models import (
    Appraisal,
    CareerSummary,
    CompetencyRecord,
    JpRecord,
    JpTotal,
    PositionRequirement,
    Predikat,
    StaffCompetency,
    StaffGap,
    StaffPosition,
    UnitCompetencyStat,
)

logger = logging.getLogger(__name__)

CHUNK = 500
# The two axes of the talent 9-box, level 3 high, 2 medium, 1 low.
FIT_HIGH, FIT_MEDIUM = 90, 70  # percent of the required levels reached
PERF_LEVELS = {
    Predikat.SANGAT_BAIK: 3,
    Predikat.BAIK: 2,
    Predikat.BUTUH_PERBAIKAN: 1,
    Predikat.KURANG: 1,
    Predikat.SANGAT_KURANG: 1,
}

users = User.__table__
agencies = Agency.__table__
records = CompetencyRecord.__table__
levels = StaffCompetency.__table__
gaps = StaffGap.__table__
cells = UnitCompetencyStat.__table__
summaries = CareerSummary.__table__
staff_positions = StaffPosition.__table__
requirements = PositionRequirement.__table__
appraisals = Appraisal.__table__
jp_totals = JpTotal.__table__
jp_records = JpRecord.__table__


def fit_percent(level_sum: int, required_sum: int) -> int | None:
    """Percent of the required levels reached (each competency counted up to its requirement)."""
    return (100 * level_sum) // required_sum if required_sum else None


def fit_level(fit: int | None) -> int | None:
    """3 high (>= 90 %), 2 medium (70-89 %), 1 low (< 70 %); None without requirements."""
    if fit is None:
        return None
    return 3 if fit >= FIT_HIGH else 2 if fit >= FIT_MEDIUM else 1


def _dialect(conn) -> str:
    bind = conn.get_bind() if hasattr(conn, "get_bind") else conn
    return bind.dialect.name


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


# ---------------------------------------------------------------- levels


def refresh_levels(conn, user_id: int, competency_ids: Iterable[int]) -> None:
    """Recompute a person's level in these competencies: the highest level of active records."""
    wanted = sorted(set(competency_ids))
    if not wanted:
        return
    conn.execute(sa.delete(levels).where(levels.c.user_id == user_id, levels.c.competency_id.in_(wanted)))
    conn.execute(
        levels.insert().from_select(
            ["user_id", "competency_id", "level"],
            sa.select(records.c.user_id, records.c.competency_id, sa.func.max(records.c.level))
            .where(
                records.c.user_id == user_id,
                records.c.competency_id.in_(wanted),
                records.c.revoked_at.is_(None),
            )
            .group_by(records.c.user_id, records.c.competency_id),
        )
    )


def refresh_levels_of(conn, user_ids: Iterable[int], competency_ids: Iterable[int]) -> None:
    """refresh_levels for many people at once (a few statements per 500 people)."""
    wanted = sorted(set(competency_ids))
    if not wanted:
        return
    for ids in _chunks(user_ids):
        conn.execute(sa.delete(levels).where(levels.c.user_id.in_(ids), levels.c.competency_id.in_(wanted)))
        conn.execute(
            levels.insert().from_select(
                ["user_id", "competency_id", "level"],
                sa.select(records.c.user_id, records.c.competency_id, sa.func.max(records.c.level))
                .where(
                    records.c.user_id.in_(ids),
                    records.c.competency_id.in_(wanted),
                    records.c.revoked_at.is_(None),
                )
                .group_by(records.c.user_id, records.c.competency_id),
            )
        )


# ---------------------------------------------------------------- gaps, heatmap cells, summaries


def _gap_rows(where) -> sa.Select:
    """Each requirement of each selected person's position, with their level (0 when none)."""
    return (
        sa.select(
            users.c.id,
            requirements.c.competency_id,
            users.c.agency_id,
            users.c.unit_id,
            requirements.c.level,
            sa.func.coalesce(levels.c.level, 0),
        )
        .select_from(users)
        .join(staff_positions, staff_positions.c.user_id == users.c.id)
        .join(requirements, requirements.c.position_id == staff_positions.c.position_id)
        .outerjoin(
            levels,
            sa.and_(levels.c.user_id == users.c.id, levels.c.competency_id == requirements.c.competency_id),
        )
        .where(
            where,
            users.c.active.is_(True),
            users.c.identity_verified_at.is_not(None),  # unverified accounts count nowhere in HR views
            users.c.unit_id.is_not(None),
            users.c.agency_id.is_not(None),
        )
    )


def _cell_totals(conn, where) -> dict[tuple[int, int, int], tuple[int, int, int]]:
    """(agency, unit, competency) -> (staff, met, gap sum) over the selected gap rows."""
    gap = sa.func.greatest if _dialect(conn) == "postgresql" else sa.func.max
    query = (
        sa.select(
            gaps.c.agency_id,
            gaps.c.unit_id,
            gaps.c.competency_id,
            sa.func.count(),
            sa.func.sum(sa.case((gaps.c.level >= gaps.c.required, 1), else_=0)),
            sa.func.sum(gap(gaps.c.required - gaps.c.level, 0)),
        )
        .where(where)
        .group_by(gaps.c.agency_id, gaps.c.unit_id, gaps.c.competency_id)
    )
    return {(a, u, c): (int(s), int(m), int(g)) for a, u, c, s, m, g in conn.execute(query)}


def _add_to_cells(conn, deltas: dict[tuple[int, int, int], tuple[int, int, int]]) -> None:
    rows = [
        {"agency_id": a, "unit_id": u, "competency_id": c, "staff": s, "met": m, "gap_sum": g}
        for (a, u, c), (s, m, g) in sorted(deltas.items(), key=lambda item: (item[0][1], item[0][2]))
        if (s, m, g) != (0, 0, 0)
    ]
    for start in range(0, len(rows), CHUNK):
        stmt = dialect_insert(cells, conn).values(rows[start : start + CHUNK])
        stmt = stmt.on_conflict_do_update(
            index_elements=[cells.c.unit_id, cells.c.competency_id],
            set_={
                "staff": cells.c.staff + stmt.excluded.staff,
                "met": cells.c.met + stmt.excluded.met,
                "gap_sum": cells.c.gap_sum + stmt.excluded.gap_sum,
            },
        )
        conn.execute(stmt)


def _summary_rows(conn, where) -> sa.Select:
    """One career_summaries row per selected person (set-based; also used by rebuild)."""
    least = sa.func.least if _dialect(conn) == "postgresql" else sa.func.min
    fit = (
        sa.select(
            staff_positions.c.user_id,
            sa.func.count(requirements.c.competency_id).label("requirements"),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case((sa.func.coalesce(levels.c.level, 0) >= requirements.c.level, 1), else_=0)
                ),
                0,
            ).label("met"),
            sa.func.coalesce(sa.func.sum(requirements.c.level), 0).label("required_sum"),
            sa.func.coalesce(
                sa.func.sum(least(sa.func.coalesce(levels.c.level, 0), requirements.c.level)), 0
            ).label("level_sum"),
        )
        .select_from(staff_positions)
        .join(users, users.c.id == staff_positions.c.user_id)
        .outerjoin(requirements, requirements.c.position_id == staff_positions.c.position_id)
        .outerjoin(
            levels,
            sa.and_(
                levels.c.user_id == staff_positions.c.user_id,
                levels.c.competency_id == requirements.c.competency_id,
            ),
        )
        .where(where)
        .group_by(staff_positions.c.user_id)
        .subquery("fit")
    )
    ranked = (
        sa.select(
            appraisals.c.user_id,
            appraisals.c.predikat,
            appraisals.c.period_end,
            sa.func.row_number()
            .over(
                partition_by=appraisals.c.user_id,
                order_by=(appraisals.c.period_end.desc(), appraisals.c.id.desc()),
            )
            .label("n"),
        )
        .join(users, users.c.id == appraisals.c.user_id)
        .where(where)
        .subquery("ranked")
    )
    last = (
        sa.select(ranked.c.user_id, ranked.c.predikat, ranked.c.period_end)
        .where(ranked.c.n == 1)
        .subquery("last")
    )
    fit_value = sa.case((fit.c.required_sum > 0, (100 * fit.c.level_sum) / fit.c.required_sum), else_=None)
    fit_lvl = sa.case(
        (fit.c.required_sum == 0, None), (fit_value >= FIT_HIGH, 3), (fit_value >= FIT_MEDIUM, 2), else_=1
    )
    perf = sa.case(*[(last.c.predikat == p.value, level) for p, level in PERF_LEVELS.items()], else_=None)
    return (
        sa.select(
            users.c.id,
            staff_positions.c.position_id,
            sa.func.coalesce(fit.c.requirements, 0),
            sa.func.coalesce(fit.c.met, 0),
            sa.func.coalesce(fit.c.required_sum, 0),
            sa.func.coalesce(fit.c.level_sum, 0),
            fit_value,
            fit_lvl,
            last.c.predikat,
            perf,
            last.c.period_end,
            sa.literal(utcnow(), sa.DateTime(timezone=True)),
        )
        .select_from(users)
        .outerjoin(staff_positions, staff_positions.c.user_id == users.c.id)
        .outerjoin(fit, fit.c.user_id == users.c.id)
        .outerjoin(last, last.c.user_id == users.c.id)
        .where(where)
    )


SUMMARY_COLUMNS = [
    "user_id",
    "position_id",
    "requirements",
    "met",
    "required_sum",
    "level_sum",
    "fit",
    "fit_level",
    "predikat",
    "perf_level",
    "appraisal_end",
    "synced_at",
]
GAP_COLUMNS = ["user_id", "competency_id", "agency_id", "unit_id", "required", "level"]


def sync_people(conn, user_ids: Iterable[int]) -> None:
    """Recompute the gap rows and summaries of these people and move the heatmap cells."""
    for ids in _chunks(user_ids):
        if _dialect(conn) == "postgresql":
            # One sync per person at a time, or two could both take out the same old contribution.
            # NO KEY UPDATE does not block inserts that reference these users.
            conn.execute(
                sa.select(users.c.id)
                .where(users.c.id.in_(ids))
                .order_by(users.c.id)
                .with_for_update(key_share=True)
            )
        old = _cell_totals(conn, gaps.c.user_id.in_(ids))
        conn.execute(sa.delete(gaps).where(gaps.c.user_id.in_(ids)))
        conn.execute(gaps.insert().from_select(GAP_COLUMNS, _gap_rows(users.c.id.in_(ids))))
        new = _cell_totals(conn, gaps.c.user_id.in_(ids))
        deltas = {}
        for key in old.keys() | new.keys():
            o, n = old.get(key, (0, 0, 0)), new.get(key, (0, 0, 0))
            deltas[key] = (n[0] - o[0], n[1] - o[1], n[2] - o[2])
        _add_to_cells(conn, deltas)
        conn.execute(sa.delete(summaries).where(summaries.c.user_id.in_(ids)))
        conn.execute(
            summaries.insert().from_select(SUMMARY_COLUMNS, _summary_rows(conn, users.c.id.in_(ids)))
        )


def forget_people(conn, user_ids: Iterable[int]) -> None:
    """Take people out of the heatmap cells before they are deleted."""
    for ids in _chunks(user_ids):
        old = _cell_totals(conn, gaps.c.user_id.in_(ids))
        _add_to_cells(conn, {key: (-s, -m, -g) for key, (s, m, g) in old.items()})
        conn.execute(sa.delete(gaps).where(gaps.c.user_id.in_(ids)))


def holders_of(conn, position_ids: Iterable[int]) -> list[int]:
    """The people whose current position is one of these."""
    wanted = sorted(set(position_ids))
    if not wanted:
        return []
    return list(
        conn.execute(
            sa.select(staff_positions.c.user_id).where(staff_positions.c.position_id.in_(wanted))
        ).scalars()
    )


# ---------------------------------------------------------------- JP per year


def user_timezone(user: User) -> str:
    return user.effective_timezone


def refresh_jp(conn, user: User, years: Iterable[int]) -> None:
    """Recompute a person's JP total of these calendar years from every JP source."""
    timezone = user_timezone(user)
    for year in sorted(set(years)):
        total = sum(source.total(conn, user.id, year, timezone) for source in jp_sources.sources())
        stmt = dialect_insert(jp_totals, conn).values(user_id=user.id, year=year, jp=total)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[jp_totals.c.user_id, jp_totals.c.year], set_={"jp": stmt.excluded.jp}
            )
        )


def refresh_jp_people(conn, user_ids: Iterable[int]) -> None:
    """Recompute every year's JP total of these people from every JP source (set-based)."""
    for ids in _chunks(user_ids):
        conn.execute(sa.delete(jp_totals).where(jp_totals.c.user_id.in_(ids)))
        _rebuild_jp(conn, users.c.id.in_(ids))


def jp_total(conn, user_id: int, year: int) -> int:
    value = conn.execute(
        sa.select(jp_totals.c.jp).where(jp_totals.c.user_id == user_id, jp_totals.c.year == year)
    ).scalar()
    return int(value or 0)


# ---------------------------------------------------------------- rebuild


def rebuild(conn, agency_id: int | None = None) -> None:
    """Recompute every derived table for an agency's people (or everyone) from the sources."""
    where = users.c.agency_id == agency_id if agency_id is not None else sa.true()
    people = sa.select(users.c.id).where(where)
    conn.execute(sa.delete(levels).where(levels.c.user_id.in_(people)))
    conn.execute(
        levels.insert().from_select(
            ["user_id", "competency_id", "level"],
            sa.select(records.c.user_id, records.c.competency_id, sa.func.max(records.c.level))
            .join(users, users.c.id == records.c.user_id)
            .where(where, records.c.revoked_at.is_(None))
            .group_by(records.c.user_id, records.c.competency_id),
        )
    )
    conn.execute(sa.delete(jp_totals).where(jp_totals.c.user_id.in_(people)))
    _rebuild_jp(conn, where)
    # Heatmap cells: of this agency (an agency's units are its own), or all.
    cell_where = cells.c.agency_id == agency_id if agency_id is not None else sa.true()
    conn.execute(sa.delete(cells).where(cell_where))
    conn.execute(sa.delete(gaps).where(gaps.c.user_id.in_(people)))
    conn.execute(gaps.insert().from_select(GAP_COLUMNS, _gap_rows(where)))
    gap = sa.func.greatest if _dialect(conn) == "postgresql" else sa.func.max
    gap_where = gaps.c.agency_id == agency_id if agency_id is not None else sa.true()
    conn.execute(
        cells.insert().from_select(
            ["agency_id", "unit_id", "competency_id", "staff", "met", "gap_sum"],
            sa.select(
                gaps.c.agency_id,
                gaps.c.unit_id,
                gaps.c.competency_id,
                sa.func.count(),
                sa.func.sum(sa.case((gaps.c.level >= gaps.c.required, 1), else_=0)),
                sa.func.sum(gap(gaps.c.required - gaps.c.level, 0)),
            )
            .where(gap_where)
            .group_by(gaps.c.agency_id, gaps.c.unit_id, gaps.c.competency_id),
        )
    )
    conn.execute(sa.delete(summaries).where(summaries.c.user_id.in_(people)))
    conn.execute(summaries.insert().from_select(SUMMARY_COLUMNS, _summary_rows(conn, where)))
    logger.info("careers summaries rebuilt for %s", f"agency {agency_id}" if agency_id else "everyone")


def _rebuild_jp(conn, where) -> None:
    sources = jp_sources.sources()
    if _dialect(conn) == "postgresql":
        parts = [source.yearly_sql(where) for source in sources]
        union = sa.union_all(*parts).subquery("jp_parts")
        conn.execute(
            jp_totals.insert().from_select(
                ["user_id", "year", "jp"],
                sa.select(union.c.user_id, union.c.year, sa.func.sum(union.c.jp)).group_by(
                    union.c.user_id, union.c.year
                ),
            )
        )
        return
    # SQLite has no time zones: bucket the (few, development-sized) rows in Python.
    totals: dict[tuple[int, int], int] = {}
    for source in sources:
        for user_id, year, jp in source.yearly_rows(conn, where):
            totals[(user_id, year)] = totals.get((user_id, year), 0) + jp
    rows = [{"user_id": u, "year": y, "jp": jp} for (u, y), jp in sorted(totals.items())]
    for start in range(0, len(rows), CHUNK):
        conn.execute(jp_totals.insert(), rows[start : start + CHUNK])


def session_conn():
    """The connection-like object services use: the current session."""
    return db.session
