"""The record of every job (what admins see) and the claim rows of scheduled work."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..core.columns import UTCDateTime, enum_column
from ..extensions import db


class JobState(enum.StrEnum):
    QUEUED = "queued"  # waiting for a worker (also between retries: run_after says when)
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # every attempt failed; `error` says why; an admin may retry

    @property
    def label(self) -> str:
        return str(
            {
                JobState.QUEUED: _l("Menunggu"),
                JobState.RUNNING: _l("Berjalan"),
                JobState.DONE: _l("Selesai"),
                JobState.FAILED: _l("Gagal"),
            }[self]
        )


PENDING = (JobState.QUEUED, JobState.RUNNING)


class Job(db.Model):
    """One piece of long work: its name and JSON arguments, who asked, where it is, what came out."""

    __tablename__ = "jobs"
    __table_args__ = (
        # One queued job per idempotency key (a running one may have read the data already).
        sa.Index(
            "uq_jobs_pending_key",
            "key",
            unique=True,
            sqlite_where=sa.text("state = 'queued'"),
            postgresql_where=sa.text("state = 'queued'"),
        ),
        sa.Index("ix_jobs_state_created_at", "state", "created_at"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    args: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    key: Mapped[str | None] = mapped_column(sa.String(200))
    locale: Mapped[str | None] = mapped_column(sa.String(10))  # the language of what it writes
    state: Mapped[JobState] = mapped_column(enum_column(JobState, "job_state", 10), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(sa.String(300))
    error: Mapped[str | None] = mapped_column(sa.Text)
    result_path: Mapped[str | None] = mapped_column(sa.String(500))  # a file under the instance folder
    result_name: Mapped[str | None] = mapped_column(sa.String(200))  # its download name
    result_url: Mapped[str | None] = mapped_column(sa.String(500))  # where the result is shown instead
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the result file is deleted then
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Named, not imported: accounts sits above this package. Read-only here.
    requested_by = relationship("User", viewonly=True, lazy="raise")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def pending(self) -> bool:
        return self.state in PENDING

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.name} {self.state.value}>"


class ScheduledRun(db.Model):
    """When a piece of scheduled work is next due. A scheduler claims a run by moving `next_run_at`
    forward with a conditional UPDATE: of several machines at once, exactly one succeeds."""

    __tablename__ = "scheduled_runs"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
