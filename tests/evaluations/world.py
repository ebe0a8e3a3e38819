"""Evaluation objects for the authorization matrix (tests/core/test_authorization.py) and the
browser sweep of every page: the learner's survey of c1 (opened when they completed it), another
agency's survey, follow-ups opened 90 days later (the learner's, and their supervisor's: the
trainer), and an extra question on c2. Also the matrix rows of the evaluation pages."""

from datetime import timedelta

import sqlalchemy as sa

from lms.accounts.models import User
from lms.courses.models import Course
from lms.evaluations import follow_ups, questions
from lms.evaluations.access import Subject
from lms.evaluations.models import FollowUp, Respondent, Survey
from lms.extensions import db


def build(app, actors, c2_id, other_person_id) -> dict:
    """Run after careers' world (the learner reports to the trainer there)."""
    with app.app_context():
        learner_id = actors["learner"].id
        own = db.session.scalar(sa.select(Survey).where(Survey.user_id == learner_id))
        other = db.session.scalar(sa.select(Survey).where(Survey.user_id == other_person_id))
        follow_ups.open_due(own.learned_at + timedelta(days=365), days=90)
        asked = {
            f.role: f.id for f in db.session.scalars(sa.select(FollowUp).where(FollowUp.survey_id == own.id))
        }
        question = questions.add_question(
            Subject(course=db.session.get(Course, c2_id)),
            "text",
            "Apa yang perlu diperbaiki?",
            by=db.session.get(User, actors["admin"].id),
        )
        db.session.commit()
        return {
            "survey": own.id,
            "survey_other": other.id,
            "follow_up": asked[Respondent.LEARNER],
            "follow_up_boss": asked[Respondent.SUPERVISOR],
            "question_other": question.id,
        }


def rows(row, OK, LOGIN, FORBIDDEN, NOT_FOUND):  # noqa: N803 - the matrix's own names
    """The matrix rows of the evaluation pages (the trainer supervises the learner)."""
    return [
        row("GET", "/evaluations/", LOGIN, OK, OK, OK, OK),
        row("GET", "/evaluations/surveys/{survey}", LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        row("GET", "/evaluations/surveys/{survey_other}", LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        row("POST", "/evaluations/surveys/{survey_other}", LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        row("GET", "/evaluations/follow-ups/{follow_up}", LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        row("GET", "/evaluations/follow-ups/{follow_up_boss}", LOGIN, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND),
        row("POST", "/evaluations/follow-ups/{follow_up_boss}", LOGIN, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND),
        row("GET", "/evaluations/course/{c1_id}/questions", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
        row("GET", "/evaluations/course/{c2_id}/questions", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
        row("POST", "/evaluations/course/{c2_id}/questions", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
        row("GET", "/evaluations/webinar/{webinar}/questions", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
        row(
            "GET",
            "/evaluations/webinar/{webinar_other}/questions",
            LOGIN,
            FORBIDDEN,
            FORBIDDEN,
            FORBIDDEN,
            OK,
        ),
        row("GET", "/evaluations/results", LOGIN, OK, OK, OK, OK),
        row("GET", "/evaluations/course/{c1_id}/results", LOGIN, FORBIDDEN, OK, OK, OK),
        row("GET", "/evaluations/course/{c2_id}/results", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
        row("GET", "/evaluations/course/{c1_id}/results.csv", LOGIN, FORBIDDEN, OK, OK, OK),
        row("GET", "/evaluations/course/{c2_id}/results.xlsx", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
        row("GET", "/evaluations/webinar/{webinar}/results", LOGIN, FORBIDDEN, OK, OK, OK),
        row(
            "GET", "/evaluations/webinar/{webinar_other}/results", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK
        ),
        row("GET", "/evaluations/course/999999/results", LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        row(
            "POST",
            "/evaluations/questions/{question_other}/remove",
            LOGIN,
            FORBIDDEN,
            FORBIDDEN,
            FORBIDDEN,
            OK,
        ),
    ]
