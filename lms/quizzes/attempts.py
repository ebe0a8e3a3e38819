"""Attempts: start, autosave, submit, deadlines and the learner's grade (trainers' corrections:
corrections.py).

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
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.models import User
from ..core.clock import as_utc, utcnow
from ..core.committed import after_commit
from ..courses import learning
from ..courses.completion import check_completion
from ..extensions import db
from . import completion, grading
from .errors import AttemptClosed, QuizNotAvailable
from .models import (
    Attempt,
    AttemptItem,
    AttemptState,
    FinishReason,
    Question,
    Quiz,
    QuizOverride,
    Visibility,
)
from .types import strategy
from .types.base import BadAnswer

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


def attempt_with_items(attempt_id: int, *, lock: bool = False) -> Attempt | None:
    """The attempt with its quiz and items, in one statement. With `lock`, its row is locked until
    the transaction ends (FOR UPDATE; SQLite serialises writes), and save_answers then does not
    lock and read it again."""
    options = [joinedload(Attempt.quiz), joinedload(Attempt.items)]
    if not lock:
        return db.session.get(Attempt, attempt_id, options=options)
    attempt = db.session.get(Attempt, attempt_id, options=options, with_for_update={"of": Attempt})
    if attempt is not None:
        _locked[attempt] = db.session().get_transaction()
    return attempt


# attempt -> the transaction that holds its row lock (a transaction object is never reused while
# this holds it, so a later transaction of the same session is never mistaken for it)
_locked: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _lock(attempt: Attempt) -> None:
    """Lock the attempt row until the transaction ends (FOR UPDATE on PostgreSQL; SQLite serialises
    writes) and read its state and deadline again, in one statement. The rest of the object (its
    items above all) stays loaded: nothing else of an attempt changes while it is open. Nothing
    to do when attempt_with_items locked it in this transaction."""
    if _is_locked(attempt):
        return
    state, deadline_at = db.session.execute(
        sa.select(Attempt.state, Attempt.deadline_at).where(Attempt.id == attempt.id).with_for_update()
    ).one()
    set_committed_value(attempt, "state", state)
    set_committed_value(attempt, "deadline_at", deadline_at)
    _locked[attempt] = db.session().get_transaction()


def _is_locked(attempt: Attempt) -> bool:
    """Whether this transaction holds the attempt's row lock (taken by _lock or attempt_with_items)."""
    return _locked.get(attempt) is db.session().get_transaction() is not None


def save_answer(attempt: Attempt, slot: int, values: Mapping, *, now: datetime | None = None) -> AttemptItem:
    """Save the answer to one question of an open attempt, as it is given (see save_answers)."""
    return save_answers(attempt, {slot: values}, now=now)[0]


def save_answers(
    attempt: Attempt, by_slot: Mapping[int, Mapping], *, now: datetime | None = None
) -> list[AttemptItem]:
    """Save the answers of several questions of an open attempt, all or nothing.

    Every answer is checked against its question first: BadAnswer for a slot or option that is not
    part of the attempt, and nothing is changed. Then the attempt is locked once and the answers
    are written in one batched UPDATE, whatever their number. AttemptClosed when the attempt is
    finished or its deadline (plus grace) has passed; an overdue attempt is then graded from the
    answers saved in time.
    """
    now = _now(now)
    items = {item.slot: item for item in attempt.items}
    if any(not isinstance(slot, int) or slot not in items for slot in by_slot):
        raise BadAnswer("question not in this attempt")
    responses = {
        slot: strategy(items[slot].qtype).parse(items[slot].snapshot, values)
        for slot, values in by_slot.items()
    }
    if not responses:
        return []
    _lock(attempt)
    if not attempt.is_open:
        raise AttemptClosed(_l("Percobaan ini sudah selesai; jawaban tidak dapat diubah lagi."))
    if is_overdue(attempt, now):
        finish_attempt(attempt, now=now, reason=FinishReason.TIMEOUT)
        raise AttemptClosed(
            _l("Waktu mengerjakan sudah habis. Jawaban yang tersimpan sebelum batas waktu sudah dinilai.")
        )
    for slot, response in responses.items():
        items[slot].response = None if response is None else {"value": response}
        items[slot].answered_at = now
    db.session.flush()  # one executemany UPDATE: every row sets the same columns
    return [items[slot] for slot in responses]


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
    if not _is_locked(attempt):
        # The grade is computed before the finishing UPDATE, from the answers as stored: under the
        # lock no answer can be saved in between (savers take it first). Loaded without it, the
        # items are read again once it is held.
        _lock(attempt)
        db.session.refresh(attempt, ["items"])
    if not attempt.is_open:
        db.session.refresh(attempt)  # finished by another request: show what it stored
        return False
    quiz, items = attempt.quiz, list(attempt.items)  # loaded before any change: no autoflush between
    result = _grade_of(items)
    # One conditional UPDATE finishes and grades: it decides who finishes (RETURNING reads the row
    # back in the same statement), so the grade is never stored by a request that did not finish.
    values = {
        "state": AttemptState.FINISHED,
        "finished_at": finished_at,
        "finish_reason": reason,
        **_grade_values(result, quiz, now),
    }
    finished = db.session.execute(
        sa.update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == AttemptState.IN_PROGRESS)
        .values(**values)
        .returning(Attempt.id)
        .execution_options(synchronize_session=False)
    ).first()
    if finished is None:
        db.session.refresh(attempt)  # finished by another request: show what it stored
        return False
    for key, value in values.items():
        set_committed_value(attempt, key, value)
    _store_item_grades(items, result)
    graded = "attempt %s finished (%s): %s/%s"  # logged once stored
    score = (attempt.score, attempt.max_score)
    after_commit(db.session(), logger.info, graded, attempt.id, reason.value, *score)
    if attempt.passed:
        _check_course(attempt, quiz)
    return True


def _grade_of(items: list[AttemptItem]) -> grading.AttemptGrade:
    return grading.grade_attempt(
        [i.snapshot for i in items], [response_of(i) for i in items], [i.manual_score for i in items]
    )


def _grade_values(result: grading.AttemptGrade, quiz: Quiz, now: datetime) -> dict:
    return {
        "score": result.score,
        "max_score": result.max_score,
        "needs_grading": result.pending,
        "percent": None if result.pending else result.percent,
        "passed": None if result.pending else result.percent >= quiz.pass_mark,
        "graded_at": now,
    }


def _store_item_grades(items: list[AttemptItem], result: grading.AttemptGrade) -> None:
    for item, item_grade in zip(items, result.items, strict=True):
        item.fraction, item.score = item_grade.fraction, item_grade.score
    db.session.flush()  # one executemany UPDATE of the items


def _check_course(attempt: Attempt, quiz: Quiz) -> None:
    """A pass may complete the course, when the course's rule counts this quiz."""
    enrolment = learning.enrolment_of(attempt.user_id, quiz.course_id)
    if enrolment is not None and completion.counts(quiz, enrolment.course):
        check_completion(enrolment)


def grade(attempt: Attempt, *, now: datetime | None = None) -> grading.AttemptGrade:
    """Store the grade of a finished attempt (items and total); a pass may complete the course."""
    quiz, items = attempt.quiz, list(attempt.items)  # loaded before any change: no autoflush between
    result = _grade_of(items)
    for key, value in _grade_values(result, quiz, _now(now)).items():
        setattr(attempt, key, value)
    _store_item_grades(items, result)  # with the attempt's UPDATE
    if attempt.passed:
        _check_course(attempt, quiz)
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


def open_attempts_query() -> sa.Select:
    """Attempts in progress (id, quiz title, deadline) of the user `user_id` (a bind parameter):
    the home page's reminder."""
    return (
        sa.select(Attempt.id, Quiz.title, Attempt.deadline_at.label("deadline"))
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.user_id == sa.bindparam("user_id"), Attempt.state == AttemptState.IN_PROGRESS)
    )
