"""Notification work on the job queue: each notice's mail (retried), the mail of a batch of
notices (a course assigned to a unit), and the scheduled scan that notices due dates and
webinars starting soon."""

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
from .models import MailOptOut, Notification
from .services import MAIL_JOB, MAIL_MANY_JOB, wants_mail

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
    if user is None or not user.active or not user.email or not wants_mail(user.id, notice.kind):
        return  # gone, or switched this kind's mail off since the notice was queued
    subject, body = compose(notice, user)
    send_mail(user.email, subject, body)
    notice.mailed_at = utcnow()
    logger.info("notification %s mailed to user %s", notice.id, user.id)


@job(MAIL_MANY_JOB, max_attempts=6, backoff=60)
def mail_notices(ctx, *, notification_ids: list[int]) -> None:
    """Mail a batch of notices, each once. A notice is claimed (`mailed_at`, a conditional
    UPDATE) and the claim committed before its mail goes out, so two deliveries of the job at once
    mail it once and no lock is held while the mail server answers (on SQLite a held write lock
    would stop every other writer for that long). A mail that fails is released again and the
    job retried: the retry, or a second delivery, mails only those not mailed yet."""
    rows = db.session.execute(
        sa.select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.id.in_(notification_ids),
            Notification.mailed_at.is_(None),
            # the person may have switched this kind's mail off since the job was queued
            ~sa.exists().where(
                MailOptOut.user_id == Notification.user_id, MailOptOut.kind == Notification.kind
            ),
        )
        .order_by(Notification.id)
    ).all()
    # Composed first: after each commit the loaded rows are expired, and reading them again
    # would cost two statements per mail.
    mails = [
        (notice.id, user.id, user.email, *compose(notice, user))
        for notice, user in rows
        if user.active and user.email
    ]
    sent = 0
    for notice_id, user_id, email, subject, body in mails:
        claimed = db.session.execute(
            sa.update(Notification)
            .where(Notification.id == notice_id, Notification.mailed_at.is_(None))
            .values(mailed_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if not claimed:  # mailed by another delivery of this job meanwhile
            continue
        try:
            send_mail(email, subject, body)
        except Exception:
            db.session.rollback()
            db.session.execute(
                sa.update(Notification).where(Notification.id == notice_id).values(mailed_at=None)
            )
            db.session.commit()  # not sent: released, so the retry sends it
            raise
        sent += 1
        logger.info("notification %s mailed to user %s", notice_id, user_id)
    logger.info("job %s: %d of %d notices mailed", ctx.job.id, sent, len(notification_ids))


@every(5 * 60, SCAN)
def scan(now: datetime) -> None:
    """Notice due dates (7 days, 1 day, overdue) and webinars starting tomorrow or within the hour."""
    due = reminders.notice_due_dates(now)
    webinars = reminders.notice_webinars(now)
    logger.info("notifications scan: %d due-date and %d webinar notice(s)", due, webinars)
