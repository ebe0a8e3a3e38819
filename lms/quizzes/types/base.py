"""The base of the question types: limits, text helpers, the strategy interface.

One strategy class per question type (choice.py, text.py, matching.py; the registry in
__init__.py).

A question's definition (`Question.data`) is validated by `clean`, which returns problems as
text. When an attempt starts, `snapshot` copies the question into the attempt with fresh random
tokens for options, so markup never tells which option is which across attempts, and the order is
shuffled when asked. `public` is all a page or the API may show before grading: no fractions, no
accepted answers, no feedback. `parse` turns submitted form values into a stored response and
refuses anything that does not belong to the snapshot. `grade` is pure: (snapshot, response) ->
fraction in [0, 1], or None when a person must grade it (essays).
"""

from __future__ import annotations

import math
import random
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from ..models import QuestionType

Render = Callable[[str], str]
Render = Callable[[str], str]
TEXT_MAX = 5000
ANSWER_MAX = 500
ESSAY_MAX = 20_000
OPTIONS_MAX = 30


class BadAnswer(ValueError):
    """A submitted answer that cannot belong to the attempt (forged or malformed): HTTP 400."""


def token() -> str:
    return secrets.token_urlsafe(6)


def inline(html: str) -> str:
    """Drop the paragraph around a one-paragraph text, so an option reads inline."""
    stripped = html.strip()
    if stripped.startswith("<p>") and stripped.endswith("</p>") and stripped.count("<p>") == 1:
        return stripped[3:-4]
    return stripped


def normalise(text: str, *, case_sensitive: bool = False) -> str:
    """Short answers compared without accents, extra spaces or (usually) case.

    "Perekat  Bangsa" and "perekat bangsa" are the same answer.
    """
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = " ".join(plain.split())
    return plain if case_sensitive else plain.casefold()


def parse_number(raw: str) -> float | None:
    """A number as people type it: "3.14", "3,14", " 1822 ", "-0.5"; None if it is not one."""
    text = (raw or "").strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


# Moodle accepts a weight within 0.00001 of one of its grades (match_grade_options), so each
# weight may be that far from the exact fraction: three times 33.33333% is full marks.
WEIGHT_TOLERANCE = 0.00001


def full_marks(total: float, weights: int) -> bool:
    """Whether weights adding up to total are 100 % (each within Moodle's tolerance)."""
    return abs(total - 1) <= WEIGHT_TOLERANCE * max(weights, 1) + 1e-12


def pattern(answer: str, case_sensitive: bool) -> re.Pattern:
    """Moodle's short-answer patterns: * stands for any characters."""
    parts = [re.escape(normalise(part, case_sensitive=case_sensitive)) for part in answer.split("*")]
    return re.compile(".*".join(parts), re.DOTALL)


def fraction_value(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def text_value(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def single_value(values: Mapping, name: str) -> str | None:
    found = values.getlist(name) if hasattr(values, "getlist") else values.get(name)
    if isinstance(found, list):
        if len(found) > 1:
            raise BadAnswer("more than one value for a single answer")
        found = found[0] if found else None
    if found is None:
        return None
    if not isinstance(found, str):
        raise BadAnswer("answer must be text")
    return found


def many_values(values: Mapping, name: str) -> list[str]:
    found = values.getlist(name) if hasattr(values, "getlist") else values.get(name, [])
    if isinstance(found, str):
        found = [found]
    if not isinstance(found, list) or not all(isinstance(v, str) for v in found):
        raise BadAnswer("answers must be text")
    return found


class QuestionTypeBase:
    qtype: QuestionType
    auto: bool = True

    # ------------------------------------------------------------ authoring
    def clean(self, data: Mapping) -> tuple[dict, list[str]]:
        raise NotImplementedError

    def render(self, data: dict, render: Render) -> dict:
        """The definition with the sanitised HTML of its texts added."""
        return data

    def prompt_html(self, data: dict, html: str) -> str:
        """The question text as shown outside an attempt (lists, reviews), from its rendered HTML."""
        return html

    # ------------------------------------------------------------ attempts
    def snapshot(self, data: dict, *, shuffle: bool, rng: random.Random) -> dict:
        raise NotImplementedError

    def public(self, snap: dict) -> dict:
        return {}

    def parse(self, snap: dict, values: Mapping) -> Any:
        raise NotImplementedError

    def grade(self, snap: dict, response: Any) -> float | None:
        raise NotImplementedError

    # ------------------------------------------------------------ review and analysis
    def feedback(self, snap: dict, response: Any) -> list[str]:
        return []

    def right_answer(self, snap: dict) -> str:
        """HTML of the expected answer, for review pages (after grading, when allowed)."""
        return ""

    def describe(self, snap: dict, response: Any) -> str:
        """The learner's answer as plain text (results, CSV)."""
        return "" if response is None else str(response)

    def choice_keys(self, snap: dict, response: Any) -> list[str]:
        """Stable keys of what was chosen, for option frequencies in item analysis."""
        return []

    def choice_labels(self, snap: dict) -> dict[str, str]:
        return {}


def format_number(value: float) -> str:
    """1822.0 -> "1822", 3.1415 -> "3.1415": how numbers are written back to files and pages."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
