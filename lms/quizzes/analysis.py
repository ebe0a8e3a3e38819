"""Results per learner, item analysis per question, the essay grading queue, CSV export.

Item analysis uses every finished, fully graded attempt of the quiz:

- facility index F = mean fraction of the mark scored on the question (0-100 %): how easy it is;
- discrimination index D = mean fraction in the upper group - mean fraction in the lower group,
  the groups being the 27 % of attempts with the highest and the lowest total percent (at least
  one attempt each; Kelley's classical split). D runs from -1 to 1; a question good learners get
  right and weak learners get wrong has D well above 0.3; D near 0 or negative needs review.
  With fewer than 2 attempts D is not defined.
- how often each option (by its stable id, so shuffled orders and per-attempt tokens do not
  matter) was chosen.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..core.clock import as_utc
from ..extensions import db
from . import attempts as attempt_services
from . import grading
from .models import Attempt, AttemptItem, AttemptState, QuestionType, Quiz
from .types import strategy

GROUP_SHARE = 0.27


def finished_attempts(quiz: Quiz) -> list[Attempt]:
    return list(
        db.session.scalars(
            sa.select(Attempt)
            .where(Attempt.quiz_id == quiz.id, Attempt.state == AttemptState.FINISHED)
            .options(selectinload(Attempt.items), selectinload(Attempt.user))
            .order_by(Attempt.user_id, Attempt.number)
        )
    )


@dataclass
class LearnerResult:
    user: User
    attempts: list[Attempt]
    grade: float | None
    passed: bool
    pending: int
    open_attempt: Attempt | None = None


def results(quiz: Quiz) -> list[LearnerResult]:
    """Every learner who attempted the quiz, with their attempts and grade by the quiz's method."""
    rows: dict[int, LearnerResult] = {}
    every = db.session.scalars(
        sa.select(Attempt)
        .where(Attempt.quiz_id == quiz.id)
        .options(selectinload(Attempt.user))
        .order_by(Attempt.user_id, Attempt.number)
    )
    for attempt in every:
        row = rows.setdefault(attempt.user_id, LearnerResult(attempt.user, [], None, False, 0))
        if attempt.is_open:
            row.open_attempt = attempt
        else:
            row.attempts.append(attempt)
    for row in rows.values():
        percents = [a.percent for a in row.attempts if a.percent is not None]
        row.grade = grading.quiz_grade(quiz.grading_method.value, percents)
        row.passed = row.grade is not None and row.grade >= quiz.pass_mark
        row.pending = sum(1 for a in row.attempts if a.needs_grading)
    return sorted(rows.values(), key=lambda r: (r.user.name.lower(), r.user.id))


RESULTS_HEADER = [
    "nama",
    "nip",
    "email",
    "percobaan",
    "mulai_utc",
    "selesai_utc",
    "cara_selesai",
    "skor",
    "skor_maksimal",
    "persen",
    "menunggu_penilaian",
    "nilai_akhir",
    "lulus",
]


def results_rows(quiz: Quiz) -> Iterator[list]:
    """One row per finished attempt (RESULTS_HEADER): who, when, how, score; grade and pass."""
    for row in results(quiz):
        for attempt in row.attempts:
            yield [
                row.user.name,
                row.user.nip or "",
                row.user.email,
                attempt.number,
                _iso(attempt.started_at),
                _iso(attempt.finished_at),
                attempt.finish_reason.value if attempt.finish_reason else "",
                attempt.score,
                attempt.max_score,
                attempt.percent,
                "ya" if attempt.needs_grading else "tidak",
                row.grade if row.grade is not None else "",
                "ya" if row.passed else "tidak",
            ]


def _iso(value) -> str:
    value = as_utc(value)
    return value.isoformat(timespec="seconds") if value else ""


@dataclass
class ItemStats:
    question_id: int | None
    name: str
    qtype: str
    prompt_html: str
    count: int = 0
    facility: float | None = None
    discrimination: float | None = None
    choices: list[tuple[str, int]] = field(default_factory=list)  # (label html, how often)

    @property
    def qtype_label(self) -> str:
        """The question type in words ("truefalse" -> "Benar/salah")."""
        return QuestionType(self.qtype).label if self.qtype in set(QuestionType) else self.qtype


def discrimination(pairs: list[tuple[float, float]]) -> float | None:
    """D for (attempt percent, item fraction) pairs: upper 27 % mean minus lower 27 % mean."""
    if len(pairs) < 2:
        return None
    ranked = sorted(pairs, key=lambda p: p[0])
    size = max(1, round(GROUP_SHARE * len(ranked)))
    lower, upper = ranked[:size], ranked[-size:]
    return round(sum(f for _, f in upper) / size - sum(f for _, f in lower) / size, 3)


def item_analysis(quiz: Quiz) -> list[ItemStats]:
    """Facility, discrimination and option frequencies of every question the quiz's attempts drew."""
    graded = [a for a in finished_attempts(quiz) if a.percent is not None]
    groups: dict[object, list[tuple[Attempt, AttemptItem]]] = defaultdict(list)
    for attempt in graded:
        for item in attempt.items:
            groups[item.question_id or ("deleted", item.snapshot.get("name"))].append((attempt, item))
    stats = []
    for _key, pairs in groups.items():
        first = pairs[-1][1]
        kind = strategy(first.qtype)
        entry = ItemStats(
            first.question_id,
            first.snapshot.get("name", ""),
            first.qtype,
            first.snapshot.get("prompt_html", ""),
            count=len(pairs),
        )
        fractions = [(a.percent, item.fraction or 0.0) for a, item in pairs]
        entry.facility = round(100 * sum(f for _, f in fractions) / len(fractions), 1)
        entry.discrimination = discrimination(fractions)
        labels: dict[str, str] = {}
        chosen: Counter = Counter()
        for _attempt, item in pairs:
            labels.update(kind.choice_labels(item.snapshot))
            chosen.update(kind.choice_keys(item.snapshot, attempt_services.response_of(item)))
        entry.choices = [(labels[key], chosen.get(key, 0)) for key in labels]
        stats.append(entry)
    return sorted(stats, key=lambda s: (s.name, s.question_id or 0))


def grading_queue(quiz: Quiz) -> list[AttemptItem]:
    """Answered essays of finished attempts that no trainer has marked yet, oldest first."""
    return list(
        db.session.scalars(
            sa.select(AttemptItem)
            .join(Attempt)
            .where(
                Attempt.quiz_id == quiz.id,
                Attempt.state == AttemptState.FINISHED,
                AttemptItem.qtype == "essay",
                AttemptItem.score.is_(None),
            )
            .options(selectinload(AttemptItem.attempt).selectinload(Attempt.user))
            .order_by(Attempt.finished_at, AttemptItem.slot)
        )
    )
