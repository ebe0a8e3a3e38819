"""Question files: GIFT, Aiken and Moodle XML, read and written.

Every reader returns `QuestionSpec`s (format-free questions) or raises `ImportInvalid` with every
problem found, each with its line and question; a file with any problem is rejected whole. The
questions are then checked by their type's `clean`, so a file can never bring in a question the
editor would refuse. The shared shapes (QuestionSpec, FormatProblem, ...) are in spec.py, which
the readers import; this package reads and checks a whole file.
"""

from __future__ import annotations

import re

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from ...content import render_auto_format, render_markdown, render_plain
from ..models import QuestionType, TextFormat
from ..types import strategy
from ..types.base import inline
from . import aiken, gift, moodle_xml
from .spec import (  # noqa: F401 - the shared shapes, also known by this package's name
    MAX_QUESTIONS,
    MEDIA_REF,
    NAME_MAX,
    PLUGINFILE,
    FormatProblem,
    ImportInvalid,
    Parsed,
    QuestionSpec,
    Text,
    rewrite,
    too_many_questions,
)

FORMATS = ("gift", "aiken", "xml")
# Moodle XML carries its images and audio inline (base64), so a real bank can be large.
MAX_BYTES = 32 * 1024 * 1024


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
    text = decode(data)
    fmt = fmt or detect(text)
    reader = {"gift": gift.read, "aiken": aiken.read, "xml": moodle_xml.read}.get(fmt)
    if reader is None:
        raise ImportInvalid([FormatProblem(None, None, str(_l("Format %(f)s tidak dikenal.", f=fmt)))])
    return check(reader(text))
