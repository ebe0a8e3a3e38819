"""Verified identities: who confirms that an account's NIP really is this person.

A self-registered account is unverified until an agency admin confirms it here, or an HR staff
import that names its NIP decides the conflict (confirm the person with the data HR holds, or
remove the registration). An unverified account learns, but is nobody's supervisor, in no team,
HR analytics or export (`verified()` is the filter those queries use).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from . import sessions, tokens
from .errors import AccountError
from .models import User

logger = logging.getLogger(__name__)

CONFIRM, REMOVE = "confirm", "remove"
DECISIONS = (CONFIRM, REMOVE)


def verified() -> sa.ColumnElement[bool]:
    """The filter for people HR may count on: supervisors, teams, analytics, exports."""
    return User.identity_verified_at.is_not(None)


class NotUnverified(AccountError):
    """Only an unverified (self-registered) account can be confirmed or removed."""


@dataclass(frozen=True)
class Conflict:
    """An import row whose NIP belongs to an unverified self-registered account."""

    row: int
    nip: str
    user_id: int
    name: str
    email: str
    registered_at: datetime


def unverified_people(agency_id: int) -> list[User]:
    """The agency's active accounts whose identity nobody confirmed yet, oldest first."""
    query = (
        sa.select(User)
        .where(User.agency_id == agency_id, User.identity_verified_at.is_(None), User.active.is_(True))
        .order_by(User.created_at, User.id)
    )
    return list(db.session.scalars(query))


def _require_unverified(user: User) -> None:
    if user.identity_verified_at is not None or not user.active:
        raise NotUnverified(_l("Akun ini sudah diverifikasi atau tidak aktif lagi."))


def confirm_identity(user: User, *, by: User | None, at: datetime) -> None:
    """An agency admin vouches for the person: the account becomes verified as it is."""
    _require_unverified(user)
    user.identity_verified_at = at
    db.session.flush()
    logger.info("user %s: identity confirmed by %s", user.id, by and by.id)


def confirm_from_import(user: User, *, by: User | None, at: datetime) -> None:
    """HR's import names this NIP: the account becomes HR's person. Whoever registered it loses
    every way in (password, sessions, links); the person sets a password through the link that
    goes to the address HR holds (the import writes it, then issues the link)."""
    _require_unverified(user)
    user.password_hash = None
    user.identity_verified_at = at
    user.email_confirmed_at = at  # HR's address
    tokens.revoke(user, at=at)
    sessions.end_sessions(user, at=at)
    db.session.flush()
    logger.info("user %s: identity confirmed by HR import of %s; password reset", user.id, by and by.id)


def remove_registration(user: User, *, by: User | None, at: datetime) -> None:
    """Remove an unverified registration: its NIP and email are freed for the real person and
    nothing of it can log in again. The row stays (deactivated, detached from the agency) so
    what it did remains traceable."""
    _require_unverified(user)
    logger.info(
        "user %s: self-registration (NIP %s, %s) removed by %s", user.id, user.nip, user.email, by and by.id
    )
    user.nip = None
    user.employee_type = None
    user.email = f"dihapus-{user.id}-{secrets.token_hex(4)}@akun-dihapus.invalid"
    user.password_hash = None
    user.active = False
    user.agency_id = None
    user.unit_id = None
    user.supervisor_id = None
    tokens.revoke(user, at=at)
    sessions.end_sessions(user, at=at)
    db.session.flush()


def find_conflicts(rows, existing: dict[str, User]) -> list[Conflict]:
    """The rows (of a parsed staff file) whose NIP belongs to an unverified account."""
    conflicts = []
    for row in rows:
        user = existing.get(row.number.number)
        if user is not None and user.identity_verified_at is None:
            conflicts.append(
                Conflict(
                    row=row.line,
                    nip=row.number.number,
                    user_id=user.id,
                    name=user.name,
                    email=user.email,
                    registered_at=user.created_at,
                )
            )
    return conflicts
