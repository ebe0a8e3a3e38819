"""A course edit that reaches many completions follows in a job: the request answers at once and
the records follow once."""

from datetime import UTC, datetime, timedelta

import pytest

from lms.accounts import audit
from lms.careers import jobs as careers_jobs
from lms.careers import records
from lms.courses import services as courses
from lms.extensions import db
from lms.jobs import enqueue, queue_of, services
from lms.jobs.models import Job, JobState
from tests.careers.conftest import code, complete
from tests.careers.test_awards import _data


@pytest.fixture
def inline_max(app):
    old = app.config["JOBS_FOLLOW_COURSES_INLINE_MAX"]
    app.config["JOBS_FOLLOW_COURSES_INLINE_MAX"] = 1
    queue_of(app).huey.flush()
    yield
    app.config["JOBS_FOLLOW_COURSES_INLINE_MAX"] = old
    queue_of(app).huey.flush()


def test_a_large_course_edit_follows_in_one_job(org, make_course, trainer, inline_max):
    before = db.session.scalar(db.select(db.func.max(Job.id))) or 0  # other tests' jobs
    course = make_course(title="Besar", jp=2, competencies=[("KOM", 2)])
    complete(org.staff, course)
    complete(org.junior, course)
    db.session.commit()
    queue_of().drain()  # the certificate mails (lms.notifications): not this test's job
    courses.update_course(course, _data(course, jp=3, competencies=[("KOM", 3)]), by=trainer)
    courses.update_course(course, _data(course, jp=3, competencies=[("KOM", 4)]), by=trainer)
    db.session.commit()
    queued = db.session.scalars(
        db.select(Job).where(Job.name == careers_jobs.FOLLOW_COURSES, Job.id > before)
    ).all()
    assert len(queued) == 1 and queued[0].state is JobState.QUEUED  # two edits, one job
    assert records.cached_levels(org.staff.id) == {code("KOM"): 2}  # not yet

    assert queue_of().drain() == 1
    db.session.refresh(queued[0])
    assert queued[0].state is JobState.DONE and queued[0].requested_by_id == trainer.id
    assert records.cached_levels(org.staff.id) == {code("KOM"): 4}
    assert records.cached_levels(org.junior.id) == {code("KOM"): 4}

    entries = len(audit.history_of(org.staff.id))
    again = enqueue(careers_jobs.FOLLOW_COURSES, {"course_ids": [course.id]})
    db.session.commit()
    services.run(again.id)
    assert len(audit.history_of(org.staff.id)) == entries  # a second run changes nothing
    assert records.cached_levels(org.staff.id) == {code("KOM"): 4}


def test_a_small_course_edit_still_follows_in_the_request(org, make_course):
    before = db.session.scalar(db.select(db.func.max(Job.id))) or 0  # other tests' jobs
    course = make_course(title="Kecil", jp=2, competencies=[("KOM", 2)])
    complete(org.staff, course)
    db.session.commit()
    courses.update_course(course, _data(course, competencies=[("KOM", 3)]), by=None)
    db.session.commit()
    assert records.cached_levels(org.staff.id) == {code("KOM"): 3}
    # no follow-courses job (the jobs there are mails of lms.notifications: certificate, survey)
    assert set(db.session.scalars(db.select(Job.name).where(Job.id > before))) == {"notifications.mail"}


def test_summaries_are_rebuilt_in_the_night_hour_only(org):
    night = datetime(2026, 12, 3, 19, 30, tzinfo=UTC)  # 02:30 WIB
    assert careers_jobs.refresh_summaries(night) is True
    assert careers_jobs.refresh_summaries(night + timedelta(hours=3)) is False
