"""The job layer: enqueue, idempotency keys, claiming, retries with backoff, failure, progress."""

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
from redis.exceptions import ConnectionError as RedisConnectionError

from lms.core.clock import utcnow
from lms.core.domain import DomainError
from lms.extensions import db
from lms.jobs import enqueue, job, queue_of, services
from lms.jobs.models import Job, JobState
from lms.jobs.queue import make_huey
from lms.jobs.registry import JOB_TYPES

CALLS: list = []


@job("test.record", max_attempts=3, backoff=10)
def record(ctx, *, value, fail_times=0, domain=False):
    CALLS.append(value)
    if domain:
        raise DomainError("bad input")
    if len(CALLS) <= fail_times:
        raise RuntimeError(f"boom {len(CALLS)}")
    ctx.progress(50, "halfway")
    assert queue_of().get_progress(ctx.job.id) == {"progress": 50, "message": "halfway"}


@pytest.fixture(autouse=True)
def _calls(app):
    CALLS.clear()
    queue_of(app).huey.flush()
    yield
    queue_of(app).huey.flush()


def test_enqueue_records_and_dispatches_after_commit(ctx, make_user):
    user = make_user()
    created = enqueue("test.record", {"value": 1}, by=user)
    assert created.state is JobState.QUEUED and created.requested_by_id == user.id
    assert queue_of().pending_count() == 0  # nothing leaves before the commit
    db.session.commit()
    assert queue_of().pending_count() == 1
    assert queue_of().drain() == 1
    db.session.refresh(created)
    assert created.state is JobState.DONE
    assert created.progress == 100 and created.message == "halfway"
    assert created.attempts == 1 and created.started_at and created.finished_at
    assert CALLS == [1]


def test_arguments_must_be_json(ctx):
    with pytest.raises(TypeError):
        enqueue("test.record", {"value": object()})
    with pytest.raises(LookupError):
        enqueue("no.such-job", {})


def test_nothing_is_sent_when_the_transaction_rolls_back(ctx):
    enqueue("test.record", {"value": 1})
    db.session.rollback()
    db.session.commit()
    assert queue_of().pending_count() == 0


def test_same_key_while_pending_returns_the_existing_job(ctx):
    first = enqueue("test.record", {"value": 1}, key="k1")
    second = enqueue("test.record", {"value": 2}, key="k1")
    assert second.id == first.id
    db.session.commit()
    queue_of().drain()
    third = enqueue("test.record", {"value": 3}, key="k1")  # the first is done: a new one
    assert third.id != first.id


def test_running_twice_changes_nothing(ctx):
    created = enqueue("test.record", {"value": 7})
    db.session.commit()
    assert services.run(created.id) is not None
    assert services.run(created.id) is None  # a second delivery finds it done
    assert CALLS == [7]


def test_failure_is_retried_with_exponential_backoff_then_fails_with_reason(ctx):
    created = enqueue("test.record", {"value": 1, "fail_times": 5})
    db.session.commit()
    start = utcnow()
    services.run(created.id, now=start)
    db.session.refresh(created)
    assert created.state is JobState.QUEUED and created.attempts == 1
    assert "RuntimeError: boom 1" in created.error
    first_delay = created.run_after - start
    assert timedelta(seconds=9) < first_delay < timedelta(seconds=12)
    assert services.run(created.id, now=start) is None  # not due yet
    services.run(created.id, now=created.run_after)
    db.session.refresh(created)
    second_delay = created.run_after - utcnow()
    assert timedelta(seconds=18) < second_delay < timedelta(seconds=21)  # doubled
    services.run(created.id, now=created.run_after)
    db.session.refresh(created)
    assert created.state is JobState.FAILED and created.attempts == 3
    assert "boom 3" in created.error and created.finished_at


def test_a_retry_that_succeeds_ends_done(ctx):
    created = enqueue("test.record", {"value": 1, "fail_times": 1})
    db.session.commit()
    services.run(created.id)
    db.session.refresh(created)
    services.run(created.id, now=created.run_after)
    db.session.refresh(created)
    assert created.state is JobState.DONE and created.error is None and created.attempts == 2


def test_domain_error_fails_at_once(ctx):
    created = enqueue("test.record", {"value": 1, "domain": True})
    db.session.commit()
    services.run(created.id)
    db.session.refresh(created)
    assert created.state is JobState.FAILED and created.attempts == 1
    assert "bad input" in created.error


def test_admin_retry_of_failed_job(ctx):
    created = enqueue("test.record", {"value": 1, "domain": True})
    db.session.commit()
    services.run(created.id)
    with pytest.raises(services.JobNotRetryable):
        services.retry(enqueue("test.record", {"value": 2}))
    services.retry(db.session.get(Job, created.id))
    db.session.commit()
    assert created.state is JobState.QUEUED and created.max_attempts == 1 + 3
    JOB_TYPES["test.record"]  # still declared
    queue_of().drain()


def test_resend_and_stale_jobs(ctx):
    created = enqueue("test.record", {"value": 1})
    db.session.flush()
    later = utcnow() + timedelta(hours=3)
    # `in`: on PostgreSQL, jobs that browser tests of the same run committed are due as well.
    assert created.id in services.resend_due(later)
    db.session.execute(
        sa.update(Job)
        .where(Job.id == created.id)
        .values(state=JobState.RUNNING, started_at=utcnow(), attempts=1)
    )
    assert created.id in services.requeue_stale(later, older_than=timedelta(hours=2))
    db.session.refresh(created)
    assert created.state is JobState.QUEUED


def test_rerun_key_queues_behind_a_running_job(ctx):
    first = enqueue("test.record", {"value": 1}, key="k2")
    db.session.commit()
    services.claim(first.id, utcnow())
    db.session.commit()
    assert enqueue("test.record", {"value": 2}, key="k2").id == first.id
    second = enqueue("test.record", {"value": 2}, key="k2", rerun=True)
    assert second.id != first.id
    assert enqueue("test.record", {"value": 3}, key="k2", rerun=True).id == second.id


def test_unknown_or_misnamed_job_fails_at_once_with_the_reason(ctx):
    created = enqueue("test.record", {"value": 1})
    created.name = "test.gone"
    wrong = enqueue("test.record", {"nonsense": 1})
    db.session.commit()
    services.run(created.id)
    services.run(wrong.id)
    db.session.refresh(created)
    db.session.refresh(wrong)
    assert created.state is JobState.FAILED and "UnknownJob: test.gone" in created.error
    assert wrong.state is JobState.FAILED and "TypeError" in wrong.error and wrong.attempts == 1


def test_progress_is_cleared_when_done(ctx):
    created = enqueue("test.record", {"value": 1})
    db.session.commit()
    services.run(created.id)
    assert queue_of().get_progress(created.id) is None


def test_queue_locations(tmp_path):
    assert make_huey("sqlite", str(tmp_path)).storage.filename == str(tmp_path / "jobs.sqlite3")
    assert make_huey(f"sqlite:///{tmp_path}/q.db", "/nowhere").storage.filename == f"{tmp_path}/q.db"
    assert type(make_huey("redis://127.0.0.1:6379/15", "/nowhere")).__name__ == "RedisHuey"
    with pytest.raises(RuntimeError):
        make_huey("rabbitmq://x", "/nowhere")


def test_an_unreachable_queue_is_logged_in_one_line(caplog):
    worker = logging.getLogger("huey.consumer.Worker")
    try:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    except RedisConnectionError:
        worker.exception("Error reading from queue")
    try:
        raise ValueError("a bug")
    except ValueError:
        worker.exception("Unhandled error")
    outage, bug = caplog.records[-2:]
    assert outage.levelname == "WARNING" and outage.exc_info is None
    assert "Error reading from queue: Error 111" in outage.getMessage()
    assert bug.levelname == "ERROR" and bug.exc_info is not None


def test_a_job_that_meets_an_unreachable_database_is_asked_again_shortly(ctx, monkeypatch):
    """The first job after a PostgreSQL restart met a pooled connection the restart had killed:
    its claim failed, Huey dropped the message and the job waited for the sweep (two hours)."""
    from sqlalchemy.exc import OperationalError

    job_row = enqueue("test.record", {"value": "after the restart"})
    db.session.commit()
    claim = services.claim

    def dead_connection_once(job_id, now):
        monkeypatch.setattr(services, "claim", claim)
        raise OperationalError(
            "UPDATE jobs", {}, Exception("terminating connection due to administrator command")
        )

    monkeypatch.setattr(services, "claim", dead_connection_once)
    huey = queue_of().huey
    assert queue_of().drain() == 2  # the job's message, then its retry (Huey schedules it)
    assert db.session.get(Job, job_row.id, populate_existing=True).state == JobState.QUEUED
    assert huey.scheduled_count() == 1  # asked again in JOBS_UNAVAILABLE_RETRY_SECONDS
    later = (utcnow() + timedelta(seconds=6)).replace(tzinfo=None)  # Huey's clock: naive UTC
    [task] = huey.read_schedule(later)
    huey.execute(task, timestamp=later)
    assert db.session.get(Job, job_row.id, populate_existing=True).state == JobState.DONE
    assert CALLS == ["after the restart"]
