"""Reminders HR sends from the completion report: at most one per enrolment and day.

The report only asks: it sends `courses.signals.reminder_requested` for each enrolment, and
notifications (which listen) deliver the reminder. The day is the agency's calendar day.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.agencies import require_hr
from ..accounts.models import Agency, User
from ..core.clock import utcnow
from ..courses.models import Enrolment
from ..courses.signals import reminder_requested
from ..extensions import db

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminded:
    sent: int
    already: int  # reminded earlier today: not sent again


def remind(
    agency: Agency, enrolments: Iterable[Enrolment], *, by: User, now: datetime | None = None
) -> Reminded:
    """Ask for a reminder for every open enrolment of the agency's people not reminded yet today;
    of two requests at once only one sends it (a conditional UPDATE)."""
    require_hr(by, agency.id, _l("Anda tidak memiliki hak untuk mengirim pengingat bagi instansi ini."))
    now = now or utcnow()
    zone = ZoneInfo(agency.timezone)
    start_of_day = datetime.combine(now.astimezone(zone).date(), time(), zone)
    wanted = {e.id: e for e in enrolments if e.completed_at is None and e.user.agency_id == agency.id}
    if not wanted:
        return Reminded(0, 0)
    claimed = db.session.scalars(
        sa.update(Enrolment)
        .where(
            Enrolment.id.in_(wanted),
            sa.or_(Enrolment.reminded_at.is_(None), Enrolment.reminded_at < start_of_day),
        )
        .values(reminded_at=now)
        .returning(Enrolment.id)
        .execution_options(synchronize_session=False)
    ).all()
    app = current_app._get_current_object()
    for enrolment_id in sorted(claimed):
        enrolment = wanted[enrolment_id]
        set_committed_value(enrolment, "reminded_at", now)
        reminder_requested.send(app, enrolment=enrolment, by=by)
    logger.info(
        "agency %s: %s asked for %d reminders (%d already reminded today)",
        agency.code,
        by.id,
        len(claimed),
        len(wanted) - len(claimed),
    )
    return Reminded(len(claimed), len(wanted) - len(claimed))
