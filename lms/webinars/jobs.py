"""Webinar work on the job queue: reminder mails and attendance finalisation, both started by
the scheduler (and by hand with `enqueue`); each is idempotent (a Reminder row per person and
webinar, a finalized webinar is skipped)."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app, url_for

from ..core.clock import utcnow
from ..core.domain import DomainError
from ..extensions import db
from ..jobs import enqueue, every, job
from . import attendance, reminders
from .broadcast import announce_departures

logger = logging.getLogger(__name__)

SEND_REMINDERS = "webinars.send-reminders"
FINALIZE_DUE = "webinars.finalize-due"


def _time(at: str | None) -> datetime:
    """`at` (ISO 8601) lets an operator or a test run the job as of another moment."""
    return datetime.fromisoformat(at) if at else utcnow()


@job(SEND_REMINDERS, max_attempts=5, backoff=60)
def send_reminders_job(ctx, *, at: str | None = None) -> None:
    """Mail participants of webinars starting soon; each mail is committed with its Reminder
    row as it goes, so a retry after a failure (SMTP down) never mails anyone twice."""
    base_url = current_app.config.get("PUBLIC_BASE_URL")
    if not base_url:
        raise DomainError("PUBLIC_BASE_URL is not set: reminder mails need the site's address")
    with current_app.test_request_context(base_url=base_url):
        sent = reminders.send_reminders(
            _time(at),
            room_url=lambda w: url_for("webinars.room", webinar_id=w.id, _external=True),
            on_sent=db.session.commit,
        )
    ctx.job.message = f"{sent}"


@job(FINALIZE_DUE, max_attempts=5, backoff=30)
def finalize_due_job(ctx, *, at: str | None = None) -> None:
    """Close silent room connections and finalize the attendance of finished webinars."""
    now = _time(at)
    departures = attendance.close_stale(None, now)
    finalized = attendance.finalize_due(now)
    db.session.commit()
    announce_departures(departures)
    ctx.job.message = f"{len(departures)} / {len(finalized)}"


@every(15 * 60, SEND_REMINDERS)
def schedule_reminders(now: datetime) -> None:
    if not current_app.config.get("PUBLIC_BASE_URL"):
        logger.warning("webinar reminders not sent: set PUBLIC_BASE_URL (the address in the mails)")
        return
    enqueue(SEND_REMINDERS, key=SEND_REMINDERS)


@every(5 * 60, FINALIZE_DUE)
def schedule_finalize(now: datetime) -> None:
    enqueue(FINALIZE_DUE, key=FINALIZE_DUE)
