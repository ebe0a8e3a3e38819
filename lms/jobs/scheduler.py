"""Scheduled work, run from the queue's periodic task (every minute) or `flask lms run-scheduled`.

Each piece of work is claimed in the database before it runs: a conditional UPDATE moves its
`next_run_at` forward, and of several schedulers (machines, a worker and a systemd timer) at
the same moment exactly one sees its UPDATE match. The others skip it. This holds on
PostgreSQL (the second UPDATE waits for the first and re-reads the row) and on SQLite (one writer).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..core.clock import utcnow
from ..extensions import db
from . import services
from .models import ScheduledRun
from .registry import SCHEDULE, Scheduled, every

logger = logging.getLogger(__name__)


def claim(item: Scheduled, now: datetime) -> bool:
    """Take this run of `item` if it is due and nobody else took it; commits."""
    if db.session.get(ScheduledRun, item.name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(ScheduledRun(name=item.name, next_run_at=now))
        except sa.exc.IntegrityError:
            pass  # another scheduler created it at the same moment
    result = db.session.execute(
        sa.update(ScheduledRun)
        .where(ScheduledRun.name == item.name, ScheduledRun.next_run_at <= now)
        .values(next_run_at=now + timedelta(seconds=item.every), last_started_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def run_due(now: datetime | None = None, *, only: set[str] | None = None) -> list[str]:
    """Run every scheduled piece of work that is due and not taken by another scheduler;
    returns the names run here. One failing piece does not stop the others."""
    now = now or utcnow()
    ran = []
    for item in sorted(SCHEDULE.values(), key=lambda s: s.name):
        if only is not None and item.name not in only:
            continue
        if not claim(item, now):
            continue
        ran.append(item.name)
        error = None
        try:
            item.func(now)
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - logged and kept on the row; the next run tries again
            db.session.rollback()
            error = f"{type(exc).__name__}: {exc}"[:4000]
            logger.exception("scheduled %s failed", item.name)
        db.session.execute(
            sa.update(ScheduledRun)
            .where(ScheduledRun.name == item.name)
            .values(last_finished_at=utcnow(), last_error=error)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return ran


@every(300, "jobs.sweep")
def sweep(now: datetime) -> None:
    """Re-send queued jobs whose message was lost, re-queue jobs of dead workers, delete expired files."""
    services.resend_due(now)
    services.requeue_stale(now, older_than=timedelta(seconds=current_app.config["JOBS_STALE_SECONDS"]))
    services.delete_expired_files(now)
