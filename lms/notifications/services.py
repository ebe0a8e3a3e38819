"""Notices: add one per (user, kind, key), read them, mark them read, choose what comes by mail.

The unread count lives on the user row (`User.unread_notifications`) so the bell on every page
costs no statement. Every change of a notice's read state moves it by exactly the number of rows
changed, with an UPDATE of the counter in the same transaction (the row lock on PostgreSQL keeps
concurrent changes in line), so the count and the rows agree.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.util import identity_key

from ..accounts.models import User
from ..core.clock import utcnow
from ..core.inserts import insert_skipping_existing
from ..extensions import db
from ..jobs import enqueue
from .kinds import KINDS
from .models import MailOptOut, Notification

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
MAIL_JOB = "notifications.mail"
MAIL_MANY_JOB = "notifications.mail-many"


def _move_counter(user_id: int, delta: int) -> None:
    _move_counters([user_id], delta)


def _move_counters(user_ids: list[int], delta: int) -> None:
    if not delta or not user_ids:
        return
    db.session.execute(
        sa.update(User)
        .where(User.id.in_(user_ids))
        # updated_at stays: a notice is not a change of the person's account
        .values(unread_notifications=User.unread_notifications + delta, updated_at=User.updated_at)
        .execution_options(synchronize_session=False)
    )
    for user_id in user_ids:
        loaded = db.session.identity_map.get(identity_key(User, user_id))
        if loaded is not None:
            db.session.expire(loaded, ["unread_notifications"])


def notify(
    user: User, kind: str, key: str, params: dict, *, path: str | None = None, now: datetime | None = None
) -> Notification | None:
    """Add a notice and queue its mail; None when this (user, kind, key) was notified already,
    also by a concurrent transaction, so a repeated event never notifies or mails twice."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not user.active:
        return None
    key = key[:200]
    exists = sa.select(Notification.id).where(
        Notification.user_id == user.id, Notification.kind == kind, Notification.key == key
    )
    if db.session.scalar(exists) is not None:
        return None
    notice = Notification(
        user_id=user.id, kind=kind, key=key, params=params, path=path, created_at=now or utcnow()
    )
    try:
        with db.session.begin_nested():
            db.session.add(notice)
    except IntegrityError:  # the same notice added by a concurrent transaction
        return None
    _move_counter(user.id, 1)
    if wants_mail(user.id, kind) and user.email:
        enqueue(MAIL_JOB, {"notification_id": notice.id}, key=f"{MAIL_JOB}:{notice.id}")
    logger.info("notification %s %s for user %s (%s)", notice.id, kind, user.id, key)
    return notice


@dataclass(frozen=True)
class NewNotice:
    """One notice of `notify_many`: for whom, which occurrence, its params and link."""

    user_id: int
    key: str
    params: dict
    path: str | None = None


def notify_many(kind: str, notices: list[NewNotice], *, now: datetime | None = None) -> list[int]:
    """Add notices of one kind for many people and queue their mail as one job, in a fixed number
    of statements whatever their number; returns the ids of the notices added. Like `notify`, a
    (user, kind, key) notified already (also by a concurrent transaction) is skipped, inactive
    people are skipped, and only people who take this kind by mail and have an address get it."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not notices:
        return []
    emails = dict(
        db.session.execute(
            sa.select(User.id, User.email).where(
                User.id.in_({n.user_id for n in notices}), User.active.is_(True)
            )
        ).all()
    )
    created_at = now or utcnow()
    rows = [
        {
            "user_id": n.user_id,
            "kind": kind,
            "key": n.key[:200],
            "params": n.params,
            "path": n.path,
            "created_at": created_at,
        }
        for n in notices
        if n.user_id in emails
    ]
    if not rows:
        return []
    insert = insert_skipping_existing(Notification, "user_id", "kind", "key")
    added = db.session.execute(insert.returning(Notification.id, Notification.user_id), rows).all()
    per_user = Counter(user_id for _id, user_id in added)
    for delta in set(per_user.values()):
        _move_counters([user_id for user_id, count in per_user.items() if count == delta], delta)
    off = (
        set(
            db.session.scalars(
                sa.select(MailOptOut.user_id).where(MailOptOut.kind == kind, MailOptOut.user_id.in_(per_user))
            )
        )
        if per_user
        else set()
    )
    to_mail = sorted(notice_id for notice_id, user_id in added if user_id not in off and emails[user_id])
    if to_mail:
        enqueue(MAIL_MANY_JOB, {"notification_ids": to_mail})
    logger.info("%d notifications %s added (%d to mail)", len(added), kind, len(to_mail))
    return [notice_id for notice_id, _user_id in added]


def notices_page(user: User, page: int, per_page: int = PAGE_SIZE):
    """The user's notices, newest first."""
    query = (
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)


def notice_of(user: User, notification_id: int) -> Notification | None:
    """The user's own notice, or None (also for someone else's)."""
    return db.session.scalar(
        sa.select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )


def mark_read(user: User, notification_id: int, *, now: datetime | None = None) -> Notification | None:
    """Mark one of the user's notices read (again: no change); None if it is not theirs."""
    notice = notice_of(user, notification_id)
    if notice is None:
        return None
    changed = db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notice.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    _move_counter(user.id, -changed)
    db.session.expire(notice, ["read_at"])
    return notice


def mark_all_read(user: User, *, now: datetime | None = None) -> int:
    """Mark every unread notice of the user read; returns how many."""
    changed = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    _move_counter(user.id, -changed)
    return changed


# ---------------------------------------------------------------- mail settings


def wants_mail(user_id: int, kind: str) -> bool:
    return db.session.get(MailOptOut, (user_id, kind)) is None


def mail_kinds(user: User) -> set[str]:
    """The kinds this user receives by mail (in the app they see every kind)."""
    off = set(db.session.scalars(sa.select(MailOptOut.kind).where(MailOptOut.user_id == user.id)))
    return set(KINDS) - off


def set_mail_kinds(user: User, kinds: set[str]) -> None:
    """Receive exactly these kinds by mail (unknown names are ignored)."""
    wanted = kinds & set(KINDS)
    off = set(KINDS) - wanted
    db.session.execute(sa.delete(MailOptOut).where(MailOptOut.user_id == user.id))
    db.session.add_all(MailOptOut(user_id=user.id, kind=kind) for kind in sorted(off))
    db.session.flush()
    logger.info("user %s mail kinds: %s", user.id, ",".join(sorted(wanted)))
