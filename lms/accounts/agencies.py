"""Agencies, their unit trees, and who may manage which people.

An administrator manages every agency; an agency admin manages only the people and units of
their own agency. Nobody sees another agency's staff list.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..core.clock import utcnow
from ..extensions import db
from . import sessions
from .errors import AccountError, HrPermissionDenied, PermissionDenied
from .models import Agency, Role, Unit, User, UserRole
from .services import TIMEZONE_CHOICES

logger = logging.getLogger(__name__)

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


# ---------------------------------------------------------------- permissions


def can_manage_agency(actor: User, agency_id: int | None) -> bool:
    if actor.is_admin:
        return True
    return agency_id is not None and actor.has_role(Role.AGENCY_ADMIN) and actor.agency_id == agency_id


def can_manage_hr(actor: User | None, agency_id: int | None) -> bool:
    """HR of the agency (its agency admins) and administrators: careers, catalogue and reports."""
    return bool(actor and actor.is_authenticated) and can_manage_agency(actor, agency_id)


def require_hr(actor: User | None, agency_id: int | None, message=None) -> None:
    """Raise HrPermissionDenied unless the actor is HR of the agency (None: the system, allowed)."""
    if actor is not None and not can_manage_hr(actor, agency_id):
        raise HrPermissionDenied(
            message or _l("Anda tidak memiliki hak untuk mengelola jabatan instansi ini.")
        )


def can_manage_user(actor: User, user: User) -> bool:
    """Admins manage everyone; agency admins manage their agency's people who are not admins."""
    if actor.is_admin:
        return True
    return can_manage_agency(actor, user.agency_id) and not user.is_admin


def assignable_roles(actor: User) -> tuple[Role, ...]:
    if actor.is_admin:
        return tuple(Role)
    if actor.has_role(Role.AGENCY_ADMIN):
        return (Role.LEARNER, Role.TRAINER, Role.AGENCY_ADMIN)
    return ()


def require_agency(actor: User, agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None or not can_manage_agency(actor, agency_id):
        raise PermissionDenied(_l("Anda tidak memiliki hak untuk mengelola instansi ini."))
    return agency


# ---------------------------------------------------------------- agencies and units


def _clean_code(raw: str) -> str:
    code = (raw or "").strip().upper()
    if not CODE_PATTERN.match(code):
        raise AccountError(
            _l("Kode hanya boleh berisi huruf, angka, titik, garis bawah atau tanda hubung (maks. 32)."),
            "code",
        )
    return code


def _clean_title(raw: str, field: str = "name") -> str:
    name = " ".join((raw or "").split())
    if not 2 <= len(name) <= 200:
        raise AccountError(_l("Nama wajib diisi (2 sampai 200 karakter)."), field)
    return name


def create_agency(code: str, name: str, timezone: str, *, by: User | None) -> Agency:
    """Create an agency; the code is unique."""
    code, name = _clean_code(code), _clean_title(name)
    if timezone not in TIMEZONE_CHOICES:
        raise AccountError(_l("Zona waktu tidak dikenal."), "timezone")
    if db.session.scalar(sa.select(Agency.id).where(Agency.code == code)) is not None:
        raise AccountError(_l("Kode instansi ini sudah dipakai."), "code")
    agency = Agency(code=code, name=name, timezone=timezone)
    db.session.add(agency)
    db.session.flush()
    logger.info("agency %s (%s) created by %s", agency.id, code, by and by.id)
    return agency


def add_unit(agency: Agency, code: str, name: str, parent_id: int | None, *, by: User | None) -> Unit:
    """Add a unit under a parent unit of the same agency (or at the top)."""
    code, name = _clean_code(code), _clean_title(name)
    if parent_id is not None:
        parent = db.session.get(Unit, parent_id)
        if parent is None or parent.agency_id != agency.id:
            raise AccountError(_l("Unit induk tidak ditemukan di instansi ini."), "parent_id")
    exists = sa.select(Unit.id).where(Unit.agency_id == agency.id, Unit.code == code)
    if db.session.scalar(exists) is not None:
        raise AccountError(_l("Kode unit ini sudah dipakai di instansi ini."), "code")
    unit = Unit(agency_id=agency.id, code=code, name=name, parent_id=parent_id)
    db.session.add(unit)
    db.session.flush()
    logger.info("unit %s (%s) added to agency %s by %s", unit.id, code, agency.id, by and by.id)
    return unit


def unit_tree(agency_id: int) -> list[tuple[Unit, int]]:
    """The agency's units in tree order, each with its depth (0 for top-level units)."""
    units = db.session.scalars(sa.select(Unit).where(Unit.agency_id == agency_id).order_by(Unit.name)).all()
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[tuple[Unit, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in children.get(parent_id, []):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


def agencies_for(actor: User) -> list[Agency]:
    """The agencies an actor may manage."""
    query = sa.select(Agency).order_by(Agency.name)
    if not actor.is_admin:
        query = query.where(Agency.id == actor.agency_id)
    return list(db.session.scalars(query))


def all_units_grouped() -> list[tuple[Agency, list[tuple[Unit, int]]]]:
    """Every agency with its unit tree: the choices of the registration form."""
    agencies = db.session.scalars(sa.select(Agency).order_by(Agency.name)).all()
    return [(agency, unit_tree(agency.id)) for agency in agencies]


# ---------------------------------------------------------------- staff


def staff_query(agency_id: int, search: str | None = None) -> sa.Select:
    """A query of an agency's people, optionally filtered by words in name, NIP or email."""
    query = (
        sa.select(User)
        .where(User.agency_id == agency_id)
        .options(selectinload(User.unit))
        .order_by(User.name, User.id)
    )
    for word in (search or "").split()[:5]:
        pattern = f"%{word.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(User.name).like(pattern),
                User.nip.like(pattern),
                User.email.like(pattern),
            )
        )
    return query


def update_staff(
    actor: User,
    user: User,
    *,
    roles: Iterable[Role],
    unit_id: int | None,
    active: bool,
) -> User:
    """Change a person's roles, unit and active flag within the actor's rights."""
    if not can_manage_user(actor, user):
        raise PermissionDenied(_l("Anda tidak memiliki hak untuk mengelola pengguna ini."))
    roles = set(roles)
    allowed = set(assignable_roles(actor))
    changed_roles = roles.symmetric_difference(user.roles)
    if not changed_roles <= allowed:
        raise AccountError(_l("Anda tidak boleh memberikan atau mencabut peran tersebut."), "roles")
    if user.id == actor.id and Role.ADMIN in user.roles and Role.ADMIN not in roles:
        raise AccountError(_l("Anda tidak dapat mencabut peran administrator Anda sendiri."), "roles")
    if user.id == actor.id and not active:
        raise AccountError(_l("Anda tidak dapat menonaktifkan akun Anda sendiri."), "active")
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None or unit.agency_id != user.agency_id:
            raise AccountError(_l("Unit kerja tidak ditemukan di instansi ini."), "unit_id")
    before = (sorted(user.roles), user.unit_id, user.active)
    user.role_rows = [row for row in user.role_rows if row.role in roles] + [
        UserRole(role=role) for role in sorted(roles - user.roles)
    ]
    user.unit_id = unit_id
    user.active = active
    db.session.flush()
    if before[2] and not active:  # deactivated: every login and room connection ends now
        sessions.end_sessions(user, at=utcnow())
    logger.info(
        "user %s changed by %s: (roles, unit, active) %s -> %s",
        user.id,
        actor.id,
        before,
        (sorted(roles), unit_id, active),
    )
    return user
