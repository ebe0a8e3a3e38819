"""Question files: GIFT, Aiken and Moodle XML, read and written.

Every reader returns `QuestionSpec`s (format-free questions) or raises `ImportInvalid` with every
problem found, each with its line and question; a file with any problem is rejected whole. The
questions are then checked by their type's `clean`, so a file can never bring in a question the
editor would refuse. The shared shapes (QuestionSpec, FormatProblem, ...) are in spec.py, which
the readers import; this package reads and checks a whole file.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from ..types import strategy
from . import aiken, gift, moodle_xml
from .spec import NAME_MAX, FormatProblem, ImportInvalid, Parsed, QuestionSpec

FORMATS = ("gift", "aiken", "xml")
MAX_BYTES = 5 * 1024 * 1024
MAX_QUESTIONS = 2000


def decode(data: bytes | str) -> str:
    """Text of an uploaded file: UTF-8 (with or without BOM); refuses anything else."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if len(data) > MAX_BYTES:
        raise ImportInvalid(
            [FormatProblem(None, None, str(_l("Berkas melebihi batas %(mb)d MB.", mb=MAX_BYTES // 2**20)))]
        )
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportInvalid(
            [
                FormatProblem(
                    line, None, str(_l("Berkas harus berupa teks UTF-8 (simpan ulang sebagai UTF-8)."))
                )
            ]
        ) from None


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
        problems.append(
            FormatProblem(None, None, str(_l("Paling banyak %(n)d soal dalam satu berkas.", n=MAX_QUESTIONS)))
        )
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
    text = decode(data)
    fmt = fmt or detect(text)
    reader = {"gift": gift.read, "aiken": aiken.read, "xml": moodle_xml.read}.get(fmt)
    if reader is None:
        raise ImportInvalid([FormatProblem(None, None, str(_l("Format %(f)s tidak dikenal.", f=fmt)))])
    return check(reader(text))
