"""Twice at once, on PostgreSQL with real sessions: two submissions of one survey record one
response; two schedulers opening follow-ups at the same moment open them once."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.core.clock import utcnow
from lms.evaluations import follow_ups, surveys
from lms.evaluations.errors import AlreadyAnswered
from lms.evaluations.models import FollowUp, Survey
from lms.extensions import db
from lms.jobs.models import Job
from tests import factories
from tests.evaluations.conftest import RATINGS
from tests.races import twice_at_once

pytestmark = pytest.mark.postgres


@pytest.fixture
def committed(app):
    """A survey learnt 100 days ago, of a learner with a supervisor, committed for real."""
    with app.test_request_context():
        jobs_before = db.session.scalar(sa.select(sa.func.max(Job.id))) or 0  # the mails it queues go too
        agency = factories.agency(code="EVRACE", name="Instansi Balapan Evaluasi")
        trainer = factories.user(agency, roles=(Role.TRAINER,))
        boss = factories.user(agency, name="Atasan Balapan")
        learner = factories.user(agency, name="Peserta Balapan")
        learner.supervisor_id = boss.id
        course = factories.course(by=trainer, title="Kursus Balapan Evaluasi", modules=1, lessons=1)
        survey = Survey(user_id=learner.id, course_id=course.id, learned_at=utcnow() - timedelta(days=100))
        db.session.add(survey)
        db.session.commit()
        ids = {"agency": agency.id, "users": [trainer.id, boss.id, learner.id], "course": course.id}
        ids |= {"survey": survey.id, "learner": learner.id}
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(Job).where(Job.id > jobs_before))
        factories.delete_committed(ids)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_two_submissions_at_once_record_one_response(app, committed):
    def submit():
        survey = db.session.get(Survey, committed["survey"])
        learner = db.session.get(User, committed["learner"])
        return surveys.submit(survey, learner, surveys.Reaction(ratings=dict(RATINGS))).id

    results, errors = twice_at_once(app, "UPDATE EVALUATION_SURVEYS", submit)
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], AlreadyAnswered), errors


def test_two_schedulers_at_once_open_the_follow_ups_once(app, committed):
    def open_due():
        return len(follow_ups.open_due(utcnow(), days=90))

    results, errors = twice_at_once(app, "UPDATE EVALUATION_SURVEYS", open_due)
    assert errors == [] and sorted(results) == [0, 2]
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(FollowUp).where(FollowUp.survey_id == committed["survey"])
        )
    assert count == 2
