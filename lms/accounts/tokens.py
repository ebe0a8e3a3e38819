"""Single-use links sent by mail: password reset, first password after HR confirmed an identity,
email confirmation.

The link carries a random token; only its SHA-256 is stored, so a copy of the database opens
nothing. A token works once (an UPDATE that only succeeds while `used_at` is empty) and until it
expires; a used or expired link gets a message that says so.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from .errors import AccountError
from .models import AccountToken, TokenPurpose, User
from .sessions import token_hash

logger = logging.getLogger(__name__)

TOKEN_MAX = 100


class LinkUnusable(AccountError):
    """The link is unknown, used or expired; the message says which."""


def issue(
    user: User, purpose: TokenPurpose, *, at: datetime, ttl: timedelta, email: str | None = None
) -> str:
    """A new link token for the user (sent to `email`, by default the account's address)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash(token),
            email=email or user.email,
            created_at=at,
            expires_at=at + ttl,
        )
    )
    db.session.flush()
    logger.info("user %s: %s link issued", user.id, purpose.value)
    return token


def find(token: str, purposes: Iterable[TokenPurpose], *, at: datetime) -> AccountToken:
    """The usable token row for a link; raise LinkUnusable with the reason otherwise."""
    row = None
    if token and len(token) <= TOKEN_MAX:
        row = db.session.scalar(sa.select(AccountToken).where(AccountToken.token_hash == token_hash(token)))
    if row is None or row.purpose not in tuple(purposes):
        raise LinkUnusable(_l("Tautan ini tidak valid. Periksa kembali tautan di email Anda."))
    if row.used_at is not None:
        raise LinkUnusable(_l("Tautan ini sudah pernah dipakai. Silakan minta tautan baru bila perlu."))
    if row.expires_at <= at:
        raise LinkUnusable(_l("Tautan ini sudah kedaluwarsa. Silakan minta tautan baru."))
    return row


def consume(token: str, purposes: Iterable[TokenPurpose], *, at: datetime) -> AccountToken:
    """Use a link once: a second use (even at the same moment) raises LinkUnusable."""
    row = find(token, purposes, at=at)
    used = db.session.execute(
        sa.update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not used:
        raise LinkUnusable(_l("Tautan ini sudah pernah dipakai. Silakan minta tautan baru bila perlu."))
    row.used_at = at
    return row


def revoke(user: User, *, at: datetime, purposes: Iterable[TokenPurpose] | None = None) -> None:
    """Make the user's unused links (of these purposes) stop working."""
    query = sa.update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
    if purposes is not None:
        query = query.where(AccountToken.purpose.in_(list(purposes)))
    db.session.execute(query.values(used_at=at).execution_options(synchronize_session=False))


def recently_issued(user: User, purpose: TokenPurpose, *, since: datetime) -> bool:
    """Whether a still-unused link of this purpose went out after `since` (no mail flood)."""
    query = sa.select(AccountToken.id).where(
        AccountToken.user_id == user.id,
        AccountToken.purpose == purpose,
        AccountToken.used_at.is_(None),
        AccountToken.created_at >= since,
    )
    return db.session.scalar(query.limit(1)) is not None
