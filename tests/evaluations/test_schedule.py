"""The follow-ups are opened by the scheduler, with a frozen clock: `run_due(now)` runs as of `now`."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.evaluations.jobs import OPEN_FOLLOW_UPS
from lms.evaluations.models import FollowUp, Respondent
from lms.extensions import db
from lms.jobs import scheduler
from tests.evaluations.conftest import completed

ONLY = {OPEN_FOLLOW_UPS}


def follow_up_rows(survey_id):
    """The follow-ups of the survey; the scheduler also opens those of other tests' committed surveys."""
    query = sa.select(FollowUp.survey_id, FollowUp.role).where(FollowUp.survey_id == survey_id)
    return db.session.execute(query.order_by(FollowUp.id)).all()


def test_the_scheduler_opens_due_follow_ups_exactly_once(app, world, waiting):
    survey = completed(world.staff, world.course)
    survey_id, t0 = survey.id, survey.learned_at
    waiting.clear()
    assert scheduler.run_due(t0 + timedelta(hours=1), only=ONLY) == [OPEN_FOLLOW_UPS]
    assert follow_up_rows(survey_id) == []  # not due yet
    assert scheduler.run_due(t0 + timedelta(days=89, hours=23), only=ONLY) == [OPEN_FOLLOW_UPS]
    assert follow_up_rows(survey_id) == []
    three_months = t0 + timedelta(days=90, hours=1)
    assert scheduler.run_due(three_months, only=ONLY) == [OPEN_FOLLOW_UPS]
    assert follow_up_rows(survey_id) == [(survey_id, Respondent.LEARNER), (survey_id, Respondent.SUPERVISOR)]
    # Another scheduler at the same moment finds the run taken; an hour later nothing is new.
    assert scheduler.run_due(three_months, only=ONLY) == []
    assert scheduler.run_due(three_months + timedelta(hours=1), only=ONLY) == [OPEN_FOLLOW_UPS]
    assert len(follow_up_rows(survey_id)) == 2
    ours = [w["user"].id for w in waiting if w["user"].agency_id == world.agency.id]
    assert sorted(ours) == sorted([world.staff.id, world.head.id])


@pytest.mark.parametrize(("days", "opened"), [(30, 2), (120, 0)])
def test_the_delay_is_configurable(app, world, monkeypatch, days, opened):
    monkeypatch.setitem(app.config, "EVALUATION_FOLLOW_UP_DAYS", days)
    survey = completed(world.staff, world.course)
    scheduler.run_due(survey.learned_at + timedelta(days=31), only=ONLY)
    assert len(follow_up_rows(survey.id)) == opened


def test_the_default_is_ninety_days(app):
    assert app.config["EVALUATION_FOLLOW_UP_DAYS"] == 90
