"""Attendance finalisation as a job: a second run changes nothing. (Reminders before a webinar
are notices now: tests/notifications/test_reminders.py.)"""

import pytest

from lms.extensions import db
from lms.jobs import enqueue, queue_of, scheduler
from lms.jobs.models import Job, JobState
from lms.webinars import attendance, jobs
from lms.webinars.models import Attendance
from tests.webinars.conftest import at
from tests.webinars.test_services import w  # noqa: F401 - the fixture


@pytest.fixture(autouse=True)
def _site(app):
    old = app.config.get("PUBLIC_BASE_URL")
    app.config["PUBLIC_BASE_URL"] = "http://lms.test"
    queue_of(app).huey.flush()
    yield
    app.config["PUBLIC_BASE_URL"] = old
    queue_of(app).huey.flush()


def run_job(name, **args):
    job = enqueue(name, args)
    db.session.commit()
    queue_of().drain()
    db.session.refresh(job)
    return job


def test_finalize_job_is_idempotent(w):  # noqa: F811
    attendance.join(w.ani, w.webinar, "s", at=at(0))
    for minute in range(1, 56):
        attendance.heartbeat(w.ani, w.webinar, "s", at=at(minute))
    db.session.commit()
    done = run_job(jobs.FINALIZE_DUE, at=at(62).isoformat())
    assert done.state is JobState.DONE
    db.session.refresh(w.webinar)
    assert w.webinar.finalized_at == at(62)
    seconds = db.session.scalar(db.select(Attendance.attended_seconds).where(Attendance.user_id == w.ani.id))
    again = run_job(jobs.FINALIZE_DUE, at=at(90).isoformat())
    assert again.state is JobState.DONE
    db.session.refresh(w.webinar)
    assert w.webinar.finalized_at == at(62)
    assert (
        db.session.scalar(db.select(Attendance.attended_seconds).where(Attendance.user_id == w.ani.id))
        == seconds
    )


def test_the_scheduler_queues_finalisation_once(w):  # noqa: F811
    assert scheduler.run_due(at(0), only={jobs.FINALIZE_DUE}) == [jobs.FINALIZE_DUE]
    assert scheduler.run_due(at(1), only={jobs.FINALIZE_DUE}) == []  # not due
    assert scheduler.run_due(at(6), only={jobs.FINALIZE_DUE}) == [jobs.FINALIZE_DUE]
    assert (
        db.session.scalar(  # still queued: the key returns it, no second job (other tests' may be done)
            db.select(db.func.count())
            .select_from(Job)
            .where(Job.name == jobs.FINALIZE_DUE, Job.state.in_([JobState.QUEUED, JobState.RUNNING]))
        )
        == 1
    )
