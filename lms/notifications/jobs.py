"""Notification work on the job queue: each notice's mail (retried), and the scheduled scan
that notices due dates and webinars starting soon."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from ..accounts.models import User
from ..core.clock import utcnow
from ..core.mail import send_mail
from ..extensions import db
from ..jobs import every, job
from . import reminders
from .mail import compose
from .models import Notification
from .services import MAIL_JOB

logger = logging.getLogger(__name__)

SCAN = "notifications.scan"


@job(MAIL_JOB, max_attempts=6, backoff=60)
def mail_notice(ctx, *, notification_id: int) -> None:
    """Mail one notice once: a notice already mailed (a second delivery of the job) is skipped,
    and the time it was mailed is committed with the job's success."""
    notice = db.session.scalar(
        sa.select(Notification).where(Notification.id == notification_id).with_for_update()
    )
    if notice is None or notice.mailed_at is not None:
        return
    user = db.session.get(User, notice.user_id)
    if user is None or not user.active or not user.email:
        return
    subject, body = compose(notice, user)
    send_mail(user.email, subject, body)
    notice.mailed_at = utcnow()
    logger.info("notification %s mailed to user %s", notice.id, user.id)


@every(5 * 60, SCAN)
def scan(now: datetime) -> None:
    """Notice due dates (7 days, 1 day, overdue) and webinars starting tomorrow or within the hour."""
    due = reminders.notice_due_dates(now)
    webinars = reminders.notice_webinars(now)
    logger.info("notifications scan: %d due-date and %d webinar notice(s)", due, webinars)
