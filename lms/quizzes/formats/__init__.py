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

from flask_babel import lazy_gettext as _l

from ...content import render_auto_format, render_markdown, render_plain
from ..models import QuestionType, TextFormat
from ..types import strategy
from ..types.base import inline

FORMATS = ("gift", "aiken", "xml")
# Moodle XML carries its images and audio inline (base64), so a real bank can be large.
MAX_BYTES = 32 * 1024 * 1024
MAX_QUESTIONS = 2000
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
    # What the reader changed to bring the question in (shown per question after the import).
    notes: list[str] = field(default_factory=list)
    # Files embedded in the question (Moodle XML <file>), by the name its texts link to them with.
    files: dict[str, bytes] = field(default_factory=dict)


class Text(str):
    """A text read from a file with the format it was written in ("markdown", "html", "plain",
    "moodle"), until `unify` settles one format for the whole question."""

    fmt: str = "markdown"

    def __new__(cls, value: str, fmt: str = "markdown"):
        text = super().__new__(cls, value)
        text.fmt = fmt
        return text


def _texts(value, found: list) -> None:
    if isinstance(value, Text):
        found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _texts(item, found)
    elif isinstance(value, list):
        for item in value:
            _texts(item, found)


def to_html(text: str, fmt: str) -> str:
    """A text of any format as HTML; the question's renderer sanitises it when it is saved."""
    if fmt == "html":
        return str(text)
    if fmt == "plain":
        return inline(render_plain(text))
    if fmt == "moodle":
        return inline(render_auto_format(text))
    return inline(render_markdown(text))


def _convert(value, to):
    if isinstance(value, Text):
        return to(value)
    if isinstance(value, dict):
        return {key: _convert(item, to) for key, item in value.items()}
    if isinstance(value, list):
        return [_convert(item, to) for item in value]
    return value


def unify(spec: QuestionSpec) -> None:
    """One text format for the question, as Moodle shows it: where its texts were written in
    different formats, or in Moodle's auto-format, every text becomes HTML (and a note says so)."""
    found: list[Text] = []
    _texts([spec.prompt, spec.general_feedback, spec.data], found)
    if not found:
        return
    used = {t.fmt for t in found if t.strip()} or {"markdown"}
    if len(used) == 1 and "moodle" not in used:
        spec.text_format = {"html": TextFormat.HTML, "plain": TextFormat.PLAIN}.get(
            used.pop(), TextFormat.MARKDOWN
        )
        convert = str
    else:
        if len(used) > 1:
            spec.notes.append(
                str(
                    _l(
                        "Teks soal ini ditulis dalam beberapa format (%(f)s); "
                        "semuanya disimpan sebagai HTML.",
                        f=", ".join(sorted(used)),
                    )
                )
            )
        else:
            spec.notes.append(
                str(_l("Format teks Moodle otomatis disimpan sebagai HTML (baris baru tetap)."))
            )
        spec.text_format = TextFormat.HTML

        def convert(t):
            return to_html(t, t.fmt) if t.strip() else ""

    spec.prompt = convert(spec.prompt) if isinstance(spec.prompt, Text) else str(spec.prompt)
    if isinstance(spec.general_feedback, Text):
        spec.general_feedback = convert(spec.general_feedback)
    spec.data = _convert(spec.data, convert)


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
        unify(spec)
        if spec.qtype == QuestionType.CLOZE:
            spec.data = {**spec.data, "text": spec.prompt}
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


def default_name(prompt: str, *, plain: bool = False) -> str:
    """A question's name from its text (a plain text is taken as written, not as Markdown)."""
    from ...content import plain_text

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
