"""CSV import and export of an agency's technical competencies.

An import is validated whole before anything is written; if any row is bad, nothing is written
and every problem comes back as (row, column, message). Importing an exported file again changes
nothing. One row per level:  kode;nama;jenis;deskripsi;level;deskriptor
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import gettext as _

from ..accounts.audit import log_change
from ..accounts.csv_rows import ImportRejected, ImportSummary, Problem, read_rows
from ..accounts.models import Agency, User
from ..extensions import db
from .models import LEVELS, Competency, CompetencyLevel, CompetencyType
from .services import CODE_PATTERN as COMPETENCY_CODE
from .services import competency_snapshot

logger = logging.getLogger(__name__)

TECHNICAL_WORDS = {"teknis", "technical"}
HEADER = ["kode", "nama", "jenis", "deskripsi", "level", "deskriptor"]


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
