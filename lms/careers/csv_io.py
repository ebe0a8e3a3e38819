"""CSV import and export of an agency's positions (the technical competencies are imported by
lms.competencies.csv_io; staff positions by staffing).

An import is validated whole before anything is written; if any row is bad, nothing is written
and every problem comes back as (row, column, message): unknown codes, levels outside 1-5,
duplicate codes, cycles in career paths, missing columns. Importing an exported file again
changes nothing.

positions.csv, one row per position:  kode;nama;jenis;deskripsi;kompetensi;jabatan_berikutnya
    kompetensi = "INT:3, KOM:2, TK-KEU-01:3"   jabatan_berikutnya = "JF-AHLI-MUDA, KASUBBAG-UMUM"
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import gettext as _

from ..accounts.csv_rows import ImportRejected, ImportSummary, Problem, read_rows
from ..accounts.models import Agency, User
from ..extensions import db
from . import position_input
from . import positions as position_services
from .models import Position

logger = logging.getLogger(__name__)

ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]{0,31})\s*[:=]\s*(\S+)$")


# ---------------------------------------------------------------- positions


POSITION_COLUMNS = {
    "kode": ("kode", "code", "kode_jabatan"),
    "nama": ("nama", "name", "nama_jabatan"),
    "jenis": ("jenis", "type", "jenis_jabatan"),
    "deskripsi": ("deskripsi", "description"),
    "kompetensi": ("kompetensi", "competencies", "standar_kompetensi", "skj"),
    "jabatan_berikutnya": ("jabatan_berikutnya", "next", "next_positions", "jalur_karier"),
}


def _codes(values: list[str]) -> list[str]:
    return list(dict.fromkeys(value.strip().upper() for value in values if value.strip()))


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;|\n]", text or "") if part.strip()]


ISSUE_COLUMNS = {
    "code": "kode",
    "name": "nama",
    "type": "jenis",
    "requirements": "kompetensi",
    "next": "jabatan_berikutnya",
}


def import_positions(agency: Agency, data: bytes, *, by: User | None) -> ImportSummary:
    """Create or update the agency's positions, their required levels and career paths.

    Each row is checked by the same rules as the HR form (`positions.check_position`,
    `positions.check_paths`); this adds only what is particular to a file.
    """
    rows = read_rows(data, POSITION_COLUMNS, ("kode", "nama", "jenis"))
    problems: list[Problem] = []
    competencies = position_input.usable_competencies(agency.id)
    existing = {
        p.code: p for p in db.session.scalars(sa.select(Position).where(Position.agency_id == agency.id))
    }
    parsed: dict[str, tuple[int, position_input.CheckedPosition]] = {}
    seen: dict[str, int] = {}
    plan: dict[str, tuple[int | None, list[str]]] = {}
    for line, row in rows:
        raw = position_input.PositionInput(
            code=row["kode"],
            name=row["nama"],
            type=row["jenis"],
            description=row.get("deskripsi", ""),
            next_codes=_split(row.get("jabatan_berikutnya", "")),
        )
        for part in _split(row.get("kompetensi", "")):
            match = ENTRY.match(part)
            if match is None:
                problems.append(
                    Problem(
                        line,
                        "kompetensi",
                        _(
                            "Tulis setiap kompetensi sebagai KODE:level, "
                            'misalnya INT:3 (ditemukan "%(part)s").',
                            part=part[:40],
                        ),
                    )
                )
            else:
                raw.requirements.append((match.group(1), match.group(2)))
        code = raw.code.strip().upper()
        if code in seen:
            problems.append(
                Problem(
                    line,
                    "kode",
                    _("Kode jabatan %(code)s sudah ada di baris %(n)d.", code=code, n=seen[code]),
                )
            )
            continue
        seen.setdefault(code, line)
        checked, issues = position_input.check_position(raw, competencies)
        problems += [Problem(line, ISSUE_COLUMNS[i.field], i.message) for i in issues]
        if checked is not None:
            parsed[checked.code] = (line, checked)
        if position_services.CODE_PATTERN.match(code):  # its paths are checked even if it has problems
            plan[code] = (existing[code].id if code in existing else None, _codes(raw.next_codes))
    for code, issue in position_input.check_paths(agency.id, plan):
        problems.append(Problem(seen.get(code, 1), ISSUE_COLUMNS[issue.field], issue.message))
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: (p.row, p.column)))
    position_input.write_positions(
        agency, [(checked, existing.get(code)) for code, (_line, checked) in parsed.items()], by=by
    )
    created = sum(1 for code in parsed if code not in existing)
    updated = len(parsed) - created
    logger.info(
        "agency %s imported positions: %s new, %s updated, by %s", agency.id, created, updated, by and by.id
    )
    return ImportSummary(created, updated)


def position_rows(agency_id: int) -> Iterator[list]:
    for position in position_services.positions_of(agency_id, with_requirements=True):
        requirements = ", ".join(
            f"{r.competency.code}:{r.level}"
            for r in sorted(position.requirements, key=lambda r: r.competency.code)
        )
        next_codes = ", ".join(sorted(p.to_position.code for p in position.next_paths))
        yield [
            position.code,
            position.name,
            position.type.label.lower(),
            position.description,
            requirements,
            next_codes,
        ]
