"""Reminders before a webinar: in-app on the home page (services.my_upcoming) and by mail here."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_datetime
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..accounts.models import User
from ..core.i18n import TIMEZONE_ABBREVIATIONS
from ..core.mail import send_mail
from ..extensions import db
from .access import participant_ids
from .models import Reminder, Webinar

logger = logging.getLogger(__name__)


def local_time_for(user: User, value: datetime) -> str:
    """A time as the user reads it: their zone and language (for mails sent outside a request)."""
    zone = user.effective_timezone
    text = format_datetime(value, "EEEE, d MMMM y HH:mm", tzinfo=ZoneInfo(zone), locale=user.locale or "id")
    return f"{text} {TIMEZONE_ABBREVIATIONS.get(zone, zone)}"


def send_reminders(now: datetime, *, room_url, on_sent=None) -> int:
    """Mail every participant once before their webinar starts; returns the number of mails.

    `room_url(webinar)` gives the absolute address of the room page; `on_sent()` is called after
    each mail (the job commits there, so a retry never mails twice).
    """
    lead = timedelta(hours=current_app.config["WEBINAR_REMINDER_HOURS"])
    webinars = db.session.scalars(
        sa.select(Webinar).where(
            Webinar.starts_at > now,
            Webinar.starts_at <= now + lead,
            Webinar.ended_at.is_(None),
            Webinar.cancelled_at.is_(None),
        )
    ).all()
    sent = 0
    for webinar in webinars:
        done = set(db.session.scalars(sa.select(Reminder.user_id).where(Reminder.webinar_id == webinar.id)))
        todo = participant_ids(webinar) - done
        if not todo:
            continue
        users = db.session.scalars(sa.select(User).where(User.id.in_(todo), User.active.is_(True))).all()
        for user in users:
            with force_locale(user.locale or "id"):
                subject = _("Pengingat webinar: %(title)s", title=webinar.title)
                body = _(
                    'Yth. %(name)s,\n\nWebinar "%(title)s" akan dimulai pada %(when)s.\n'
                    "Buka ruang webinar pada waktunya melalui tautan berikut:\n%(url)s\n\n"
                    "Kehadiran dihitung dari lamanya Anda berada di ruang webinar. Sampai jumpa.\n",
                    name=user.name,
                    title=webinar.title,
                    when=local_time_for(user, webinar.starts_at),
                    url=room_url(webinar),
                )
            send_mail(user.email, subject, body)
            db.session.add(Reminder(webinar_id=webinar.id, user_id=user.id, sent_at=now))
            db.session.flush()
            sent += 1
            if on_sent is not None:
                on_sent()
        logger.info("webinar %s: reminders sent", webinar.id)
    return sent
