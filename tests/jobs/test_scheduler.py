"""Scheduled work runs once per interval, also when several schedulers run at the same moment."""

import threading
import time

import pytest
import sqlalchemy as sa

from lms.core.clock import utcnow
from lms.extensions import db
from lms.jobs import scheduler
from lms.jobs.models import ScheduledRun
from lms.jobs.registry import SCHEDULE, Scheduled

RUNS: list[str] = []


@pytest.fixture
def counted():
    RUNS.clear()

    def work(now):
        RUNS.append(threading.current_thread().name)
        time.sleep(0.2)

    def broken(now):
        raise RuntimeError("disk full")

    SCHEDULE["test.count"] = Scheduled("test.count", 60, work)
    SCHEDULE["test.broken"] = Scheduled("test.broken", 60, broken)
    yield
    del SCHEDULE["test.count"], SCHEDULE["test.broken"]


def test_runs_once_per_interval_and_a_failure_is_kept(ctx, counted):
    now = utcnow()
    only = {"test.count", "test.broken"}
    assert scheduler.run_due(now, only=only) == ["test.broken", "test.count"]
    assert scheduler.run_due(now, only=only) == []
    assert len(RUNS) == 1
    assert "disk full" in db.session.get(ScheduledRun, "test.broken", populate_existing=True).last_error
    row = db.session.get(ScheduledRun, "test.count", populate_existing=True)
    assert row.last_error is None and row.last_finished_at is not None
    later = row.next_run_at
    assert scheduler.run_due(later, only={"test.count"}) == ["test.count"]
    assert len(RUNS) == 2


def test_run_scheduled_command(app, db, counted):
    result = app.test_cli_runner().invoke(args=["lms", "run-scheduled", "--only", "test.count"])
    assert result.exit_code == 0, result.output
    assert "ran: test.count" in result.output


@pytest.mark.postgres
def test_two_schedulers_at_once_do_the_work_once(app, counted):
    barrier = threading.Barrier(2, timeout=10)
    ran, errors = [], []
    now = utcnow()

    def together(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE SCHEDULED_RUNS SET NEXT_RUN_AT"):
            barrier.wait()  # both machines claim at the same moment

    def one_scheduler():
        try:
            with app.app_context():
                ran.extend(scheduler.run_due(now, only={"test.count"}))
                db.session.remove()
        except Exception as exc:  # reported below
            errors.append(exc)

    with app.app_context():
        engine = db.engine
        # The row exists (it is created by the first run ever); both UPDATE it at once.
        db.session.add(ScheduledRun(name="test.count", next_run_at=now))
        db.session.commit()
    sa.event.listen(engine, "before_cursor_execute", together)
    try:
        threads = [threading.Thread(target=one_scheduler, name=f"s{i}") for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sa.event.remove(engine, "before_cursor_execute", together)
        with app.app_context():
            db.session.execute(sa.delete(ScheduledRun).where(ScheduledRun.name == "test.count"))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
    assert errors == []
    assert ran == ["test.count"] and len(RUNS) == 1
