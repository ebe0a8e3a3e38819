"""Grading as a pure function of (questions snapshot, answers) -> scores.

Nothing here reads the database or the clock: the same snapshot and answers always give the same
scores, which is what makes regrading and the tests trustworthy. Each item's fraction is clamped
to [0, 1] (a wrong pick's penalty never takes points from other questions), its score is
fraction x mark, and an item a person must grade (an answered essay) leaves the attempt pending
until a manual score is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .types import strategy


@dataclass(frozen=True)
class ItemGrade:
    fraction: float | None  # None: waiting for a person
    score: float | None
    max_score: float


@dataclass(frozen=True)
class AttemptGrade:
    items: tuple[ItemGrade, ...]
    score: float
    max_score: float
    pending: bool

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 2) if self.max_score else 0.0


def grade_item(snapshot: dict, response: Any, manual_score: float | None = None) -> ItemGrade:
    """The grade of one answered (or unanswered) question."""
    mark = float(snapshot.get("mark", 1.0))
    if manual_score is not None:
        score = min(max(float(manual_score), 0.0), mark)
        return ItemGrade(score / mark if mark else 0.0, round(score, 6), mark)
    fraction = strategy(snapshot["type"]).grade(snapshot, response)
    if fraction is None:
        return ItemGrade(None, None, mark)
    fraction = min(max(fraction, 0.0), 1.0)
    return ItemGrade(fraction, round(fraction * mark, 6), mark)


def grade_attempt(
    snapshots: Sequence[dict], responses: Sequence[Any], manual_scores: Sequence[float | None] | None = None
) -> AttemptGrade:
    """Grade every item; the total counts what is graded and says whether anything is pending."""
    manual_scores = manual_scores or [None] * len(snapshots)
    items = tuple(grade_item(s, r, m) for s, r, m in zip(snapshots, responses, manual_scores, strict=True))
    score = round(sum(item.score or 0.0 for item in items), 6)
    max_score = round(sum(item.max_score for item in items), 6)
    return AttemptGrade(items, score, max_score, any(item.score is None for item in items))


def quiz_grade(method: str, percents: Sequence[float]) -> float | None:
    """The learner's grade for a quiz from their graded attempts' percents, oldest first."""
    if not percents:
        return None
    if method == "last":
        return percents[-1]
    if method == "average":
        return round(sum(percents) / len(percents), 2)
    return max(percents)
