"""Builders for evaluation tests: an agency (tests.careers.conftest.build_org: a head supervising
staff), a trainer's course, a completed course, and a recorder of `evaluation_waiting`."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.evaluations import follow_ups
from lms.evaluations.models import FollowUp, Respondent, Survey
from lms.evaluations.signals import evaluation_waiting
from lms.extensions import db
from tests import factories
from tests.careers.conftest import build_org, complete

RATINGS = {"relevance": "5", "trainer": "4", "materials": "3", "apply": "4"}


def build_world(code: str = "EVAL") -> SimpleNamespace:
    """build_org plus a trainer of the agency and a published course of theirs."""
    org = build_org(code)
    org.trainer = factories.user(org.agency, roles=(Role.TRAINER, Role.LEARNER), name="Widyaiswara")
    org.course = factories.course(by=org.trainer, title="Etika ASN", modules=1, lessons=2)
    return org


def survey_of(user, course) -> Survey | None:
    return db.session.scalar(
        sa.select(Survey).where(Survey.user_id == user.id, Survey.course_id == course.id)
    )


def completed(user, course) -> Survey:
    """Complete the course through the real rule; return the survey it opened."""
    complete(user, course)
    survey = survey_of(user, course)
    assert survey is not None
    return survey


def follow_ups_of(survey) -> dict[Respondent, FollowUp]:
    rows = db.session.scalars(sa.select(FollowUp).where(FollowUp.survey_id == survey.id))
    return {row.role: row for row in rows}


def open_follow_ups(survey) -> dict[Respondent, FollowUp]:
    """Open the follow-ups of `survey` as the scheduler would, 90 days after it was learnt."""
    follow_ups.open_due(survey.learned_at + timedelta(days=90), days=90)
    return follow_ups_of(survey)


@pytest.fixture
def world(ctx):
    return build_world()


@pytest.fixture
def waiting(app):
    """The `evaluation_waiting` sends during the test, as dicts of their keyword arguments."""
    sent = []

    def record(sender, **kwargs):
        sent.append(kwargs)

    evaluation_waiting.connect(record)
    yield sent
    evaluation_waiting.disconnect(record)
