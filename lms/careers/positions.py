"""Positions (jabatan) of an agency: required levels (SKJ), career paths, who holds what.

Career paths form a directed graph without cycles: a position leads to its next positions.
Changing what a position requires moves its holders' gaps (and the agency's heatmap) at once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..accounts.agencies import require_hr
from ..accounts.models import Agency, User
from ..competencies.models import LEVELS, Competency
from ..core.clock import utcnow
from ..extensions import db
from . import summaries
from .errors import CareerError
from .models import Position, PositionPath, PositionRequirement, PositionType, StaffPosition

logger = logging.getLogger(__name__)

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,31}$")


@dataclass
class PositionData:
    code: str
    name: str
    type: str
    requirements: Mapping[int, int] = field(default_factory=dict)  # competency id -> level
    description: str = ""


# ---------------------------------------------------------------- reading


def positions_of(agency_id: int, *, with_requirements: bool = False) -> list[Position]:
    """The agency's positions by type then name."""
    query = sa.select(Position).where(Position.agency_id == agency_id).order_by(Position.type, Position.name)
    if with_requirements:
        query = query.options(
            selectinload(Position.requirements).selectinload(PositionRequirement.competency),
            selectinload(Position.next_paths).selectinload(PositionPath.to_position),
        )
    return list(db.session.scalars(query))


def position_in_agency(position_id: int | None, agency_id: int | None) -> Position | None:
    if position_id is None or agency_id is None:
        return None
    position = db.session.get(Position, position_id)
    return position if position is not None and position.agency_id == agency_id else None


def load_position(position_id: int) -> Position | None:
    """A position with its requirements (and their competencies) and next positions."""
    return db.session.scalar(
        sa.select(Position)
        .where(Position.id == position_id)
        .options(
            selectinload(Position.requirements).selectinload(PositionRequirement.competency),
            selectinload(Position.next_paths).selectinload(PositionPath.to_position),
        )
    )


def feeder_ids(position_id: int) -> list[int]:
    """Positions whose career path leads directly to this one."""
    return list(
        db.session.scalars(
            sa.select(PositionPath.from_position_id).where(PositionPath.to_position_id == position_id)
        )
    )


def feeders(position_id: int) -> list[Position]:
    return list(
        db.session.scalars(
            sa.select(Position)
            .join(PositionPath, PositionPath.from_position_id == Position.id)
            .where(PositionPath.to_position_id == position_id)
            .order_by(Position.name)
        )
    )


def staff_position_of(user_id: int) -> StaffPosition | None:
    return db.session.get(StaffPosition, user_id)


def holders_count(position_id: int) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(StaffPosition)
            .where(StaffPosition.position_id == position_id)
        )
        or 0
    )


# ---------------------------------------------------------------- validation


def clean_code(raw: str, field_name: str = "code") -> str:
    code = (raw or "").strip().upper()
    if not CODE_PATTERN.match(code):
        raise CareerError(
            _l("Kode hanya boleh berisi huruf, angka, titik, garis bawah atau tanda hubung (maks. 32)."),
            field_name,
        )
    return code


def clean_name(raw: str) -> str:
    name = " ".join((raw or "").split())
    if not 2 <= len(name) <= 200:
        raise CareerError(_l("Nama jabatan wajib diisi (2 sampai 200 karakter)."), "name")
    return name


POSITION_TYPE_WORDS = {
    "structural": PositionType.STRUCTURAL,
    "struktural": PositionType.STRUCTURAL,
    "functional": PositionType.FUNCTIONAL,
    "fungsional": PositionType.FUNCTIONAL,
    "executor": PositionType.EXECUTOR,
    "pelaksana": PositionType.EXECUTOR,
}


def clean_type(raw: str) -> PositionType:
    found = POSITION_TYPE_WORDS.get((raw or "").strip().lower())
    if found is None:
        raise CareerError(_l("Jenis jabatan harus struktural, fungsional atau pelaksana."), "type")
    return found


def allowed_competency(competency: Competency | None, agency_id: int) -> bool:
    """SKJ competencies, and the technical competencies of this agency."""
    return competency is not None and competency.agency_id in (None, agency_id)


def find_cycle(edges: Iterable[tuple[int, int]]) -> list[int] | None:
    """A cycle of the directed graph as a list of nodes (first repeated at the end), or None."""
    graph: dict[int, list[int]] = {}
    for source, target in edges:
        graph.setdefault(source, []).append(target)
    state: dict[int, int] = {}  # 1 on the stack, 2 done
    for start in sorted(graph):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(graph.get(start, []))))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child) :] + [child]
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(sorted(graph.get(child, [])))))
                path.append(child)
    return None


def agency_edges(agency_id: int) -> list[tuple[int, int]]:
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(PositionPath.from_position_id, PositionPath.to_position_id)
            .join(Position, Position.id == PositionPath.from_position_id)
            .where(Position.agency_id == agency_id)
        )
    ]


# ---------------------------------------------------------------- writing (HR)


def _check_requirements(agency_id: int, wanted: Mapping[int, int]) -> None:
    found = {
        c.id: c for c in db.session.scalars(sa.select(Competency).where(Competency.id.in_(list(wanted))))
    }
    for competency_id, level in wanted.items():
        if not allowed_competency(found.get(competency_id), agency_id):
            raise CareerError(_l("Kompetensi tidak dikenal untuk instansi ini."), "requirements")
        if level not in LEVELS:
            raise CareerError(_l("Level kompetensi harus antara 1 dan 5."), "requirements")


def save_position(
    agency: Agency, data: PositionData, *, by: User | None, position: Position | None = None
) -> Position:
    """Create a position, or update one, with its required levels; holders' gaps follow."""
    require_hr(by, agency.id)
    code, name, type_ = clean_code(data.code), clean_name(data.name), clean_type(data.type)
    _check_requirements(agency.id, data.requirements)
    clash = db.session.scalar(
        sa.select(Position.id).where(Position.agency_id == agency.id, Position.code == code)
    )
    if clash is not None and (position is None or clash != position.id):
        raise CareerError(_l("Kode jabatan ini sudah dipakai di instansi ini."), "code")
    if position is None:
        position = Position(agency_id=agency.id, code=code, name=name, type=type_)
        db.session.add(position)
    position.code, position.name, position.type = code, name, type_
    position.description = (data.description or "").strip()[:5000]
    position.updated_at = utcnow()
    db.session.flush()
    set_requirements(position, data.requirements)
    logger.info("position %s (%s) of agency %s saved by %s", position.id, code, agency.id, by and by.id)
    return position


def set_requirements(position: Position, wanted: Mapping[int, int]) -> bool:
    """Make the position require exactly these levels; True when something changed."""
    current = {r.competency_id: r for r in position.requirements}
    changed = False
    for competency_id, requirement in list(current.items()):
        if competency_id not in wanted:
            position.requirements.remove(requirement)
            changed = True
        elif requirement.level != wanted[competency_id]:
            requirement.level = wanted[competency_id]
            changed = True
    for competency_id, level in sorted(wanted.items()):
        if competency_id not in current:
            position.requirements.append(PositionRequirement(competency_id=competency_id, level=level))
            changed = True
    db.session.flush()
    if changed:
        summaries.sync_people(db.session, summaries.holders_of(db.session, [position.id]))
    return changed


def set_next_positions(position: Position, next_ids: Iterable[int], *, by: User | None) -> None:
    """Replace the positions this one leads to; refused when that would make a cycle."""
    require_hr(by, position.agency_id)
    wanted = sorted(set(next_ids))
    valid = set(
        db.session.scalars(
            sa.select(Position.id).where(Position.id.in_(wanted), Position.agency_id == position.agency_id)
        )
    )
    if set(wanted) - valid:
        raise CareerError(_l("Jabatan berikutnya harus jabatan di instansi yang sama."), "next")
    if position.id in wanted:
        raise CareerError(_l("Jabatan tidak dapat menjadi jabatan berikutnya bagi dirinya sendiri."), "next")
    edges = [edge for edge in agency_edges(position.agency_id) if edge[0] != position.id]
    if find_cycle(edges + [(position.id, target) for target in wanted]):
        raise CareerError(
            _l("Jalur karier ini membuat lingkaran (jabatan kembali ke dirinya sendiri)."), "next"
        )
    db.session.execute(sa.delete(PositionPath).where(PositionPath.from_position_id == position.id))
    for target in wanted:
        db.session.add(PositionPath(from_position_id=position.id, to_position_id=target))
    db.session.flush()
    db.session.expire(position, ["next_paths"])


def assign_position(
    person: User, position: Position | None, *, by: User | None, since: date | None = None
) -> StaffPosition:
    """HR sets a person's current position; the display title and their gaps follow."""
    require_hr(by, person.agency_id)
    if position is not None and position.agency_id != person.agency_id:
        raise CareerError(_l("Jabatan ini bukan jabatan di instansi pegawai."), "position_id")
    before = (staff_position_of(person.id) or StaffPosition()).position_id
    staff = place(person, position, since=since)
    summaries.sync_people(db.session, [person.id])
    logger.info("user %s position %s -> %s by %s", person.id, before, staff.position_id, by and by.id)
    return staff


def place(
    person: User,
    position: Position | None,
    *,
    since: date | None = None,
    staff: StaffPosition | None = None,
    flush: bool = True,
) -> StaffPosition:
    """Set the position row and display title (no checks, no summaries: the callers do those).

    `staff` is the person's row when the caller has it already (bulk updates)."""
    staff = staff or staff_position_of(person.id) or StaffPosition(user_id=person.id)
    db.session.add(staff)
    before = staff.position_id
    staff.position_id = position.id if position else None
    staff.position = position
    staff.since = since or (
        date.today() if position is not None and before != staff.position_id else staff.since
    )
    if staff.target_position_id is not None and staff.target_position_id == staff.position_id:
        staff.target_position_id = None
    staff.updated_at = utcnow()
    if position is not None:
        person.position_title = position.name
    if flush:
        db.session.flush()
    return staff


def choose_target(person: User, position: Position | None, *, by: User) -> StaffPosition:
    """The person (or HR) chooses the position they aim for; any position of their agency."""
    if by.id != person.id:
        require_hr(by, person.agency_id)
    if position is not None and position.agency_id != person.agency_id:
        raise CareerError(_l("Jabatan tujuan harus jabatan di instansi Anda."), "target_position_id")
    staff = staff_position_of(person.id) or StaffPosition(user_id=person.id)
    db.session.add(staff)
    if position is not None and position.id == staff.position_id:
        raise CareerError(
            _l("Jabatan tujuan tidak boleh sama dengan jabatan Anda sekarang."), "target_position_id"
        )
    staff.target_position_id = position.id if position else None
    staff.updated_at = utcnow()
    db.session.flush()
    return staff
