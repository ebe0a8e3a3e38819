"""HR's input of positions, from the form or a CSV row, checked by one set of rules.

`check_position` checks one position (code, name, type, required levels 1-5 of competencies the
agency may use); `check_paths` checks the career paths after a change (known targets, no
cycles). The form (`save_position_input`) and the CSV import (`csv_io.import_positions`) both
use them, then `write_positions`; every problem is listed and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.agencies import require_hr
from ..accounts.models import Agency, User
from ..competencies.models import LEVELS, Competency
from ..extensions import db
from .errors import CareerError, CareerPermissionDenied
from .models import Position, PositionPath, PositionType
from .positions import (
    CODE_PATTERN,
    PositionData,
    agency_edges,
    clean_code,
    clean_name,
    clean_type,
    find_cycle,
    save_position,
)


@dataclass
class PositionInput:
    """A position as HR typed it in the form or a CSV row: text, competencies and paths by code."""

    code: str
    name: str
    type: str
    description: str = ""
    requirements: list[tuple[str, str]] = field(default_factory=list)  # (competency code, level)
    next_codes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Issue:
    """One problem with an input; `field` is code, name, type, requirements or next."""

    field: str
    message: str


@dataclass
class CheckedPosition:
    code: str
    name: str
    type: PositionType
    description: str
    requirements: dict[int, int]  # competency id -> level
    next_codes: list[str]


class PositionRejected(CareerError):
    """A position (form) with every problem found; nothing was written."""

    def __init__(self, issues: list[Issue]):
        super().__init__(issues[0].message if issues else "", issues[0].field if issues else None)
        self.issues = issues


def usable_competencies(agency_id: int) -> dict[str, Competency]:
    """The SKJ competencies and the agency's technical ones, by code."""
    return {
        c.code: c
        for c in db.session.scalars(
            sa.select(Competency).where(
                sa.or_(Competency.agency_id.is_(None), Competency.agency_id == agency_id)
            )
        )
    }


def check_position(
    raw: PositionInput, competencies: Mapping[str, Competency]
) -> tuple[CheckedPosition | None, list[Issue]]:
    """The rules of one position, shared by the form and the CSV import; every problem found."""
    issues: list[Issue] = []
    checked = {}
    for name, clean in (("code", clean_code), ("name", clean_name), ("type", clean_type)):
        try:
            checked[name] = clean(getattr(raw, name))
        except CareerError as exc:
            issues.append(Issue(name, str(exc)))
    requirements: dict[int, int] = {}
    for competency_code, level_text in raw.requirements:
        competency = competencies.get((competency_code or "").strip().upper())
        if competency is None:
            issues.append(
                Issue(
                    "requirements",
                    _l("Kode kompetensi %(code)s tidak dikenal.", code=(competency_code or "").upper()[:40]),
                )
            )
            continue
        level_text = str(level_text).strip()
        if not level_text.isdigit() or int(level_text) not in LEVELS:
            issues.append(
                Issue(
                    "requirements",
                    _l(
                        "Level %(code)s harus angka 1 sampai 5 (ditemukan %(level)s).",
                        code=competency.code,
                        level=level_text[:10],
                    ),
                )
            )
            continue
        if competency.id in requirements:
            issues.append(
                Issue("requirements", _l("Kompetensi %(code)s disebut dua kali.", code=competency.code))
            )
            continue
        requirements[competency.id] = int(level_text)
    next_codes = list(dict.fromkeys(code.strip().upper() for code in raw.next_codes if code.strip()))
    if issues:
        return None, [Issue(i.field, str(i.message)) for i in issues]
    return (
        CheckedPosition(
            code=checked["code"],
            name=checked["name"],
            type=checked["type"],
            description=(raw.description or "").strip()[:5000],
            requirements=requirements,
            next_codes=next_codes,
        ),
        [],
    )


def check_paths(agency_id: int, plan: Mapping[str, tuple[int | None, list[str]]]) -> list[tuple[str, Issue]]:
    """Career paths after a change, for every problem: (code of the position, issue).

    `plan` maps the code each changed position will have to (its id, or None when new; the codes
    of its next positions). Their paths replace the old ones; the agency's other paths stay.
    Unknown or self targets and cycles are problems.
    """
    existing = dict(
        db.session.execute(sa.select(Position.id, Position.code).where(Position.agency_id == agency_id)).all()
    )
    replaced = {position_id for position_id, _next in plan.values() if position_id is not None}
    node: dict[str, int] = {}  # code after the change -> graph node
    for code in plan:
        node[code] = len(node)
    node_of_id = {position_id: node[code] for code, (position_id, _next) in plan.items() if position_id}
    for position_id, code in existing.items():
        if position_id not in replaced and code not in node:
            node[code] = node_of_id[position_id] = len(node)
    issues: list[tuple[str, Issue]] = []
    edges = [
        (node_of_id[a], node_of_id[b])
        for a, b in agency_edges(agency_id)
        if a not in replaced and a in node_of_id and b in node_of_id
    ]
    for code, (_position_id, targets) in plan.items():
        for target in targets:
            if target == code:
                issues.append(
                    (
                        code,
                        Issue(
                            "next",
                            str(
                                _l(
                                    "Jabatan %(code)s tidak dapat menjadi jabatan berikutnya "
                                    "bagi dirinya sendiri.",
                                    code=code,
                                )
                            ),
                        ),
                    )
                )
            elif target not in node:
                issues.append(
                    (
                        code,
                        Issue(
                            "next",
                            str(_l("Kode jabatan %(code)s tidak dikenal di instansi ini.", code=target[:40])),
                        ),
                    )
                )
            else:
                edges.append((node[code], node[target]))
    cycle = find_cycle(edges)
    if cycle:
        names = {n: code for code, n in node.items()}
        path = " → ".join(names[n] for n in cycle)
        first = next((names[n] for n in cycle if names[n] in plan), names[cycle[0]])
        issues.append((first, Issue("next", str(_l("Jalur karier melingkar: %(path)s.", path=path)))))
    return issues


def save_position_input(
    agency: Agency, raw: PositionInput, *, by: User | None, position: Position | None = None
) -> Position:
    """Create or edit one position with its required levels and next positions (the HR form).

    Checked by the same rules as the CSV import; PositionRejected lists every problem and
    nothing is written.
    """
    require_hr(by, agency.id)
    if position is not None and position.agency_id != agency.id:
        raise CareerPermissionDenied(_l("Jabatan ini bukan jabatan di instansi ini."))
    checked, issues = check_position(raw, usable_competencies(agency.id))
    code = (raw.code or "").strip().upper()
    if CODE_PATTERN.match(code):  # checked even when other fields have problems: list them all
        clash = db.session.scalar(
            sa.select(Position.id).where(Position.agency_id == agency.id, Position.code == code)
        )
        if clash is not None and (position is None or clash != position.id):
            issues.append(Issue("code", str(_l("Kode jabatan ini sudah dipakai di instansi ini."))))
        next_codes = list(dict.fromkeys(c.strip().upper() for c in raw.next_codes if c.strip()))
        plan = {code: (position.id if position else None, next_codes)}
        issues += [issue for _code, issue in check_paths(agency.id, plan)]
    if issues:
        raise PositionRejected(issues)
    saved = write_positions(agency, [(checked, position)], by=by)
    return saved[checked.code]


def write_positions(
    agency: Agency, items: list[tuple[CheckedPosition, Position | None]], *, by: User | None
) -> dict[str, Position]:
    """Write checked positions (new or existing) and replace their paths; holders' gaps follow."""
    saved = {
        p.code: p for p in db.session.scalars(sa.select(Position).where(Position.agency_id == agency.id))
    }
    for checked, position in items:
        before = position.code if position is not None else None
        result = save_position(
            agency,
            PositionData(
                code=checked.code,
                name=checked.name,
                type=checked.type.value,
                requirements=checked.requirements,
                description=checked.description,
            ),
            by=by,
            position=position,
        )
        if before is not None and before != checked.code:
            saved.pop(before, None)
        saved[checked.code] = result
    ids = [saved[checked.code].id for checked, _position in items]
    db.session.execute(sa.delete(PositionPath).where(PositionPath.from_position_id.in_(ids)))
    for checked, _position in items:
        for target in checked.next_codes:
            db.session.add(
                PositionPath(from_position_id=saved[checked.code].id, to_position_id=saved[target].id)
            )
    db.session.flush()
    for position in saved.values():
        db.session.expire(position, ["next_paths"])
    return saved
