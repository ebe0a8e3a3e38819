"""Reminder mails and attendance finalisation as jobs: a second run (or a retry) changes nothing."""

import pytest

from lms.extensions import db
from lms.jobs import enqueue, queue_of, scheduler, services
from lms.jobs.models import Job, JobState
from lms.webinars import attendance, jobs, reminders
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


def test_reminders_job_mails_each_person_once_even_after_a_failure(w, outbox, monkeypatch):  # noqa: F811
    calls = []
    real = reminders.send_mail

    def flaky(to, subject, body):
        calls.append(to)
        if len(calls) == 3:
            raise ConnectionError("SMTP down")
        real(to, subject, body)

    monkeypatch.setattr(reminders, "send_mail", flaky)
    first = run_job(jobs.SEND_REMINDERS, at=at(-60).isoformat())
    assert first.state is JobState.QUEUED and "SMTP down" in first.error and first.attempts == 1
    assert len(outbox) == 2  # two mailed and committed before the failure
    services.run(first.id, now=first.run_after)
    db.session.refresh(first)
    assert first.state is JobState.DONE
    assert len(outbox) == 4 and len({m["To"] for m in outbox}) == 4

    again = run_job(jobs.SEND_REMINDERS, at=at(-50).isoformat())
    assert again.state is JobState.DONE and len(outbox) == 4  # a second run mails nobody


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


def test_the_scheduler_queues_reminders_and_finalisation_once(w):  # noqa: F811
    ran = scheduler.run_due(at(0), only={jobs.SEND_REMINDERS, jobs.FINALIZE_DUE})
    assert sorted(ran) == [jobs.FINALIZE_DUE, jobs.SEND_REMINDERS]
    assert scheduler.run_due(at(1), only={jobs.SEND_REMINDERS, jobs.FINALIZE_DUE}) == []  # not due
    names = db.session.scalars(db.select(Job.name).where(Job.state == JobState.QUEUED)).all()
    assert sorted(names) == [jobs.FINALIZE_DUE, jobs.SEND_REMINDERS]
    assert scheduler.run_due(at(16), only={jobs.SEND_REMINDERS}) == [jobs.SEND_REMINDERS]
    assert (
        db.session.scalar(  # still queued: the key returns it, no second job
            db.select(db.func.count()).select_from(Job).where(Job.name == jobs.SEND_REMINDERS)
        )
        == 1
    )


def test_no_reminder_job_without_the_sites_address(app, w, caplog):  # noqa: F811
    app.config["PUBLIC_BASE_URL"] = None
    jobs.schedule_reminders(at(0))
    assert "set PUBLIC_BASE_URL" in caplog.text
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0
