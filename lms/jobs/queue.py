"""The queue under the jobs: Huey, on Redis in production and on a SQLite file by default.

The `jobs` table is the truth (what runs, what failed, who asked); Huey only carries "job N is
ready" to a worker, and runs the periodic scheduler. A job is handed to Huey after the
transaction that created it commits, so a worker never looks for a row it cannot see yet; a
lost message is repaired by the sweep, which re-sends jobs that waited too long.

JOBS_QUEUE: `redis://host:port/db` (RedisHuey), `sqlite` (a file in the instance folder, or
`sqlite:////path/file`), or `memory` (tests: nothing runs until `drain()`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.orm import Session

from ..core.clock import utcnow
from ..core.outage import database_unavailable

logger = logging.getLogger(__name__)

DISPATCH = "lms_jobs_to_dispatch"  # Session.info key: {job id: eta or None}


UNREACHABLE = (RedisConnectionError, RedisTimeoutError, sqlite3.OperationalError)


class QueueOutage(logging.Filter):
    """The queue's store (Redis) or the database is away: Huey's worker and scheduler log one
    line each time they try, not a traceback; they go on by themselves when it returns (no
    restart). A job cut short is sent again by the sweep."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, UNREACHABLE) or database_unavailable(exc):
            record.args = (record.getMessage(), exc)
            record.msg = "%s: %s (the job queue or the database is unreachable; trying again)"
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


for _name in ("huey", "huey.consumer", "huey.consumer.Worker", "huey.consumer.Scheduler"):
    logging.getLogger(_name).addFilter(QueueOutage())


def make_huey(url: str, instance_path: str, *, name: str = "lms"):
    if url == "memory":
        return MemoryHuey(name, results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False)
    if url == "sqlite" or url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite").removeprefix(":///") or str(Path(instance_path) / "jobs.sqlite3")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=path, results=False)
    raise RuntimeError(f"JOBS_QUEUE must be redis://..., sqlite[:///path] or memory, not {url!r}")


class Queue:
    """The Huey instance of one app, with the one task that runs a job and the periodic scheduler."""

    def __init__(self, app: Flask, *, run: Callable[[int], object], tick: Callable[[], object]):
        self.app = app
        self.huey = make_huey(app.config["JOBS_QUEUE"], app.instance_path)
        self._consumer: Consumer | None = None
        self._lock = threading.Lock()

        def run_job(job_id: int) -> None:
            with app.app_context():
                try:
                    run(job_id)
                except Exception as exc:
                    if not database_unavailable(exc):
                        raise
                    # The database is away, or a pooled connection died with its restart (the
                    # claim is the first statement to meet it). The job is still queued in the
                    # table: ask again shortly rather than leave it to the sweep.
                    delay = app.config["JOBS_UNAVAILABLE_RETRY_SECONDS"]
                    logger.warning(
                        "job %s: the database is unavailable (%s); again in %s s", job_id, exc, delay
                    )
                    self.send(job_id, utcnow() + timedelta(seconds=delay))

        def scheduler_tick() -> None:
            with app.app_context():
                tick()

        self._run_job = self.huey.task(name="lms.run_job")(run_job)
        self.huey.periodic_task(crontab(), name="lms.scheduler_tick")(scheduler_tick)

    def send(self, job_id: int, eta: datetime | None = None) -> None:
        """Tell a worker that job N is ready (at `eta`)."""
        if eta is None:
            self._run_job(job_id)
        else:
            self._run_job.schedule(args=(job_id,), eta=eta)

    def drain(self) -> int:
        """Run every message that is ready, here and now (tests; `flask lms run-jobs --once`)."""
        count = 0
        while (task := self.huey.dequeue()) is not None:
            self.huey.execute(task)
            count += 1
        return count

    def pending_count(self) -> int:
        return self.huey.pending_count()

    def put_progress(self, job_id: int, value: dict) -> None:
        try:
            self.huey.put(f"progress:{job_id}", value)
        except Exception as exc:  # noqa: BLE001 - progress is a courtesy; the job goes on without it
            logger.warning("job %s: progress not stored (%s)", job_id, exc)

    def clear_progress(self, job_id: int) -> None:
        try:
            self.huey.delete(f"progress:{job_id}")
        except Exception as exc:  # noqa: BLE001
            logger.warning("job %s: progress not cleared (%s)", job_id, exc)

    def get_progress(self, job_id: int) -> dict | None:
        try:
            return self.huey.get(f"progress:{job_id}", peek=True)
        except Exception:  # noqa: BLE001
            return None

    def consumer(self, *, workers: int = 2, periodic: bool = True) -> Consumer:
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic)

    def start_in_process(self) -> None:
        """Start worker threads and the scheduler inside this process, once (`make run`)."""
        with self._lock:
            if self._consumer is not None:
                return
            consumer = InProcessConsumer(self.huey, workers=1, worker_type="thread", periodic=True)
            consumer.start()
            self._consumer = consumer
            logger.info("job worker started in this process (JOBS_QUEUE=%s)", self.app.config["JOBS_QUEUE"])


class InProcessConsumer(Consumer):
    """A consumer beside a web server: the server keeps its own signal handlers."""

    def _set_signal_handlers(self):
        pass


def queue_of(app: Flask | None = None) -> Queue:
    return (app or current_app).extensions["jobs"]


def dispatch_after_commit(session: Session, job_id: int, eta: datetime | None = None) -> None:
    """Send job N to the queue once the session's transaction commits (nothing on rollback)."""
    session.info.setdefault(DISPATCH, {})[job_id] = eta


@sa.event.listens_for(Session, "after_commit")
def _dispatch(session: Session) -> None:
    pending = session.info.pop(DISPATCH, None)
    if not pending or not has_app_context():
        return
    queue = current_app.extensions.get("jobs")
    if queue is None:
        return
    for job_id, eta in pending.items():
        try:
            queue.send(job_id, eta)
        except Exception as exc:  # noqa: BLE001 - the sweep re-sends it; the request must not fail
            logger.warning("job %s: not handed to the queue now (%s); the sweep will", job_id, exc)


@sa.event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(DISPATCH, None)
