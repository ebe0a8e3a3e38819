"""Scheduled notices: due dates of assigned courses (7 days and 1 day ahead, overdue) and
webinars starting tomorrow or within the hour. Each is noticed once (its key names the due date
or start time, so a moved date is noticed again); the day is the day in the person's zone."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..courses.models import Enrolment
from ..extensions import db
from ..webinars.access import participant_ids
from ..webinars.models import Webinar
from . import kinds, services
from .models import Notification
from .paths import site_path

logger = logging.getLogger(__name__)

DUE_SOON_DAYS = 7
OVERDUE_WINDOW_DAYS = 3  # an overdue notice is sent within this many days after the due date
WEBINAR_SOON = timedelta(hours=1)


def enrolment_key(enrolment: Enrolment) -> str:
    return f"enrolment:{enrolment.id}:{enrolment.due_date.isoformat() if enrolment.due_date else '-'}"


def due_kind(due: date, today: date) -> str | None:
    """Which due-date notice a person whose day is `today` gets for `due`, if any."""
    days = (due - today).days
    if days < 0:
        return kinds.OVERDUE
    if days == 1:
        return kinds.DUE_TOMORROW
    if 1 < days <= DUE_SOON_DAYS:
        return kinds.DUE_IN_7_DAYS
    return None


def _already(kind_names: tuple[str, ...], user_ids: set[int]) -> set[tuple[int, str, str]]:
    if not user_ids:
        return set()
    rows = db.session.execute(
        sa.select(Notification.user_id, Notification.kind, Notification.key).where(
            Notification.kind.in_(kind_names), Notification.user_id.in_(user_ids)
        )
    )
    return {tuple(row) for row in rows}


def notice_due_dates(now: datetime) -> int:
    """Notice open assigned courses whose due date is 7 days or 1 day ahead or just past."""
    today_utc = now.date()
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.completed_at.is_(None),
            Enrolment.due_date.is_not(None),
            # a day of margin on each side: the person's day may differ from UTC's
            Enrolment.due_date <= today_utc + timedelta(days=DUE_SOON_DAYS + 1),
            Enrolment.due_date >= today_utc - timedelta(days=OVERDUE_WINDOW_DAYS),
            User.active.is_(True),
        )
        .options(selectinload(Enrolment.user).selectinload(User.agency), selectinload(Enrolment.course))
    ).all()
    done = _already((kinds.DUE_IN_7_DAYS, kinds.DUE_TOMORROW, kinds.OVERDUE), {e.user_id for e in enrolments})
    sent = 0
    for enrolment in enrolments:
        user = enrolment.user
        today = now.astimezone(ZoneInfo(user.effective_timezone)).date()
        kind = due_kind(enrolment.due_date, today)
        key = enrolment_key(enrolment)
        if kind is None or (user.id, kind, key) in done:
            continue
        params = {
            "course": enrolment.course.title,
            "due_date": enrolment.due_date.isoformat(),
            "days": (enrolment.due_date - today).days,
        }
        path = site_path("courses.detail", slug=enrolment.course.slug)
        if services.notify(user, kind, key, params, path=path, now=now) is not None:
            sent += 1
    return sent


def notice_webinars(now: datetime) -> int:
    """Notice the participants of webinars starting within a day (tomorrow) or within the hour."""
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
        soon = webinar.starts_at - now <= WEBINAR_SOON
        kind = kinds.WEBINAR_SOON if soon else kinds.WEBINAR_TOMORROW
        key = f"webinar:{webinar.id}:{webinar.starts_at.isoformat()}"
        ids = participant_ids(webinar)
        ids -= {user_id for user_id, _kind, _key in _already((kind,), ids) if _key == key}
        if not ids:
            continue
        users = db.session.scalars(
            sa.select(User).where(User.id.in_(ids), User.active.is_(True)).options(selectinload(User.agency))
        ).all()
        params = {"webinar": webinar.title, "starts_at": webinar.starts_at.isoformat()}
        endpoint = "webinars.room" if soon else "webinars.detail"
        path = site_path(endpoint, webinar_id=webinar.id)
        for user in users:
            if services.notify(user, kind, key, params, path=path, now=now) is not None:
                sent += 1
        logger.info("webinar %s: %s notices", webinar.id, kind)
    return sent
