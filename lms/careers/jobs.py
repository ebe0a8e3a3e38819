"""Careers work that runs on the job queue: a course edit reaching many completions, the
nightly rebuild of the analytics tables, and the sweep of evidence files no report refers to."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..courses.models import Course, Enrolment
from ..extensions import db
from ..jobs import enqueue, every, job
from . import awards, evidence, summaries
from .models import RecordSource

logger = logging.getLogger(__name__)

CHUNK = 1000
FOLLOW_COURSES = "careers.follow-courses"


def completions_of(course_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(Enrolment.course_id == course_id, Enrolment.completed_at.is_not(None))
    )


def follow_course_edit(course: Course, *, by: User | None = None) -> None:
    """A course's JP or competencies were edited: its completers' records follow, in this
    request when they are few, else in a job (the editor gets an answer at once)."""
    if completions_of(course.id) <= current_app.config["JOBS_FOLLOW_COURSES_INLINE_MAX"]:
        awards.follow_courses([course.id], by=by)
        return
    # rerun: a job already running may have read the course before this edit.
    queued = enqueue(
        FOLLOW_COURSES, {"course_ids": [course.id]}, by=by, key=f"{FOLLOW_COURSES}:{course.id}", rerun=True
    )
    logger.info("course %s edited: records follow in job %s", course.id, queued.id)


@job(FOLLOW_COURSES, max_attempts=5, backoff=30)
def follow_courses_job(ctx, *, course_ids: list[int]) -> None:
    """The records and JP of everyone who completed the courses follow their current awards
    (idempotent: a second run finds nothing to change), in chunks with progress."""
    by = db.session.get(User, ctx.requested_by_id) if ctx.requested_by_id else None
    enrolments = db.session.scalars(
        sa.select(Enrolment.id)
        .where(Enrolment.course_id.in_(course_ids), Enrolment.completed_at.is_not(None))
        .order_by(Enrolment.id)
    ).all()
    people = 0
    for start in range(0, len(enrolments), CHUNK):
        people += len(awards.follow_sources(RecordSource.COURSE, enrolments[start : start + CHUNK], by=by))
        ctx.progress(100 * (start + CHUNK) / len(enrolments), f"{min(start + CHUNK, len(enrolments))}")
    logger.info("courses %s: records of %d people followed (job %s)", course_ids, people, ctx.job.id)


REFRESH_HOUR = 2  # 02:00-02:59 WIB: once a night, away from office hours in every zone


@every(60 * 60, "careers.refresh-summaries")
def refresh_summaries(now: datetime) -> bool:
    """Rebuild the analytics tables once a night, repairing anything changed outside the app
    (looked at hourly; only the run in the night hour rebuilds)."""
    if now.astimezone(ZoneInfo("Asia/Jakarta")).hour != REFRESH_HOUR:
        return False
    summaries.rebuild(db.session, None)
    return True


@every(6 * 60 * 60, "careers.sweep-evidence")
def sweep_evidence(now: datetime) -> int:
    """Remove evidence files no report refers to any more (see evidence.sweep)."""
    return evidence.sweep(now=now.timestamp())
