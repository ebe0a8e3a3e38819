"""The competency catalogue: look-ups for courses, webinars and careers, and the technical
competencies that HR of an agency adds and edits (audited, entity "competency").

Services take plain arguments, `flush()` and never `commit()`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..accounts.agencies import require_hr
from ..accounts.audit import log_change
from ..accounts.models import Agency, User
from ..extensions import db
from .errors import CompetencyError, CompetencyPermissionDenied
from .models import LEVELS, Competency, CompetencyLevel, CompetencyType

logger = logging.getLogger(__name__)

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,31}$")


def competency_by_code(code: str) -> Competency | None:
    """The competency with this code (codes are compared in upper case)."""
    return db.session.scalar(sa.select(Competency).where(Competency.code == (code or "").upper()))


def competencies_by_code(codes: Iterable[str]) -> dict[str, Competency]:
    """The competencies among these codes that exist, keyed by code; one query."""
    wanted = {str(code).upper() for code in codes if code}
    if not wanted:
        return {}
    rows = db.session.scalars(sa.select(Competency).where(Competency.code.in_(wanted)))
    return {row.code: row for row in rows}


def available_competencies(agency_id: int | None = None, *, with_levels: bool = False) -> list[Competency]:
    """The SKJ competencies plus the technical ones of an agency, by type then code."""
    query = sa.select(Competency).order_by(Competency.type, Competency.code)
    if agency_id is None:
        query = query.where(Competency.agency_id.is_(None))
    else:
        query = query.where(sa.or_(Competency.agency_id.is_(None), Competency.agency_id == agency_id))
    if with_levels:
        query = query.options(selectinload(Competency.levels))
    return list(db.session.scalars(query))


def create_competency(
    code: str,
    name: str,
    type: CompetencyType,
    levels: Mapping[int, str],
    *,
    agency_id: int | None = None,
    description: str = "",
) -> Competency:
    """Add a competency with a descriptor per level; technical ones belong to an agency."""
    code = (code or "").strip().upper()
    if not CODE_PATTERN.match(code):
        raise CompetencyError(
            _l(
                "Kode kompetensi hanya boleh berisi huruf besar, angka, titik, garis bawah atau "
                "tanda hubung (maks. 32)."
            ),
            "code",
        )
    name = " ".join((name or "").split())
    if not 2 <= len(name) <= 200:
        raise CompetencyError(_l("Nama kompetensi wajib diisi (2 sampai 200 karakter)."), "name")
    type = CompetencyType(type)
    if (type is CompetencyType.TECHNICAL) != (agency_id is not None):
        raise CompetencyError(
            _l(
                "Kompetensi teknis ditetapkan oleh instansi; kompetensi manajerial dan sosial "
                "kultural berlaku nasional."
            ),
            "agency_id",
        )
    if not levels or set(levels) - set(LEVELS):
        raise CompetencyError(_l("Level kompetensi harus antara 1 dan 5."), "levels")
    if any(not (text or "").strip() for text in levels.values()):
        raise CompetencyError(_l("Setiap level memerlukan deskripsi."), "levels")
    if competency_by_code(code) is not None:
        raise CompetencyError(_l("Kode kompetensi ini sudah dipakai."), "code")
    competency = Competency(
        code=code,
        name=name,
        type=type,
        agency_id=agency_id,
        description=description.strip(),
        levels=[
            CompetencyLevel(level=level, descriptor=text.strip()) for level, text in sorted(levels.items())
        ],
    )
    db.session.add(competency)
    db.session.flush()
    logger.info("competency %s (%s) created for agency %s", competency.id, code, agency_id)
    return competency


def update_competency(
    competency: Competency, name: str, levels: Mapping[int, str], *, description: str = ""
) -> Competency:
    """Change a technical competency's name, description and level descriptors (1 to 5).

    The code stays: course bundles and CSV files refer to it."""
    if competency.type is not CompetencyType.TECHNICAL:
        raise CompetencyError(
            _l("Kompetensi manajerial dan sosial kultural berlaku nasional dan tidak dapat diubah di sini."),
            "code",
        )
    name = " ".join((name or "").split())
    if not 2 <= len(name) <= 200:
        raise CompetencyError(_l("Nama kompetensi wajib diisi (2 sampai 200 karakter)."), "name")
    if set(levels) != set(LEVELS):
        raise CompetencyError(_l("Level kompetensi harus antara 1 dan 5."), "levels")
    for level in LEVELS:
        if not (levels[level] or "").strip():
            raise CompetencyError(_l("Setiap level memerlukan deskripsi."), f"level_{level}")
    competency.name, competency.description = name, (description or "").strip()
    by_level = {row.level: row for row in competency.levels}
    for level in LEVELS:
        text = levels[level].strip()
        if level in by_level:
            by_level[level].descriptor = text
        else:
            competency.levels.append(CompetencyLevel(level=level, descriptor=text))
    db.session.flush()
    logger.info("competency %s (%s) updated", competency.id, competency.code)
    return competency


def competency_snapshot(competency: Competency) -> dict:
    """The audited fields of a catalogue entry."""
    return {
        "code": competency.code,
        "name": competency.name,
        "description": competency.description,
        "levels": {str(row.level): row.descriptor for row in competency.levels},
    }


# ---------------------------------------------------------------- the HR editor


@dataclass
class CompetencyData:
    code: str
    name: str
    description: str
    levels: Mapping[int, str]  # level 1-5 -> descriptor


def save_technical(
    agency: Agency, data: CompetencyData, *, by: User | None, competency: Competency | None = None
) -> Competency:
    """Create a technical competency of the agency, or change one (its code stays); audited."""
    require_hr(by, agency.id)
    if competency is not None and competency.agency_id != agency.id:
        raise CompetencyPermissionDenied(_l("Kompetensi ini bukan kompetensi teknis instansi ini."))
    if competency is None:
        competency = create_competency(
            data.code,
            data.name,
            CompetencyType.TECHNICAL,
            data.levels,
            agency_id=agency.id,
            description=data.description or "",
        )
        before = None
    else:
        before = competency_snapshot(competency)
        update_competency(competency, data.name, data.levels, description=data.description or "")
    after = competency_snapshot(competency)
    if after != before:
        log_change(
            "competency",
            competency.id,
            "create" if before is None else "update",
            subject_id=None,
            actor=by,
            before=before,
            after=after,
        )
    return competency
