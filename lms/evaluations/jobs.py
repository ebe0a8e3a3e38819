"""Scheduled work of evaluations: open the follow-ups that have come due (every hour)."""

from __future__ import annotations

from datetime import datetime

from ..jobs import every
from . import follow_ups

OPEN_FOLLOW_UPS = "evaluations.open-follow-ups"


@every(60 * 60, OPEN_FOLLOW_UPS)
def open_follow_ups(now: datetime) -> None:
    """Claimed once across schedulers; each survey is followed up once (see follow_ups.open_due)."""
    follow_ups.open_due(now, days=follow_ups.days_setting())
