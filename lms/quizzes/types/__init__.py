"""One strategy class per question type, found by `strategy(qtype)`; see base.py for the interface."""

from __future__ import annotations

from ..models import QuestionType
from .base import QuestionTypeBase
from .choice import MultipleChoice, SingleChoice, TrueFalse
from .cloze import Cloze
from .matching import Essay, Matching
from .text import Numerical, ShortAnswer

TYPES: dict[QuestionType, QuestionTypeBase] = {
    t.qtype: t
    for t in (
        SingleChoice(),
        MultipleChoice(),
        TrueFalse(),
        ShortAnswer(),
        Numerical(),
        Matching(),
        Essay(),
        Cloze(),
    )
}


def strategy(qtype: str | QuestionType) -> QuestionTypeBase:
    return TYPES[QuestionType(qtype)]
