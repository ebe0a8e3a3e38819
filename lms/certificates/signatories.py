"""Who signs an agency's certificates: set by its admins, copied onto each certificate at issue."""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l

from ..accounts.models import Agency, User
from ..core.domain import DomainError
from ..extensions import db
from .models import CertificateSignatory

logger = logging.getLogger(__name__)


class SignatoryError(DomainError):
    """The signatory as given cannot be saved."""


def signatory_of(agency: Agency | None) -> CertificateSignatory | None:
    return db.session.get(CertificateSignatory, agency.id) if agency is not None else None


def set_signatory(
    agency: Agency, name: str, position: str, *, by: User | None
) -> CertificateSignatory | None:
    """Name the official (name and position, both or neither) on the agency's new certificates."""
    name, position = " ".join((name or "").split()), " ".join((position or "").split())
    if bool(name) != bool(position):
        field = "position" if name else "name"
        raise SignatoryError(_l("Isi nama dan jabatan penanda tangan, atau kosongkan keduanya."), field)
    current = signatory_of(agency)
    if not name:
        if current is not None:
            db.session.delete(current)
        current = None
    else:
        current = current or CertificateSignatory(agency_id=agency.id)
        current.name, current.position = name, position
        current.updated_by_id = by.id if by is not None else None
        db.session.add(current)
    db.session.flush()
    logger.info("certificate signatory of agency %s set by %s", agency.id, by and by.id)
    return current
