"""CSV import and export of an agency's technical competencies and positions.

An import is validated whole before anything is written; if any row is bad, nothing is written
and every problem comes back as (row, column, message): unknown codes, levels outside 1-5,
duplicate codes, cycles in career paths, missing columns. Importing an exported file again
changes nothing. Files may be UTF-8 with or without BOM, separated by ";", "," or tabs.

competencies.csv, one row per level:  kode;nama;jenis;deskripsi;level;deskriptor
positions.csv, one row per position:  kode;nama;jenis;deskripsi;kompetensi;jabatan_berikutnya
    kompetensi = "INT:3, KOM:2, TK-KEU-01:3"   jabatan_berikutnya = "JF-AHLI-MUDA, KASUBBAG-UMUM"
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from ..accounts.audit import log_change
from ..accounts.models import Agency, User
from ..accounts.staff_import import ImportFailed, decode
from ..extensions import db
from . import position_input
from . import positions as position_services
from .models import LEVELS, Competency, CompetencyLevel, CompetencyType, Position
from .services import CODE_PATTERN as COMPETENCY_CODE
from .services import competency_snapshot

logger = logging.getLogger(__name__)

DELIMITERS = (";", ",", "\t")
MAX_ROWS = 20_000
TECHNICAL_WORDS = {"teknis", "technical"}
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]{0,31})\s*[:=]\s*(\S+)$")


@dataclass(frozen=True)
class Problem:
    row: int  # the line in the file; 1 is the header
    column: str
    message: str


@dataclass
class ImportRejected(Exception):
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.problems)} problem(s)"


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int


def _key(value: str) -> str:
    return "_".join(value.strip().lower().replace("-", " ").split())


def read_rows(
    data: bytes, columns: dict[str, tuple[str, ...]], required: tuple[str, ...], max_rows: int = MAX_ROWS
) -> list[tuple[int, dict[str, str]]]:
    """(line, {canonical column: value}) of every non-empty row; ImportRejected on a bad file."""
    try:
        text = decode(data)
    except ImportFailed as exc:
        raise ImportRejected([Problem(e.row, e.column, e.message) for e in exc.errors]) from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ImportRejected([Problem(1, "-", _("Berkas kosong."))])
    aliases = {alias: name for name, names in columns.items() for alias in names}

    def score(delimiter):
        cells = next(csv.reader([lines[0]], delimiter=delimiter), [])
        return sum(_key(c) in aliases for c in cells), len(cells)

    reader = csv.reader(io.StringIO(text), delimiter=max(DELIMITERS, key=score))
    header = next(reader)
    problems, positions = [], {}
    for index, cell in enumerate(header):
        name = aliases.get(_key(cell))
        if name is None:
            problems.append(
                Problem(
                    1,
                    cell.strip() or f"#{index + 1}",
                    _("Kolom tidak dikenal. Kolom yang diterima: %(names)s.", names=", ".join(columns)),
                )
            )
        elif name in positions:
            problems.append(Problem(1, cell.strip(), _("Kolom ini muncul dua kali.")))
        else:
            positions[name] = index
    for name in required:
        if name not in positions:
            problems.append(Problem(1, name, _("Kolom wajib tidak ada.")))
    if problems:
        raise ImportRejected(problems)
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= max_rows:
            raise ImportRejected([Problem(line, "-", _("Berkas melebihi %(n)d baris.", n=max_rows))])
        rows.append(
            (line, {name: (cells[i].strip() if i < len(cells) else "") for name, i in positions.items()})
        )
    if not rows:
        raise ImportRejected([Problem(2, "-", _("Berkas tidak berisi data."))])
    return rows


# ---------------------------------------------------------------- competencies


COMPETENCY_COLUMNS = {
    "kode": ("kode", "code", "kode_kompetensi"),
    "nama": ("nama", "name", "nama_kompetensi"),
    "jenis": ("jenis", "type"),
    "deskripsi": ("deskripsi", "description"),
    "level": ("level",),
    "deskriptor": ("deskriptor", "descriptor", "indikator"),
}


def import_competencies(agency: Agency, data: bytes, *, by: User | None) -> ImportSummary:
    """Create or update the agency's technical competencies from a CSV, all or nothing."""
    rows = read_rows(data, COMPETENCY_COLUMNS, ("kode", "nama", "level", "deskriptor"))
    problems: list[Problem] = []
    found: dict[str, dict] = {}
    for line, row in rows:
        code = row["kode"].upper()
        if not COMPETENCY_CODE.match(code):
            problems.append(
                Problem(
                    line,
                    "kode",
                    _(
                        "Kode hanya boleh berisi huruf, angka, titik, garis "
                        "bawah atau tanda hubung (maks. 32)."
                    ),
                )
            )
            continue
        entry = found.setdefault(code, {"line": line, "name": None, "description": "", "levels": {}})
        name = " ".join(row["nama"].split())
        if name:
            if not 2 <= len(name) <= 200:
                problems.append(Problem(line, "nama", _("Nama kompetensi 2 sampai 200 karakter.")))
            elif entry["name"] is None:
                entry["name"] = name
            elif entry["name"] != name:
                problems.append(
                    Problem(
                        line,
                        "nama",
                        _("Nama berbeda dengan baris %(n)d untuk kode yang sama.", n=entry["line"]),
                    )
                )
        kind = row.get("jenis", "").lower()
        if kind and kind not in TECHNICAL_WORDS:
            problems.append(
                Problem(
                    line,
                    "jenis",
                    _(
                        "Instansi hanya dapat mengimpor kompetensi teknis; "
                        "kompetensi manajerial dan sosial kultural berlaku "
                        "nasional."
                    ),
                )
            )
        if row.get("deskripsi"):
            entry["description"] = row["deskripsi"]
        level_text = row["level"]
        if not level_text.isdigit() or int(level_text) not in LEVELS:
            problems.append(Problem(line, "level", _("Level harus angka 1 sampai 5.")))
            continue
        level = int(level_text)
        if level in entry["levels"]:
            problems.append(
                Problem(
                    line,
                    "level",
                    _(
                        "Level %(level)d untuk kode %(code)s sudah ada di baris %(n)d.",
                        level=level,
                        code=code,
                        n=entry["levels"][level][0],
                    ),
                )
            )
            continue
        if not row["deskriptor"]:
            problems.append(Problem(line, "deskriptor", _("Deskriptor level wajib diisi.")))
        entry["levels"][level] = (line, row["deskriptor"])
    for code, entry in found.items():
        if entry["name"] is None:
            problems.append(Problem(entry["line"], "nama", _("Nama kompetensi wajib diisi.")))
        missing = [str(level) for level in LEVELS if level not in entry["levels"]]
        if missing:
            problems.append(
                Problem(
                    entry["line"],
                    "level",
                    _("Kode %(code)s belum memiliki level %(levels)s.", code=code, levels=", ".join(missing)),
                )
            )
    existing = (
        {c.code: c for c in db.session.scalars(sa.select(Competency).where(Competency.code.in_(list(found))))}
        if found
        else {}
    )
    for code, competency in existing.items():
        if competency.agency_id != agency.id:
            problems.append(
                Problem(
                    found[code]["line"],
                    "kode",
                    _(
                        "Kode %(code)s sudah dipakai oleh kompetensi lain (SKJ nasional atau instansi lain).",
                        code=code,
                    ),
                )
            )
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: (p.row, p.column)))
    created = updated = 0
    changes = []
    for code, entry in found.items():
        competency = existing.get(code)
        if competency is None:
            competency = Competency(code=code, type=CompetencyType.TECHNICAL, agency_id=agency.id)
            db.session.add(competency)
            created += 1
            before = None
        else:
            updated += 1
            before = competency_snapshot(competency)
        competency.name, competency.description = entry["name"], entry["description"].strip()
        by_level = {lv.level: lv for lv in competency.levels}
        for level, (_line, text) in sorted(entry["levels"].items()):
            if level in by_level:
                by_level[level].descriptor = text
            else:
                competency.levels.append(CompetencyLevel(level=level, descriptor=text))
        changes.append((competency, before))
    db.session.flush()
    for competency, before in changes:  # the same audit trail as the form (catalogue.save_technical)
        after = competency_snapshot(competency)
        if after != before:
            log_change(
                "competency",
                competency.id,
                "create" if before is None else "import",
                subject_id=None,
                actor=by,
                before=before,
                after=after,
            )
    logger.info(
        "agency %s imported competencies: %s new, %s updated, by %s",
        agency.id,
        created,
        updated,
        by and by.id,
    )
    return ImportSummary(created, updated)


def competency_rows(agency_id: int) -> Iterator[list]:
    query = (
        sa.select(Competency)
        .where(Competency.agency_id == agency_id)
        .order_by(Competency.code)
        .options(sa.orm.selectinload(Competency.levels))
    )
    for competency in db.session.scalars(query):
        for level in competency.levels:
            yield [
                competency.code,
                competency.name,
                "teknis",
                competency.description,
                level.level,
                level.descriptor,
            ]


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
