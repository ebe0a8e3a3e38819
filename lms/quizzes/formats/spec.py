"""The shapes every question file reader and writer shares: format-free questions and problems."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from ...content import plain_text
from ..models import QuestionType, TextFormat

NAME_MAX = 255


@dataclass
class QuestionSpec:
    qtype: QuestionType
    name: str
    prompt: str
    data: dict[str, Any]
    text_format: TextFormat = TextFormat.MARKDOWN
    general_feedback: str = ""
    mark: float = 1.0
    category: str = ""
    line: int | None = None


@dataclass(frozen=True)
class FormatProblem:
    line: int | None
    question: str | None
    message: str
    file: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file + (f":{self.line}" if self.line else ""))
        elif self.line:
            where.append(str(_l("baris %(n)d", n=self.line)))
        if self.question:
            where.append(str(_l("soal %(name)s", name=self.question)))
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ImportInvalid(Exception):
    def __init__(self, problems: list[FormatProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Parsed:
    questions: list[QuestionSpec] = field(default_factory=list)
    problems: list[FormatProblem] = field(default_factory=list)


def default_name(prompt: str) -> str:
    return plain_text(prompt, limit=60) or str(_l("Soal"))


def clean_category(path: str) -> str:
    """Moodle's category paths ("$course$/top/Default for X/Bab 1") as our names ("Default for X/Bab 1")."""
    parts = [p.strip() for p in (path or "").replace("\\", "/").split("/") if p.strip()]
    while parts and (re.fullmatch(r"\$\w+\$", parts[0]) or parts[0].lower() == "top"):
        parts.pop(0)
    return "/".join(parts)[:255]
