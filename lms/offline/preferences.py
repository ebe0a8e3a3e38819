"""The learner's data-saving choices (low-data mode)."""

from __future__ import annotations

import logging

from ..accounts.models import User
from ..extensions import db
from .models import OfflinePreferences

logger = logging.getLogger(__name__)


def low_data(user: User | None) -> bool:
    """Whether the user chose low-data mode (False for anonymous users and by default)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
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
    logger.info("user %s low-data mode %s", user.id, "on" if on else "off")
