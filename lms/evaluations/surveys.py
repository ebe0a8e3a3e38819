"""Reaction surveys (Kirkpatrick level 1): opened when a course is completed or a webinar
attended, answered once by the learner, never a condition of anything (the certificate is issued
whether or not the survey is answered)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..core.clock import utcnow
from ..courses.models import Enrolment
from ..extensions import db
from ..webinars.models import Attendance
from .access import subject_of
from .errors import AlreadyAnswered, EvaluationError, NotAllowed
from .models import RATINGS, QuestionKind, Survey, SurveyAnswer, SurveyQuestion
from .questions import questions_of
from .signals import evaluation_waiting

logger = logging.getLogger(__name__)

TEXT_MAX = 2000
FIXED_QUESTIONS = {
    "relevance": _l("Materi pelatihan relevan dengan pekerjaan saya."),
    "trainer": _l("Pengajar menyampaikan materi dengan jelas."),
    "materials": _l("Bahan dan media belajar membantu saya memahami materi."),
    "apply": _l("Saya akan menerapkan hasil pelatihan ini dalam pekerjaan."),
}
SCALE = {
    1: _l("Sangat tidak setuju"),
    2: _l("Tidak setuju"),
    3: _l("Ragu-ragu"),
    4: _l("Setuju"),
    5: _l("Sangat setuju"),
}


def survey_path(survey_id: int) -> str:
    """The form's path (the signal carries it; a scheduled job has no request to build it)."""
    return f"/evaluations/surveys/{survey_id}"


# ---------------------------------------------------------------- opening


def _open(user: User, *, learned_at: datetime, **columns) -> Survey:
    survey = Survey(
        user=user, agency_id=user.agency_id, unit_id=user.unit_id, learned_at=learned_at, **columns
    )
    db.session.add(survey)
    db.session.flush()
    evaluation_waiting.send(
        current_app._get_current_object(),
        user=user,
        title=survey.title,
        url=survey_path(survey.id),
        key=f"evaluation-survey-{survey.id}",
    )
    logger.info("survey %s opened for user %s", survey.id, user.id)
    return survey


def open_for_enrolment(enrolment: Enrolment) -> Survey:
    """The survey of a completed enrolment, opened once (the existing one when asked again)."""
    existing = db.session.scalar(sa.select(Survey).where(Survey.enrolment_id == enrolment.id))
    if existing is not None:
        return existing
    return _open(
        enrolment.user,
        learned_at=enrolment.completed_at or utcnow(),
        course=enrolment.course,
        enrolment_id=enrolment.id,
    )


def open_for_attendance(attendance: Attendance) -> Survey:
    """The survey of an attendance that made a person present, opened once."""
    existing = db.session.scalar(sa.select(Survey).where(Survey.attendance_id == attendance.id))
    if existing is not None:
        return existing
    return _open(
        attendance.user,
        learned_at=attendance.finalized_at or utcnow(),
        webinar=attendance.webinar,
        attendance_id=attendance.id,
    )


# ---------------------------------------------------------------- reading


def survey_of_enrolment(enrolment_id: int) -> Survey | None:
    return db.session.scalar(sa.select(Survey).where(Survey.enrolment_id == enrolment_id))


def own_survey(user: User, survey_id: int) -> Survey | None:
    """The survey if it is the user's; None for a missing one and for someone else's alike."""
    survey = db.session.get(Survey, survey_id)
    return survey if survey is not None and survey.user_id == user.id else None


def questions_for(survey: Survey) -> list[SurveyQuestion]:
    """The extra questions to show: those answered (when answered), else those asked now."""
    if survey.is_answered:
        return [answer.question for answer in sorted(survey.answers, key=lambda a: a.question.position)]
    return questions_of(subject_of(survey))


def waiting_filter(user: User) -> tuple:
    """Unanswered, and not yet followed up: once the follow-up is asked, the moment for a
    reaction has passed (the survey can still be opened from its link, but is not listed)."""
    return (Survey.user_id == user.id, Survey.answered_at.is_(None), Survey.follow_ups_opened_at.is_(None))


def waiting_surveys(user: User) -> list[Survey]:
    """The user's surveys waiting for an answer, newest first."""
    return list(
        db.session.scalars(
            sa.select(Survey)
            .where(*waiting_filter(user))
            .options(joinedload(Survey.course), joinedload(Survey.webinar))
            .order_by(Survey.created_at.desc(), Survey.id.desc())
        )
    )


# ---------------------------------------------------------------- answering


@dataclass
class Reaction:
    """The learner's answers as they came from the form: ratings "1".."5", texts, and the extra
    questions' answers by question id."""

    ratings: dict[str, str | None] = field(default_factory=dict)  # "relevance", "trainer", ...
    comment: str = ""
    extra: dict[int, str | None] = field(default_factory=dict)


def _rating(raw, field_name: str) -> int:
    value = (raw or "").strip()
    if value not in {"1", "2", "3", "4", "5"}:
        raise EvaluationError(_l("Pilih salah satu nilai 1 sampai 5."), field_name)
    return int(value)


def _text(raw, field_name: str) -> str | None:
    value = (raw or "").strip()
    if len(value) > TEXT_MAX:
        raise EvaluationError(
            _l("Jawaban terlalu panjang (paling banyak %(n)d karakter).", n=TEXT_MAX), field_name
        )
    return value or None


def submit(survey: Survey, user: User, reaction: Reaction, *, at: datetime | None = None) -> Survey:
    """Record the learner's answers, once: a survey answered before (also a moment ago, in
    another request) raises AlreadyAnswered and nothing changes."""
    if survey.user_id != user.id:
        raise NotAllowed(_l("Evaluasi ini bukan milik Anda."))
    if survey.is_answered:
        raise AlreadyAnswered(_l("Anda sudah mengisi evaluasi ini. Jawaban pertama Anda yang disimpan."))
    values = {name: _rating(reaction.ratings.get(name), name) for name in RATINGS}
    values["comment"] = _text(reaction.comment, "comment")
    answers = []
    for question in questions_of(subject_of(survey)):
        raw, name = reaction.extra.get(question.id), f"q{question.id}"
        if question.kind is QuestionKind.RATING:
            answers.append(SurveyAnswer(question_id=question.id, rating=_rating(raw, name)))
        elif (text := _text(raw, name)) is not None:
            answers.append(SurveyAnswer(question_id=question.id, text=text))
    # The guard against two submissions at once: only one UPDATE finds the survey unanswered.
    claimed = db.session.execute(
        sa.update(Survey)
        .where(Survey.id == survey.id, Survey.answered_at.is_(None))
        .values(answered_at=at or utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.expire(survey)
        raise AlreadyAnswered(_l("Anda sudah mengisi evaluasi ini. Jawaban pertama Anda yang disimpan."))
    for answer in answers:
        answer.survey_id = survey.id
        db.session.add(answer)
    db.session.flush()
    db.session.expire(survey)
    logger.info("survey %s answered by user %s", survey.id, user.id)
    return survey
