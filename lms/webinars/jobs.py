"""Webinar work on the job queue: attendance finalisation, started by the scheduler (and by hand
with `enqueue`); idempotent (a finalized webinar is skipped). Reminders before a webinar are
notices of lms.notifications (its scheduled scan), in the app and by mail."""

from __future__ import annotations

import logging
from datetime import datetime

from ..core.clock import utcnow
from ..extensions import db
from ..jobs import enqueue, every, job
from . import attendance
from .broadcast import announce_departures

logger = logging.getLogger(__name__)

FINALIZE_DUE = "webinars.finalize-due"


def _time(at: str | None) -> datetime:
    """`at` (ISO 8601) lets an operator or a test run the job as of another moment."""
    return datetime.fromisoformat(at) if at else utcnow()


@job(FINALIZE_DUE, max_attempts=5, backoff=30)
def finalize_due_job(ctx, *, at: str | None = None) -> None:
    """Close silent room connections and finalize the attendance of finished webinars."""
    now = _time(at)
    departures = attendance.close_stale(None, now)
    finalized = attendance.finalize_due(now)
    db.session.commit()
    announce_departures(departures)
    ctx.job.message = f"{len(departures)} / {len(finalized)}"


@every(5 * 60, FINALIZE_DUE)
def schedule_finalize(now: datetime) -> None:
    enqueue(FINALIZE_DUE, key=FINALIZE_DUE)
