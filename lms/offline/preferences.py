"""The learner's data-saving choices (low-data mode)."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from ..accounts.models import User
from ..accounts.sessions import load_with_user
from ..extensions import db
from .models import OfflinePreferences

logger = logging.getLogger(__name__)


def low_data(user: User | None) -> bool:
    """Whether the user chose low-data mode (False for anonymous users and by default)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if "low_data" in user.loaded_with:  # read with the logged-in user (no statement of its own)
        return bool(user.loaded_with["low_data"])
    row = db.session.get(OfflinePreferences, user.id)
    return bool(row and row.low_data)


def set_low_data(user: User, on: bool) -> None:
    """Switch low-data mode on or off for the user."""
    row = db.session.get(OfflinePreferences, user.id)
    if row is None:
        row = OfflinePreferences(user_id=user.id)
        db.session.add(row)
    row.low_data = bool(on)
    db.session.flush()
    if "low_data" in user.loaded_with:
        user.loaded_with = {**user.loaded_with, "low_data": row.low_data}
    logger.info("user %s low-data mode %s", user.id, "on" if on else "off")


def _low_data_column() -> sa.ScalarSelect:
    return (
        sa.select(OfflinePreferences.low_data).where(OfflinePreferences.user_id == User.id).scalar_subquery()
    )


load_with_user("low_data", _low_data_column)
