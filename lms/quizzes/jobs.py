"""Scheduled quiz work: grade attempts whose deadline passed (no cron line needed)."""

from __future__ import annotations

from datetime import datetime

from ..jobs import every
from . import attempts


@every(60, "quizzes.close-overdue-attempts")
def close_overdue(now: datetime) -> None:
    attempts.close_overdue_attempts(now=now)
