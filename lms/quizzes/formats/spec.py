"""The shapes every question file reader and writer shares: format-free questions and problems."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from ...content import plain_text
from ..models import QuestionType, TextFormat

NAME_MAX = 255
MAX_QUESTIONS = 2000
MAX_XML_DEPTH = 32  # Moodle's own files nest about 6 levels


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
    # What the reader changed to bring the question in (shown per question after the import).
    notes: list[str] = field(default_factory=list)
    # Files embedded in the question (Moodle XML <file>), by the name its texts link to them with.
    files: dict[str, bytes] = field(default_factory=dict)


class Text(str):
    """A text read from a file with the format it was written in ("markdown", "html", "plain",
    "moodle"), until `formats.unify` settles one format for the whole question."""

    fmt: str = "markdown"

    def __new__(cls, value: str, fmt: str = "markdown"):
        text = super().__new__(cls, value)
        text.fmt = fmt
        return text


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


def default_name(prompt: str, *, plain: bool = False) -> str:
    """A question's name from its text (a plain text is taken as written, not as Markdown)."""
    if plain:
        words = " ".join(prompt.split())
        return (words[:57] + "…" if len(words) > 60 else words) or str(_l("Soal"))
    return plain_text(prompt, limit=60) or str(_l("Soal"))


# A link to a file embedded in a Moodle XML question, and a link to a course media file.
PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'<>\s)]+)")
MEDIA_REF = re.compile(r"(?<=[\"'(])(?:\.\./)?media/([A-Za-z0-9][A-Za-z0-9._-]{0,119})")


def rewrite(value, replace):
    """value (a text, or the lists and dicts of a question's data) with replace applied to every text."""
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, dict):
        return {key: rewrite(item, replace) for key, item in value.items()}
    if isinstance(value, list):
        return [rewrite(item, replace) for item in value]
    return value


def clean_category(path: str) -> str:
    """Moodle's category paths ("$course$/top/Default for X/Bab 1") as our names ("Default for X/Bab 1")."""
    parts = [p.strip() for p in (path or "").replace("\\", "/").split("/") if p.strip()]
    while parts and (re.fullmatch(r"\$\w+\$", parts[0]) or parts[0].lower() == "top"):
        parts.pop(0)
    return "/".join(parts)[:255]


def too_many_questions() -> FormatProblem:
    """The problem reported as soon as a reader counts more than MAX_QUESTIONS questions (it stops
    there, so a 100,000-question file costs no more than a full one)."""
    return FormatProblem(None, None, str(_l("Paling banyak %(n)d soal dalam satu berkas.", n=MAX_QUESTIONS)))
