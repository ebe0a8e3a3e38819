"""The questions a trainer adds to the reaction survey of a course or a webinar, after the fixed
ones (relevance, trainer, materials, will apply it, a comment)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..core.clock import utcnow
from ..extensions import db
from .access import Subject, can_edit_questions, subject_of
from .errors import EvaluationError, NotAllowed
from .models import QuestionKind, SurveyAnswer, SurveyQuestion

logger = logging.getLogger(__name__)

MAX_QUESTIONS = 10
TEXT_MIN, TEXT_MAX = 5, 300


def questions_of(subject: Subject, *, with_archived: bool = False) -> list[SurveyQuestion]:
    """The subject's extra questions in order (those removed too when asked: for the results)."""
    query = sa.select(SurveyQuestion).where(subject.owns(SurveyQuestion))
    if not with_archived:
        query = query.where(SurveyQuestion.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(SurveyQuestion.position, SurveyQuestion.id)))


def add_question(subject: Subject, kind: str, text: str, *, by: User) -> SurveyQuestion:
    """Add a rating (1–5) or text question at the end; at most MAX_QUESTIONS asked at a time."""
    if not can_edit_questions(by, subject):
        raise NotAllowed(_l("Anda tidak memiliki hak untuk mengubah pertanyaan evaluasi ini."))
    if kind not in set(QuestionKind):
        raise EvaluationError(_l("Pilih jenis pertanyaan."), "kind")
    text = " ".join((text or "").split())
    if not TEXT_MIN <= len(text) <= TEXT_MAX:
        raise EvaluationError(
            _l("Pertanyaan wajib diisi (%(min)d sampai %(max)d karakter).", min=TEXT_MIN, max=TEXT_MAX),
            "text",
        )
    current = questions_of(subject)
    if len(current) >= MAX_QUESTIONS:
        raise EvaluationError(_l("Paling banyak %(n)d pertanyaan tambahan.", n=MAX_QUESTIONS), "text")
    last = db.session.scalar(
        sa.select(sa.func.max(SurveyQuestion.position)).where(subject.owns(SurveyQuestion))
    )
    question = SurveyQuestion(
        kind=QuestionKind(kind), text=text, position=(last or 0) + 1, **subject.columns()
    )
    db.session.add(question)
    db.session.flush()
    logger.info("evaluation question %s added to %s %s by %s", question.id, subject.kind, subject.id, by.id)
    return question


def remove_question(question: SurveyQuestion, *, by: User) -> None:
    """Stop asking a question: deleted if nobody answered it, else archived (its answers stay)."""
    if not can_edit_questions(by, subject_of(question)):
        raise NotAllowed(_l("Anda tidak memiliki hak untuk mengubah pertanyaan evaluasi ini."))
    answered = db.session.scalar(
        sa.select(SurveyAnswer.survey_id).where(SurveyAnswer.question_id == question.id)
    )
    if answered is None:
        db.session.delete(question)
    elif question.archived_at is None:
        question.archived_at = utcnow()
    db.session.flush()
    logger.info("evaluation question %s removed by %s", question.id, by.id)
