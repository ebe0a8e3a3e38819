"""Trainers' corrections of a quiz: overrides (extra time, attempts, a later close) per learner,
reopening an attempt, manual grading of essays, regrading after a key changed. Every action
needs a reason and is written to the quiz's audit log (`QuizAudit`).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..core.clock import as_utc, utcnow
from ..courses.models import Enrolment
from ..extensions import db
from .attempts import _now, attempts_of, deadline_for, grade, override_for, snapshot_of
from .errors import QuizError
from .models import Attempt, AttemptItem, AttemptState, Question, Quiz, QuizAudit, QuizOverride
from .services import require_manager

logger = logging.getLogger(__name__)


def enrolled_learners(quiz: Quiz) -> list[User]:
    """The people enrolled in the quiz's course, by name: who may get an override."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.course_id == quiz.course_id)
            .order_by(User.name, User.id)
        )
    )


def overrides_of(quiz: Quiz) -> list[QuizOverride]:
    """The quiz's overrides with their learners (one query for the list, one for the people)."""
    return list(
        db.session.scalars(
            sa.select(QuizOverride)
            .where(QuizOverride.quiz_id == quiz.id)
            .options(selectinload(QuizOverride.user))
            .order_by(QuizOverride.id)
        )
    )


# ---------------------------------------------------------------- trainers' actions


def _audit(
    quiz: Quiz,
    action: str,
    *,
    by: User | None,
    reason: str = "",
    attempt: Attempt | None = None,
    subject: User | None = None,
    **details,
) -> QuizAudit:
    entry = QuizAudit(
        quiz_id=quiz.id,
        attempt_id=attempt.id if attempt else None,
        subject_id=subject.id if subject else (attempt.user_id if attempt else None),
        actor_id=by.id if by else None,
        action=action,
        reason=reason,
        details=details,
    )
    db.session.add(entry)
    logger.info(
        "quiz %s: %s by %s (attempt %s): %s %s",
        quiz.id,
        action,
        by and by.id,
        attempt and attempt.id,
        reason,
        details,
    )
    return entry


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < 3:
        raise QuizError(_l("Tuliskan alasannya (minimal 3 karakter)."), "reason")
    return reason[:1000]


def grant_override(
    quiz: Quiz,
    user: User,
    *,
    extra_minutes: int = 0,
    extra_attempts: int = 0,
    closes: datetime | None = None,
    reason: str,
    by: User | None,
) -> QuizOverride:
    """Give one person extra time, extra attempts or a later close date (logged with the reason)."""
    require_manager(by, quiz.course)
    reason = _reason(reason)
    if not (0 <= int(extra_minutes) <= 24 * 60 and 0 <= int(extra_attempts) <= 20):
        raise QuizError(_l("Tambahan waktu 0-1440 menit dan tambahan percobaan 0-20."), "extra_minutes")
    override = override_for(quiz, user) or QuizOverride(quiz_id=quiz.id, user_id=user.id)
    override.extra_minutes, override.extra_attempts = int(extra_minutes), int(extra_attempts)
    override.closes_at = as_utc(closes)
    override.updated_at = utcnow()
    db.session.add(override)
    db.session.flush()
    for attempt in attempts_of(quiz, user):  # an open attempt gets the new deadline at once
        if attempt.is_open:
            attempt.deadline_at = deadline_for(quiz, as_utc(attempt.started_at), override)
    _audit(
        quiz,
        "override",
        by=by,
        reason=reason,
        subject=user,
        extra_minutes=override.extra_minutes,
        extra_attempts=override.extra_attempts,
        closes_at=closes.isoformat() if closes else None,
    )
    db.session.flush()
    return override


def reopen_attempt(
    attempt: Attempt, *, minutes: int, reason: str, by: User | None, now: datetime | None = None
) -> Attempt:
    """Open a finished attempt again for `minutes` (e.g. after a lost connection), logged with the reason."""
    quiz = attempt.quiz
    require_manager(by, quiz.course)
    reason = _reason(reason)
    if not 1 <= int(minutes) <= 24 * 60:
        raise QuizError(_l("Lama waktu tambahan 1 sampai 1440 menit."), "minutes")
    if attempt.is_open:
        raise QuizError(_l("Percobaan ini masih berlangsung."))
    now = _now(now)
    before = {
        "score": attempt.score,
        "percent": attempt.percent,
        "finish_reason": attempt.finish_reason and attempt.finish_reason.value,
    }
    attempt.state, attempt.finished_at, attempt.finish_reason = AttemptState.IN_PROGRESS, None, None
    attempt.deadline_at = now + timedelta(minutes=int(minutes))
    attempt.score = attempt.percent = attempt.passed = None
    attempt.needs_grading = False
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        db.session.refresh(attempt)
        raise QuizError(_l("Peserta sedang mengerjakan percobaan lain; tunggu sampai selesai.")) from None
    _audit(quiz, "reopen", by=by, reason=reason, attempt=attempt, minutes=int(minutes), before=before)
    db.session.flush()
    return attempt


def grade_item_manually(
    item: AttemptItem, score: float, comment: str, *, by: User | None, now: datetime | None = None
) -> Attempt:
    """A trainer's mark for an answer (essays); the attempt's total and pass are recomputed."""
    attempt = item.attempt
    require_manager(by, attempt.quiz.course)
    if attempt.is_open:
        raise QuizError(_l("Percobaan belum selesai."))
    try:
        score = float(score)
    except (TypeError, ValueError):
        score = -1
    if not 0 <= score <= item.max_score:
        raise QuizError(_l("Nilai harus antara 0 dan %(max)s.", max=item.max_score), "score")
    previous = item.manual_score
    item.manual_score, item.comment = score, (comment or "").strip()[:5000]
    item.graded_by_id, item.graded_at = (by.id if by else None), _now(now)
    grade(attempt, now=now)
    _audit(
        attempt.quiz, "manual_grade", by=by, attempt=attempt, slot=item.slot, previous=previous, score=score
    )
    db.session.flush()
    return attempt


@dataclass(frozen=True)
class RegradeSummary:
    attempts: int
    changed: int


def regrade_quiz(quiz: Quiz, *, reason: str, by: User | None, now: datetime | None = None) -> RegradeSummary:
    """Regrade every finished attempt with the questions' current answer keys (logged).

    Each attempt keeps the questions it was shown (texts and option order); only what counts as
    right (fractions, accepted answers, ranges, pairs) is taken from the question's current
    version, matched by the stable ids of options and answers. Manual marks are kept.
    """
    require_manager(by, quiz.course)
    reason = _reason(reason)
    now = _now(now)
    attempts = list(
        db.session.scalars(
            sa.select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.state == AttemptState.FINISHED)
        )
    )
    questions = {
        q.id: q
        for q in db.session.scalars(
            sa.select(Question).where(
                Question.id.in_(
                    sa.select(AttemptItem.question_id).join(Attempt).where(Attempt.quiz_id == quiz.id)
                )
            )
        )
    }
    changed = 0
    for attempt in attempts:
        before = attempt.score
        for item in attempt.items:
            question = questions.get(item.question_id)
            if question is not None and question.qtype.value == item.qtype:
                item.snapshot = rekey(item.snapshot, question)
        grade(attempt, now=now)
        if attempt.score != before:
            changed += 1
            _audit(
                quiz,
                "regrade_attempt",
                by=by,
                reason=reason,
                attempt=attempt,
                before=before,
                after=attempt.score,
            )
    _audit(quiz, "regrade", by=by, reason=reason, attempts=len(attempts), changed=changed)
    db.session.flush()
    return RegradeSummary(len(attempts), changed)


def rekey(snap: dict, question: Question) -> dict:
    """The snapshot with the answer key of the question's current version (display unchanged)."""
    fresh = snapshot_of(question, shuffle=False, rng=random.Random(0))  # noqa: S311 - order is not used
    snap = dict(snap, mark=fresh["mark"])
    kind = snap["type"]
    if kind in ("single", "multiple"):
        by_id = {o["id"]: o for o in fresh["options"]}
        snap["options"] = [
            dict(o, fraction=by_id[o["id"]]["fraction"]) if o["id"] in by_id else o for o in snap["options"]
        ]
    elif kind == "truefalse":
        snap["correct"] = fresh["correct"]
    elif kind in ("shortanswer", "numerical"):
        snap["answers"] = fresh["answers"]
        snap.pop("case_sensitive", None)
        if "case_sensitive" in fresh:
            snap["case_sensitive"] = fresh["case_sensitive"]
    elif kind == "matching":
        by_text = {c["text"]: c["token"] for c in snap["choices"]}
        fresh_text = {c["token"]: c["text"] for c in fresh["choices"]}
        answers = {s["id"]: by_text.get(fresh_text[s["answer"]]) for s in fresh["stems"]}
        snap["stems"] = [dict(s, answer=answers.get(s["id"]) or s["answer"]) for s in snap["stems"]]
    return snap
