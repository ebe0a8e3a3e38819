"""Attempts: start, autosave, submit, deadlines, overrides, reopening, regrading, manual grading.

The rules that keep quizzes fair live here and are enforced by the server:

- An attempt draws its questions once and keeps them as a snapshot (`AttemptItem.snapshot`);
  reopening the page shows the same questions in the same order with the same deadline.
- The deadline is min(start + time limit (+ extra time), close date). An answer that arrives after
  the deadline plus `QUIZ_GRACE_SECONDS` is refused, and an attempt left open is graded at its
  deadline from what was saved in time: lazily when it is next touched, and by the cron command
  `flask lms close-overdue-attempts`.
- Finishing is a conditional UPDATE (state in_progress -> finished): of several concurrent
  submissions exactly one grades. Saving an answer locks the attempt row (FOR UPDATE on
  PostgreSQL), so an answer is either saved before the attempt finishes or refused.
- At most one attempt is open per person and quiz, and attempt numbers are unique, so two tabs
  cannot start attempts beyond the limit.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..core.clock import as_utc, utcnow
from ..courses import learning
from ..courses.completion import check_completion
from ..extensions import db
from . import grading
from .errors import AttemptClosed, QuizError, QuizNotAvailable
from .models import (
    Attempt,
    AttemptItem,
    AttemptState,
    FinishReason,
    Question,
    Quiz,
    QuizAudit,
    QuizOverride,
    Visibility,
)
from .services import require_manager
from .types import BadAnswer, strategy

logger = logging.getLogger(__name__)

DEFAULT_GRACE_SECONDS = 30


def grace() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("QUIZ_GRACE_SECONDS", DEFAULT_GRACE_SECONDS)))


def _now(now: datetime | None) -> datetime:
    return as_utc(now) if now is not None else utcnow()


# ---------------------------------------------------------------- availability


def override_for(quiz: Quiz, user: User) -> QuizOverride | None:
    return db.session.scalar(
        sa.select(QuizOverride).where(QuizOverride.quiz_id == quiz.id, QuizOverride.user_id == user.id)
    )


def closes_at(quiz: Quiz, override: QuizOverride | None) -> datetime | None:
    if override is not None and override.closes_at is not None:
        return as_utc(override.closes_at)
    return as_utc(quiz.closes_at)


def attempts_of(quiz: Quiz, user: User) -> list[Attempt]:
    return list(
        db.session.scalars(
            sa.select(Attempt)
            .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)
            .order_by(Attempt.number)
        )
    )


def allowed_attempts(quiz: Quiz, override: QuizOverride | None) -> int | None:
    if quiz.max_attempts is None:
        return None
    return quiz.max_attempts + (override.extra_attempts if override else 0)


@dataclass(frozen=True)
class Availability:
    can_start: bool
    reason: str = ""
    open_attempt: Attempt | None = None
    attempts_used: int = 0
    attempts_allowed: int | None = None


def availability(quiz: Quiz, user: User, *, now: datetime | None = None) -> Availability:
    """Whether the learner may start (or continue) an attempt now, and why not."""
    now = _now(now)
    attempts = attempts_of(quiz, user)
    for attempt in attempts:
        close_if_overdue(attempt, now=now)
    override = override_for(quiz, user)
    allowed = allowed_attempts(quiz, override)
    used = len(attempts)
    current = next((a for a in attempts if a.is_open), None)
    if current is not None:
        return Availability(True, "", current, used, allowed)
    reason = ""
    close = closes_at(quiz, override)
    if not (quiz.published and quiz.course.is_published):
        reason = str(_l("Kuis ini belum dibuka."))
    elif learning.enrolment_for(user, quiz.course) is None:
        reason = str(_l("Daftar ke kursus ini terlebih dahulu untuk mengerjakan kuis."))
    elif quiz.opens_at is not None and now < as_utc(quiz.opens_at):
        reason = str(_l("Kuis belum dibuka."))
    elif close is not None and now >= close:
        reason = str(_l("Kuis sudah ditutup."))
    elif allowed is not None and used >= allowed:
        reason = str(_l("Kesempatan mengerjakan kuis ini sudah habis."))
    return Availability(not reason, reason, None, used, allowed)


# ---------------------------------------------------------------- starting


def snapshot_of(question: Question, *, shuffle: bool, rng: random.Random) -> dict:
    """The question as it is shown and graded in one attempt."""
    snap = strategy(question.qtype).snapshot(question.data, shuffle=shuffle, rng=rng)
    snap.update(
        type=question.qtype.value,
        name=question.name,
        mark=question.mark,
        prompt_html=question.prompt_html,
        general_feedback_html=question.general_feedback_html,
    )
    return snap


def draw(quiz: Quiz, rng: random.Random) -> list[Question]:
    """N questions at random from the quiz's categories (every one when a source takes all)."""
    drawn: list[Question] = []
    for source in quiz.sources:
        pool = list(
            db.session.scalars(
                sa.select(Question)
                .where(Question.category_id == source.category_id, Question.deleted_at.is_(None))
                .order_by(Question.position, Question.id)
            )
        )
        if source.count is not None and source.count < len(pool):
            picked = set(id(q) for q in rng.sample(pool, source.count))
            pool = [q for q in pool if id(q) in picked]
        drawn.extend(pool)
    if quiz.shuffle_questions:
        rng.shuffle(drawn)
    return drawn


def deadline_for(quiz: Quiz, started: datetime, override: QuizOverride | None) -> datetime | None:
    candidates = []
    if quiz.time_limit_minutes:
        extra = override.extra_minutes if override else 0
        candidates.append(started + timedelta(minutes=quiz.time_limit_minutes + extra))
    close = closes_at(quiz, override)
    if close is not None:
        candidates.append(close)
    return min(candidates) if candidates else None


def start_attempt(quiz: Quiz, user: User, *, now: datetime | None = None) -> Attempt:
    """Continue the learner's open attempt, or start a new one within the limit (concurrency-safe)."""
    now = _now(now)
    state = availability(quiz, user, now=now)
    if state.open_attempt is not None:
        return state.open_attempt
    if not state.can_start:
        raise QuizNotAvailable(state.reason)
    rng = random.SystemRandom()
    questions = draw(quiz, rng)
    if not questions:
        raise QuizNotAvailable(_l("Kuis ini belum memiliki soal."))
    override = override_for(quiz, user)
    attempt = Attempt(
        quiz_id=quiz.id,
        user_id=user.id,
        number=state.attempts_used + 1,
        started_at=now,
        state=AttemptState.IN_PROGRESS,
        deadline_at=deadline_for(quiz, now, override),
    )
    attempt.items = [
        AttemptItem(
            slot=slot,
            question_id=q.id,
            question_version=q.version,
            qtype=q.qtype.value,
            snapshot=snapshot_of(q, shuffle=quiz.shuffle_options, rng=rng),
        )
        for slot, q in enumerate(questions, start=1)
    ]
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # Another tab or request started one at the same moment: continue that one, never a second.
        db.session.expire_all()
        current = db.session.scalar(
            sa.select(Attempt).where(
                Attempt.quiz_id == quiz.id,
                Attempt.user_id == user.id,
                Attempt.state == AttemptState.IN_PROGRESS,
            )
        )
        if current is not None:
            return current
        raise QuizNotAvailable(_l("Kesempatan mengerjakan kuis ini sudah habis.")) from None
    logger.info("attempt %s (quiz %s, user %s, #%s) started", attempt.id, quiz.id, user.id, attempt.number)
    return attempt


# ---------------------------------------------------------------- saving answers


def is_overdue(attempt: Attempt, now: datetime) -> bool:
    deadline = attempt.deadline
    return deadline is not None and now > deadline + grace()


def _locked(attempt: Attempt) -> Attempt:
    """The attempt row again, locked until the transaction ends (PostgreSQL; SQLite serialises writes)."""
    db.session.execute(sa.select(Attempt.id).where(Attempt.id == attempt.id).with_for_update())
    db.session.refresh(attempt)
    return attempt


def save_answer(attempt: Attempt, slot: int, values: Mapping, *, now: datetime | None = None) -> AttemptItem:
    """Save the answer to one question of an open attempt, as it is given.

    Raises BadAnswer for a slot or option that is not part of the attempt (nothing is changed) and
    AttemptClosed when the attempt is finished or its deadline (plus grace) has passed; an overdue
    attempt is then graded from the answers saved in time.
    """
    now = _now(now)
    item = next((i for i in attempt.items if i.slot == slot), None) if isinstance(slot, int) else None
    if item is None:
        raise BadAnswer("question not in this attempt")
    response = strategy(item.qtype).parse(item.snapshot, values)
    _locked(attempt)
    if not attempt.is_open:
        raise AttemptClosed(_l("Percobaan ini sudah selesai; jawaban tidak dapat diubah lagi."))
    if is_overdue(attempt, now):
        finish_attempt(attempt, now=now, reason=FinishReason.TIMEOUT)
        raise AttemptClosed(
            _l("Waktu mengerjakan sudah habis. Jawaban yang tersimpan sebelum batas waktu sudah dinilai.")
        )
    item.response = None if response is None else {"value": response}
    item.answered_at = now
    db.session.flush()
    return item


def response_of(item: AttemptItem):
    return (item.response or {}).get("value")


# ---------------------------------------------------------------- finishing and grading


def finish_attempt(
    attempt: Attempt, *, now: datetime | None = None, reason: FinishReason = FinishReason.SUBMITTED
) -> bool:
    """Finish and grade an open attempt; True only for the call that finished it (exactly once)."""
    now = _now(now)
    finished_at = now
    if reason == FinishReason.TIMEOUT and attempt.deadline is not None:
        finished_at = min(now, attempt.deadline)
    result = db.session.execute(
        sa.update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == AttemptState.IN_PROGRESS)
        .values(state=AttemptState.FINISHED, finished_at=finished_at, finish_reason=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(attempt)
    if result.rowcount != 1:
        return False
    grade(attempt, now=now)
    logger.info("attempt %s finished (%s): %s/%s", attempt.id, reason.value, attempt.score, attempt.max_score)
    return True


def grade(attempt: Attempt, *, now: datetime | None = None) -> grading.AttemptGrade:
    """Store the grade of a finished attempt (items and total); a pass may complete the course."""
    items = list(attempt.items)
    result = grading.grade_attempt(
        [i.snapshot for i in items], [response_of(i) for i in items], [i.manual_score for i in items]
    )
    for item, item_grade in zip(items, result.items, strict=True):
        item.fraction, item.score = item_grade.fraction, item_grade.score
    attempt.score, attempt.max_score = result.score, result.max_score
    attempt.needs_grading = result.pending
    attempt.percent = None if result.pending else result.percent
    attempt.passed = None if result.pending else result.percent >= attempt.quiz.pass_mark
    attempt.graded_at = _now(now)
    db.session.flush()
    if attempt.passed:
        enrolment = learning.enrolment_for(attempt.user, attempt.quiz.course)
        if enrolment is not None:
            check_completion(enrolment)
    return result


def close_if_overdue(attempt: Attempt, *, now: datetime | None = None) -> bool:
    """Grade an open attempt whose deadline (plus grace) has passed; True when this call closed it."""
    now = _now(now)
    if attempt.is_open and is_overdue(attempt, now):
        return finish_attempt(attempt, now=now, reason=FinishReason.TIMEOUT)
    return False


def close_overdue_attempts(*, now: datetime | None = None) -> int:
    """Close and grade every overdue open attempt (the cron command); returns how many."""
    now = _now(now)
    cutoff = now - grace()
    closed = 0
    for attempt in db.session.scalars(
        sa.select(Attempt).where(
            Attempt.state == AttemptState.IN_PROGRESS,
            Attempt.deadline_at.is_not(None),
            Attempt.deadline_at < cutoff,
        )
    ):
        closed += close_if_overdue(attempt, now=now)
    return closed


# ---------------------------------------------------------------- the learner's grade


@dataclass(frozen=True)
class QuizResult:
    grade: float | None  # percent by the quiz's grading method, over graded attempts
    passed: bool
    graded: int
    pending: int


def result_for(quiz: Quiz, user: User) -> QuizResult:
    attempts = [a for a in attempts_of(quiz, user) if a.state == AttemptState.FINISHED]
    graded = [a.percent for a in attempts if a.percent is not None]
    value = grading.quiz_grade(quiz.grading_method.value, graded)
    return QuizResult(
        value,
        value is not None and value >= quiz.pass_mark,
        len(graded),
        sum(1 for a in attempts if a.needs_grading),
    )


def visible(
    quiz: Quiz, setting: Visibility, *, now: datetime | None = None, user: User | None = None
) -> bool:
    """Whether a graded attempt's score/feedback/answers may be shown now."""
    if setting == Visibility.NEVER:
        return False
    if setting == Visibility.AFTER_ATTEMPT:
        return True
    close = closes_at(quiz, override_for(quiz, user) if user else None)
    return close is not None and _now(now) >= close


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
