"""HR of an agency adds and edits its technical competencies in the browser, audited.

The rules live in `services` (create_competency, update_competency), next to the catalogue that
courses read; this adds who may do it and the audit log (entity "competency").
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..accounts.agencies import require_hr
from ..accounts.audit import log_change
from ..accounts.models import Agency, User
from . import services
from .errors import CareerPermissionDenied
from .models import Competency, CompetencyType

logger = logging.getLogger(__name__)


@dataclass
class CompetencyData:
    code: str
    name: str
    description: str
    levels: Mapping[int, str]  # level 1-5 -> descriptor


def save_technical(
    agency: Agency, data: CompetencyData, *, by: User | None, competency: Competency | None = None
) -> Competency:
    """Create a technical competency of the agency, or change one (its code stays)."""
    require_hr(by, agency.id)
    if competency is not None and competency.agency_id != agency.id:
        raise CareerPermissionDenied(_l("Kompetensi ini bukan kompetensi teknis instansi ini."))
    if competency is None:
        competency = services.create_competency(
            data.code,
            data.name,
            CompetencyType.TECHNICAL,
            data.levels,
            agency_id=agency.id,
            description=data.description or "",
        )
        before = None
    else:
        before = services.competency_snapshot(competency)
        services.update_competency(competency, data.name, data.levels, description=data.description or "")
    after = services.competency_snapshot(competency)
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
