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
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

DISPATCH = "lms_jobs_to_dispatch"  # Session.info key: {job id: eta or None}


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
                run(job_id)

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
        except Exception:  # noqa: BLE001 - progress is a courtesy; the job goes on without it
            logger.warning("job %s: progress not stored", job_id, exc_info=True)

    def clear_progress(self, job_id: int) -> None:
        try:
            self.huey.delete(f"progress:{job_id}")
        except Exception:  # noqa: BLE001
            logger.warning("job %s: progress not cleared", job_id, exc_info=True)

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
        except Exception:  # noqa: BLE001 - the sweep re-sends it; the request must not fail
            logger.warning("job %s: not handed to the queue now; the sweep will", job_id, exc_info=True)


@sa.event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(DISPATCH, None)
