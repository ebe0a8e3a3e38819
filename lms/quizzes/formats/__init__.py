"""Question files: GIFT, Aiken and Moodle XML, read and written.

Every reader returns `QuestionSpec`s (format-free questions) or raises `ImportInvalid` with every
problem found, each with its line and question; a file with any problem is rejected whole. The
questions are then checked by their type's `clean`, so a file can never bring in a question the
editor would refuse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from ..models import QuestionType, TextFormat
from ..types import strategy

FORMATS = ("gift", "aiken", "xml")
MAX_BYTES = 5 * 1024 * 1024
MAX_QUESTIONS = 2000
MAX_XML_DEPTH = 32  # Moodle's own files nest about 6 levels
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


def max_bytes() -> int:
    """The largest question file accepted (QUIZ_IMPORT_MAX_BYTES; MAX_BYTES outside an app)."""
    return int(current_app.config.get("QUIZ_IMPORT_MAX_BYTES", MAX_BYTES)) if has_app_context() else MAX_BYTES


def decode(data: bytes | str) -> str:
    """Text of an uploaded file: UTF-8 (with or without BOM); refuses anything else."""
    text = data.removeprefix("\ufeff") if isinstance(data, str) else _decode_bytes(data)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportInvalid(
            [FormatProblem(line, None, str(_l("Berkas memuat karakter NUL; ini bukan berkas teks soal.")))]
        )
    return text


def _decode_bytes(data: bytes) -> str:
    limit = max_bytes()
    if len(data) > limit:
        raise ImportInvalid(
            [FormatProblem(None, None, str(_l("Berkas melebihi batas %(mb)d MB.", mb=limit // 2**20)))]
        )
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportInvalid(
            [
                FormatProblem(
                    line, None, str(_l("Berkas harus berupa teks UTF-8 (simpan ulang sebagai UTF-8)."))
                )
            ]
        ) from None
    return text


def too_many_questions() -> FormatProblem:
    """The problem reported as soon as a reader counts more than MAX_QUESTIONS questions (it stops
    there, so a 100,000-question file costs no more than a full one)."""
    return FormatProblem(None, None, str(_l("Paling banyak %(n)d soal dalam satu berkas.", n=MAX_QUESTIONS)))


_AIKEN_ANSWER = re.compile(r"^\s*ANSWER\s*:\s*[A-Za-z]\s*$", re.MULTILINE)


def detect(text: str) -> str:
    """ "xml", "aiken" or "gift", from the content."""
    head = text.lstrip()[:200].lower()
    if head.startswith("<?xml") or head.startswith("<quiz"):
        return "xml"
    if _AIKEN_ANSWER.search(text) and "{" not in text:
        return "aiken"
    return "gift"


def check(parsed: Parsed) -> list[QuestionSpec]:
    """Validate every question with its type; raise ImportInvalid listing all problems."""
    problems = list(parsed.problems)
    if not parsed.questions and not problems:
        problems.append(FormatProblem(None, None, str(_l("Berkas tidak berisi soal."))))
    if len(parsed.questions) > MAX_QUESTIONS:
        problems.append(too_many_questions())
    for spec in parsed.questions:
        cleaned, messages = strategy(spec.qtype).clean(spec.data)
        spec.data = cleaned
        if not spec.prompt.strip():
            messages.append(str(_l("Teks soal kosong.")))
        if len(spec.name) > NAME_MAX:
            spec.name = spec.name[:NAME_MAX]
        for message in messages:
            problems.append(FormatProblem(spec.line, spec.name, message))
    if problems:
        raise ImportInvalid(sorted(problems, key=lambda p: p.line or 0))
    return parsed.questions


def parse(data: bytes | str, fmt: str | None = None) -> list[QuestionSpec]:
    """Questions of a file in GIFT, Aiken or Moodle XML (detected when fmt is None)."""
    from . import aiken, gift, moodle_xml

    text = decode(data)
    fmt = fmt or detect(text)
    reader = {"gift": gift.read, "aiken": aiken.read, "xml": moodle_xml.read}.get(fmt)
    if reader is None:
        raise ImportInvalid([FormatProblem(None, None, str(_l("Format %(f)s tidak dikenal.", f=fmt)))])
    return check(reader(text))


def default_name(prompt: str) -> str:
    from ...content import plain_text

    return plain_text(prompt, limit=60) or str(_l("Soal"))


def clean_category(path: str) -> str:
    """Moodle's category paths ("$course$/top/Default for X/Bab 1") as our names ("Default for X/Bab 1")."""
    parts = [p.strip() for p in (path or "").replace("\\", "/").split("/") if p.strip()]
    while parts and (re.fullmatch(r"\$\w+\$", parts[0]) or parts[0].lower() == "top"):
        parts.pop(0)
    return "/".join(parts)[:255]
