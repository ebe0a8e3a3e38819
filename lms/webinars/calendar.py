"""The calendar feed (iCalendar, RFC 5545) of the webinars a person registered for.

Calendar apps subscribe to a URL and cannot log in, so the URL carries a secret: the person's
`CalendarFeed.nonce` signed with the app's secret key (itsdangerous). The database holds only the
nonce, which opens nothing without the key; a reset draws a new nonce, so the old address stops
working at once. Changing SECRET_KEY changes every address (people subscribe again).

The file is written by the `icalendar` package: UID stable per webinar, times in UTC, text
escaped by the library, cancelled webinars with STATUS:CANCELLED.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

import icalendar
import sqlalchemy as sa
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy.orm import lazyload

from ..accounts.models import User
from ..content import plain_text
from ..extensions import db
from .models import CalendarFeed, Registration, Webinar

logger = logging.getLogger(__name__)

SALT = "webinar-calendar-feed"
TOKEN_MAX = 200  # a signed nonce is about 70 characters; anything far longer is not one
DESCRIPTION_MAX = 1000


def _signer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def token_of(feed: CalendarFeed, secret: str) -> str:
    """The secret part of the person's feed address."""
    return _signer(secret).dumps(feed.nonce)


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.get(CalendarFeed, user.id)


def reset_feed(user: User, *, now: datetime) -> CalendarFeed:
    """Give the person a new feed address (the first one, or instead of the old one, which stops
    working)."""
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.nonce = secrets.token_urlsafe(32)
    feed.created_at = now
    db.session.flush()
    logger.info("calendar feed of user %s reset", user.id)
    return feed


def feed_by_token(token: str, secret: str) -> CalendarFeed | None:
    """The feed a token opens, or None (forged, altered, reset or too long)."""
    if len(token) > TOKEN_MAX:
        return None
    try:
        nonce = _signer(secret).loads(token)
    except BadData:
        return None
    if not isinstance(nonce, str):
        return None
    return db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.nonce == nonce))


def registered_webinars(user_id: int) -> list[Webinar]:
    """The webinars the person registered for, soonest first, in one statement."""
    query = (
        sa.select(Webinar)
        .join(Registration, Registration.webinar_id == Webinar.id)
        .where(Registration.user_id == user_id)
        .order_by(Webinar.starts_at, Webinar.id)
        .options(lazyload(Webinar.cohosts))  # the feed never shows them
    )
    return list(db.session.scalars(query))


def calendar(webinars: list[Webinar], *, base_url: str, link: Callable[[int], str], name: str) -> bytes:
    """The webinars as an iCalendar file; `link(webinar_id)` is a webinar's page path."""
    host = urlsplit(base_url).hostname or "localhost"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Platform Pembelajaran ASN//Webinar//ID")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for webinar in webinars:
        event = icalendar.Event()
        event.add("uid", f"webinar-{webinar.id}@{host}")
        event.add("dtstamp", webinar.updated_at)
        event.add("dtstart", webinar.starts_at)
        event.add("dtend", webinar.ends_at)
        event.add("summary", webinar.title)
        description = plain_text(webinar.description_md, DESCRIPTION_MAX)
        if description:
            event.add("description", description)
        event.add("url", base_url + link(webinar.id))
        event.add("status", "CANCELLED" if webinar.cancelled_at is not None else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()
