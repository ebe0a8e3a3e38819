"""How careers follows what happens elsewhere, without those features knowing about careers.

- `course_completed` (courses): award the course's competencies and count its JP;
- a person's agency, unit or active flag changed (accounts, through the ORM): move their
  contribution to the heatmap; a person deleted: take it out.
"""

from __future__ import annotations

import logging
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..accounts.models import User
from ..courses.completion import course_completed
from ..extensions import db
from . import records, summaries

logger = logging.getLogger(__name__)

WATCHED = ("agency_id", "unit_id", "active")


def on_course_completed(sender, enrolment, **extra) -> None:
    """Runs in the transaction that completed the course: all of it happens, or none."""
    records.award_course(enrolment)
    completed = enrolment.completed_at
    if completed.tzinfo is None:
        completed = completed.replace(tzinfo=UTC)
    year = completed.astimezone(ZoneInfo(enrolment.user.effective_timezone)).year
    summaries.refresh_jp(db.session, enrolment.user, [year])
    db.session.flush()


def on_user_updated(mapper, connection, target: User) -> None:
    state = sa.inspect(target)
    if any(state.attrs[name].history.has_changes() for name in WATCHED):
        summaries.sync_people(connection, [target.id])


def on_user_deleted(mapper, connection, target: User) -> None:
    summaries.forget_people(connection, [target.id])


course_completed.connect(on_course_completed)
sa.event.listen(User, "after_update", on_user_updated)
sa.event.listen(User, "before_delete", on_user_deleted)
