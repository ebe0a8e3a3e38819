"""Jobs: enqueue long work with JSON arguments, run it in a worker, record what happened.

    job = jobs.enqueue("reports.export", {"agency_id": 3, "kind": "jp"}, by=user, key="export:3:jp")
    db.session.commit()            # the worker is told after the commit, never before

A job type is declared with `@jobs.job("name")` (see registry). Running a job twice changes
nothing: the runner claims a queued job with one conditional UPDATE, so a second delivery finds
it already taken, and every job function is itself idempotent. A failure is retried with
exponential backoff (`backoff`, 2x, 4x ... seconds) up to `max_attempts`; a DomainError (bad
input) is not retried. The reason of the last failure stays on the row for admins.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..core.clock import utcnow
from ..core.domain import DomainError
from ..extensions import db
from . import queue as job_queue
from .models import PENDING, Job, JobState
from .registry import UnknownJob, job_type

logger = logging.getLogger(__name__)

RESULT_DAYS = 7  # result files are kept this long (JOBS_RESULT_DAYS)


class JobNotRetryable(DomainError):
    pass


# ---------------------------------------------------------------- asking for work


def enqueue(
    name: str,
    args: dict | None = None,
    *,
    by=None,
    key: str | None = None,
    locale: str | None = None,
    delay: float = 0,
    rerun: bool = False,
) -> Job:
    """Record a job and hand it to the queue after the commit.

    With `key`, a pending (queued or running) job of that key is returned instead of a second
    one, also when two requests race. With `rerun=True` only a queued one is: when the one that
    runs may have read the data before the change that asks again, a new job follows it.
    """
    kind = job_type(name)
    args = json.loads(json.dumps(args or {}))  # plain JSON only: what a worker elsewhere can read
    if key is not None and (existing := pending_with_key(key, running=not rerun)) is not None:
        return existing
    now = utcnow()
    job = Job(
        name=name,
        args=args,
        key=key,
        locale=locale,
        max_attempts=kind.max_attempts,
        requested_by_id=getattr(by, "id", by),
        created_at=now,
        run_after=now + timedelta(seconds=delay),
    )
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except sa.exc.IntegrityError:
        existing = pending_with_key(key, running=False) if key is not None else None
        if existing is None:
            raise
        return existing
    job_queue.dispatch_after_commit(db.session(), job.id, job.run_after if delay else None)
    logger.info("job %s %s queued (key %s)", job.id, name, key)
    return job


def pending_with_key(key: str, *, running: bool = True) -> Job | None:
    """The queued (or, with `running`, running) job of an idempotency key."""
    states = PENDING if running else (JobState.QUEUED,)
    return db.session.scalar(
        sa.select(Job).where(Job.key == key, Job.state.in_(states)).order_by(Job.id.desc()).limit(1)
    )


def retry(job: Job) -> Job:
    """An admin sends a failed job round again, with a fresh set of attempts."""
    if job.state is not JobState.FAILED:
        raise JobNotRetryable(_l("Hanya pekerjaan yang gagal yang dapat diulang."))
    if job.key is not None and pending_with_key(job.key, running=False) is not None:
        raise JobNotRetryable(_l("Pekerjaan yang sama sedang menunggu atau berjalan."))
    job.state = JobState.QUEUED
    job.max_attempts = job.attempts + job_type(job.name).max_attempts
    job.run_after = utcnow()
    job.finished_at = None
    db.session.flush()
    job_queue.dispatch_after_commit(db.session(), job.id)
    return job


# ---------------------------------------------------------------- inside the worker


@dataclass
class JobContext:
    """What a job function gets besides its arguments: its row, progress, a place for its file."""

    job: Job
    _last: dict = field(default_factory=dict)

    @property
    def requested_by_id(self) -> int | None:
        return self.job.requested_by_id

    def progress(self, percent: float, message: str | None = None) -> None:
        """Report how far the job is (0-100). Shown at once on the waiting page (through the
        queue's store, not the job's transaction); saved on the row when the job ends."""
        value = {"progress": max(0, min(100, int(percent))), "message": message}
        if value == self._last:
            return
        self._last = value
        self.job.progress = value["progress"]
        self.job.message = message[:300] if message else None
        job_queue.queue_of().put_progress(self.job.id, value)

    def result_file(self, filename: str, *, days: int | None = None) -> Path:
        """The path where the job writes its file (instance/exports/<job id>/), downloadable by
        the person who asked only, until it expires."""
        folder = exports_root() / str(self.job.id)
        if folder.exists():
            shutil.rmtree(folder)  # a retry starts from nothing
        folder.mkdir(parents=True)
        days = days if days is not None else current_app.config.get("JOBS_RESULT_DAYS", RESULT_DAYS)
        self.job.result_path = str(folder.relative_to(Path(current_app.instance_path)) / filename)
        self.job.result_name = filename
        self.job.expires_at = utcnow() + timedelta(days=days)
        return folder / filename


def exports_root() -> Path:
    return Path(current_app.instance_path) / "exports"


def claim(job_id: int, now: datetime) -> bool:
    """Take a queued job that is due; of two workers at once, one wins."""
    result = db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.state == JobState.QUEUED, Job.run_after <= now)
        .values(state=JobState.RUNNING, attempts=Job.attempts + 1, started_at=now, finished_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def run(job_id: int, *, now: datetime | None = None) -> Job | None:
    """Run job N if it is queued and due (else do nothing); commit its outcome."""
    now = now or utcnow()
    claimed = claim(job_id, now)
    db.session.commit()
    if not claimed:
        logger.info("job %s: not queued or not due; nothing to do", job_id)
        return None
    job = db.session.get(Job, job_id, populate_existing=True)
    ctx = JobContext(job)
    backoff = 30.0
    try:
        kind = job_type(job.name)  # an unknown name (code changed since) fails like any error
        backoff = kind.backoff
        with force_locale(job.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            kind.func(ctx, **job.args)
        db.session.flush()
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, then retried or final
        db.session.rollback()
        retry = not isinstance(exc, DomainError | UnknownJob | TypeError)
        return _failed(job_id, exc, retry=retry, backoff=backoff)
    job.state = JobState.DONE
    job.progress = 100
    job.error = None
    job.finished_at = utcnow()
    db.session.commit()
    job_queue.queue_of().clear_progress(job.id)
    logger.info("job %s %s done after %d attempt(s)", job.id, job.name, job.attempts)
    return job


def _failed(job_id: int, exc: Exception, *, retry: bool, backoff: float) -> Job:
    job = db.session.get(Job, job_id, populate_existing=True)
    job.error = f"{type(exc).__name__}: {exc}"[:4000]
    now = utcnow()
    if retry and job.attempts < job.max_attempts:
        job.state = JobState.QUEUED
        job.run_after = now + timedelta(seconds=backoff * 2 ** (job.attempts - 1))
        job_queue.dispatch_after_commit(db.session(), job.id, job.run_after)
        logger.warning(
            "job %s %s failed (attempt %d), retry at %s: %s",
            job.id,
            job.name,
            job.attempts,
            job.run_after,
            job.error,
            exc_info=exc,
        )
    else:
        job.state = JobState.FAILED
        job.finished_at = now
        job_queue.queue_of().clear_progress(job.id)
        logger.error(
            "job %s %s failed for good: %s",
            job.id,
            job.name,
            job.error,
            exc_info=None if isinstance(exc, DomainError) else exc,  # a refusal needs no traceback
        )
    db.session.commit()
    return job


# ---------------------------------------------------------------- seeing and tidying


def live_progress(job: Job) -> tuple[int, str | None]:
    """The progress of a running job as its worker last reported it."""
    if job.state is JobState.RUNNING:
        value = job_queue.queue_of().get_progress(job.id)
        if value:
            return value["progress"], value.get("message")
    return job.progress, job.message


def result_file(job: Job) -> Path | None:
    """The job's file if it is done, not expired and still there."""
    if job.state is not JobState.DONE or not job.result_path:
        return None
    if job.expires_at and job.expires_at <= utcnow():
        return None
    root = Path(current_app.instance_path).resolve()
    path = (root / job.result_path).resolve()
    if not path.is_relative_to(root / "exports") or not path.is_file():
        return None
    return path


def jobs_page(state: JobState | None, page: int, per_page: int = 50):
    query = (
        sa.select(Job).options(selectinload(Job.requested_by)).order_by(Job.created_at.desc(), Job.id.desc())
    )
    if state is not None:
        query = query.where(Job.state == state)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def resend_due(now: datetime, *, older_than: timedelta = timedelta(minutes=5)) -> list[int]:
    """Re-send queued jobs that are long overdue (a message lost with a queue outage)."""
    ids = db.session.scalars(
        sa.select(Job.id).where(Job.state == JobState.QUEUED, Job.run_after <= now - older_than)
    ).all()
    for job_id in ids:
        job_queue.dispatch_after_commit(db.session(), job_id)
    return list(ids)


def requeue_stale(now: datetime, *, older_than: timedelta) -> list[int]:
    """Running jobs whose worker died (running far longer than any job should) go back to the queue."""
    stale = db.session.scalars(
        sa.select(Job).where(Job.state == JobState.RUNNING, Job.started_at <= now - older_than)
    ).all()
    for job in stale:
        job.state = JobState.QUEUED if job.attempts < job.max_attempts else JobState.FAILED
        job.error = "worker stopped while running the job"
        job.run_after = now
        if job.state is JobState.QUEUED:
            job_queue.dispatch_after_commit(db.session(), job.id)
        else:
            job.finished_at = now
    db.session.flush()
    return [job.id for job in stale]


def delete_expired_files(now: datetime) -> int:
    """Delete result files past their expiry; the rows stay (the admin list keeps the history)."""
    expired = db.session.scalars(
        sa.select(Job).where(Job.result_path.is_not(None), Job.expires_at <= now)
    ).all()
    for job in expired:
        folder = exports_root() / str(job.id)
        shutil.rmtree(folder, ignore_errors=True)
        job.result_path = None
    db.session.flush()
    return len(expired)
