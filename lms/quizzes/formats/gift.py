"""GIFT, Moodle's text format for questions (docs.moodle.org/en/GIFT_format), read and written.

Reading follows Moodle's own importer: questions are separated by blank lines, `//` lines are
comments, `$CATEGORY:` switches category, `::title::` names a question, `[html]`/`[markdown]`
give the text format, and the answer block decides the type: empty -> essay, `#` -> numerical,
any `~` -> multiple choice (single when there is an `=`), `=` with `->` -> matching, T/TRUE/F/FALSE
-> true/false, otherwise short answer. `\\~ \\= \\# \\{ \\} \\: \\\\` escape, `\\n` is a new line,
`####` starts the general feedback, `%50%` gives a weight, `#` a feedback. Text after the answer
block makes a missing-word question (the block becomes "_____").

Unlike Moodle, a question without a format marker is Markdown (our text format); plain text reads
the same either way. Writing gives files that Moodle and this reader import to the same questions.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from ..models import QuestionType, TextFormat
from ..types.base import format_number
from .spec import (
    MAX_QUESTIONS,
    FormatProblem,
    Parsed,
    QuestionSpec,
    Text,
    clean_category,
    default_name,
    too_many_questions,
)

_ESCAPES = {
    "\\\\": "\ue000",
    "\\:": "\ue001",
    "\\#": "\ue002",
    "\\=": "\ue003",
    "\\{": "\ue004",
    "\\}": "\ue005",
    "\\~": "\ue006",
    "\\n": "\ue007",
}
_RESTORE = {
    "\ue000": "\\",
    "\ue001": ":",
    "\ue002": "#",
    "\ue003": "=",
    "\ue004": "{",
    "\ue005": "}",
    "\ue006": "~",
    "\ue007": "\n",
}
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_FORMAT = re.compile(r"^\[(html|markdown|plain|moodle)\]", re.IGNORECASE)
_RANGE = re.compile(r"\s*(-?[0-9.eE+-]+)\s*\.\.\s*(-?[0-9.eE+-]+)\s*")
_TF = {"T": True, "TRUE": True, "F": False, "FALSE": False}


def _protect(text: str) -> str:
    return re.sub(r"\\[\\:#={}~n]", lambda m: _ESCAPES[m.group(0)], text)


def _restore(text: str) -> str:
    for placeholder, char in _RESTORE.items():
        text = text.replace(placeholder, char)
    return text.strip()


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """(first line number, lines) of every blank-line separated block; comment lines become ""."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if current:
                blocks.append((start, current))
                current = []
            continue
        if not current:
            start = number
        current.append("" if line.strip().startswith("//") else line)
    if current:
        blocks.append((start, current))
    # Leading and trailing comment lines do not belong to the question.
    result = []
    for start, lines in blocks:
        while lines and not lines[0].strip():
            lines.pop(0)
            start += 1
        while lines and not lines[-1].strip():
            lines.pop()
        if lines:
            result.append((start, lines))
    return result


class _Question:
    """Parses one block; records problems with the line they are on."""

    def __init__(self, start: int, text: str, category: str, parsed: Parsed):
        self.start, self.text, self.category, self.parsed = start, text, category, parsed
        self.name: str | None = None
        self.fmt = "markdown"

    def line_at(self, offset: int) -> int:
        return self.start + self.text.count("\n", 0, max(offset, 0))

    def problem(self, message, offset: int = 0) -> None:
        self.parsed.problems.append(FormatProblem(self.line_at(offset), self.name, str(message)))

    def parse(self) -> QuestionSpec | None:
        text, offset = self.text, 0
        if text.startswith("::"):
            end = text.find("::", 2)
            if end < 0:
                self.problem(_l("Judul soal dibuka dengan :: tetapi tidak ditutup."))
                return None
            self.name = _restore(text[2:end])
            offset = end + 2
        opening = text.find("{", offset)
        closing = text.find("}", offset)
        if opening < 0 and closing < 0:
            self.name = self.name or default_name(_restore(text[offset:]))
            self.problem(
                _l(
                    "Soal tanpa bagian jawaban {...} (deskripsi) tidak didukung; "
                    "untuk esai tulis {} di akhir soal."
                ),
                offset,
            )
            return None
        if opening < 0 or closing < opening:
            self.problem(
                _l("Kurung kurawal { } tidak berpasangan (gunakan \\{ atau \\} untuk tanda kurung biasa)."),
                closing if opening < 0 else closing,
            )
            return None
        if text.find("{", opening + 1) not in (-1,) and text.find("{", opening + 1) < closing:
            self.problem(_l("Ada { di dalam bagian jawaban; tulis \\{ bila maksudnya tanda kurung."), opening)
            return None
        if text.find("{", closing) >= 0 or text.find("}", closing + 1) >= 0:
            self.problem(_l("Satu soal hanya boleh memiliki satu bagian jawaban {...}."), closing)
            return None
        before, answer, after = text[offset:opening], text[opening + 1 : closing], text[closing + 1 :]
        prompt = before + ("_____" + after if after.strip() else "")
        prompt_text = self._text(prompt, "markdown")
        # Moodle: answers and feedback without a marker are in the question text's format.
        self.fmt = prompt_text.fmt
        general = ""
        if "####" in answer:
            cut = answer.rfind("####")
            general, answer = answer[cut + 4 :], answer[:cut]
        self.name = self.name or default_name(prompt_text)
        spec = QuestionSpec(
            qtype=QuestionType.ESSAY,
            name=self.name,
            prompt=prompt_text,
            data={},
            general_feedback=self._text(general),
            category=self.category,
            line=self.start,
        )
        body = answer.strip()
        base = opening + 1 + (len(answer) - len(answer.lstrip()))
        if not body:
            spec.qtype = QuestionType.ESSAY
        elif body.startswith("#"):
            spec.qtype, spec.data = QuestionType.NUMERICAL, self._numerical(body[1:], base + 1)
        elif "~" in body:
            spec.qtype = QuestionType.SINGLE if "=" in body else QuestionType.MULTIPLE
            spec.data = self._choices(body, base)
        elif "=" in body and "->" in body:
            spec.qtype, spec.data = QuestionType.MATCHING, self._matching(body, base)
        elif body.split("#", 1)[0].strip() in _TF:
            spec.qtype, spec.data = QuestionType.TRUEFALSE, self._truefalse(body)
        else:
            spec.qtype, spec.data = QuestionType.SHORTANSWER, self._shortanswer(body, base)
        return spec

    def _text(self, raw: str, default: str | None = None) -> Text:
        """A text with its format marker ([html], [plain], [moodle], [markdown]) read and removed."""
        stripped = raw.strip()
        found = _FORMAT.match(stripped)
        if not found:
            return Text(_restore(stripped), default or self.fmt)
        return Text(_restore(stripped[found.end() :]), found.group(1).lower())

    @staticmethod
    def _split(body: str, marks: str, base: int) -> list[tuple[str, str, int]]:
        """(mark, text, offset) of the answers of a block, split before each mark character."""
        pieces, mark, start = [], None, 0
        for index, char in enumerate(body):
            if char in marks:
                if mark is not None or body[start:index].strip():
                    pieces.append((mark or "", body[start:index], base + start))
                mark, start = char, index + 1
        pieces.append((mark or "", body[start:], base + start))
        return [p for p in pieces if p[0] or p[1].strip()]

    def _weight(self, text: str, offset: int, default: float) -> tuple[float, str]:
        text = text.strip()
        found = _WEIGHT.match(text)
        if found:
            return float(found.group(1)) / 100, text[found.end() :]
        if text.startswith("%"):
            self.problem(_l("Bobot harus ditulis seperti %50% atau %-25%."), offset)
        return default, text

    def _feedback(self, text: str) -> tuple[str, str]:
        answer, _, feedback = text.partition("#")
        return self._text(answer), self._text(feedback)

    def _choices(self, body: str, base: int) -> dict:
        options = []
        for mark, text, offset in self._split(body, "~=", base):
            if mark == "":
                self.problem(_l("Teks sebelum pilihan pertama: setiap pilihan diawali = atau ~."), offset)
                continue
            fraction, text = (1.0, text.strip()) if mark == "=" else self._weight(text, offset, 0.0)
            answer, feedback = self._feedback(text)
            if not answer:
                self.problem(_l("Pilihan jawaban kosong."), offset)
            options.append({"text": answer, "fraction": fraction, "feedback": feedback})
        return {"options": options}

    def _matching(self, body: str, base: int) -> dict:
        pairs = []
        for mark, text, offset in self._split(body, "=", base):
            if mark == "":
                self.problem(_l("Teks sebelum pasangan pertama: setiap pasangan diawali =."), offset)
                continue
            if "->" not in text:
                self.problem(_l("Pasangan harus ditulis =kiri -> kanan."), offset)
                continue
            left, _, right = text.partition("->")
            pairs.append({"left": self._text(left), "right": _restore(right)})
        return {"pairs": pairs}

    def _truefalse(self, body: str) -> dict:
        parts = body.split("#", 2)
        correct = _TF[parts[0].strip()]
        wrong = self._text(parts[1]) if len(parts) > 1 else ""
        right = self._text(parts[2]) if len(parts) > 2 else ""
        # GIFT gives the feedback for a wrong answer first, then for a right one.
        return {
            "correct": correct,
            "feedback_true": right if correct else wrong,
            "feedback_false": wrong if correct else right,
        }

    def _shortanswer(self, body: str, base: int) -> dict:
        answers = []
        for mark, text, offset in self._split(body, "=", base):
            if mark == "":
                self.problem(
                    _l("Jawaban isian singkat diawali = (misalnya {=Jakarta =DKI Jakarta})."), offset
                )
                continue
            fraction, text = self._weight(text, offset, 1.0)
            answer, feedback = self._feedback(text)
            answers.append({"text": str(answer), "fraction": fraction, "feedback": feedback})
        return {"answers": answers, "case_sensitive": False}

    def _numerical(self, body: str, base: int) -> dict:
        wrong = ""
        if "~" in body:
            cut = body.find("~")
            wrong = self._feedback(body[cut + 1 :])[1]
            body = body[:cut]
        answers = []
        for _mark, text, offset in self._split(body, "=", base):
            fraction, text = self._weight(text, offset, 1.0)
            answer, feedback = self._feedback(text)
            answer = str(answer)
            entry = {"fraction": fraction, "feedback": feedback}
            try:
                found = _RANGE.fullmatch(answer)
                if found:
                    entry.update(min=float(found.group(1)), max=float(found.group(2)))
                elif ":" in answer[1:]:
                    value, _, tolerance = answer.rpartition(":")
                    entry.update(value=float(value), tolerance=float(tolerance))
                else:
                    entry.update(value=float(answer), tolerance=0.0)
            except ValueError:
                self.problem(
                    _l("Jawaban numerik '%(a)s' bukan angka (contoh: 3.14:0.01 atau 1..5).", a=answer), offset
                )
                continue
            answers.append(entry)
        return {"answers": answers, "wrong_feedback": wrong}


def read(text: str) -> Parsed:
    """Questions and problems of a GIFT text."""
    parsed = Parsed()
    category = ""
    blocks = _blocks(text)
    if len(blocks) > 2 * MAX_QUESTIONS:  # every other block a $CATEGORY at most, in any sane file
        parsed.problems.append(too_many_questions())
        return parsed
    for start, lines in blocks:
        joined = _protect("\n".join(lines))
        stripped = joined.strip()
        if stripped.startswith("$CATEGORY:"):
            first, _, rest = stripped.partition("\n")
            category = clean_category(_restore(first[len("$CATEGORY:") :]))
            if not rest.strip():
                continue
            start, joined = start + 1, rest
        spec = _Question(start, joined.strip(), category, parsed).parse()
        if spec is not None:
            if len(parsed.questions) >= MAX_QUESTIONS:
                parsed.problems.append(too_many_questions())
                break
            parsed.questions.append(spec)
    return parsed


# ---------------------------------------------------------------- writing


def escape(text: str) -> str:
    text = (text or "").replace("\r\n", "\n")
    for char in "\\~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _weight(fraction: float) -> str:
    return f"%{format_number(round(fraction * 100, 5))}%"


def _fb(feedback: str) -> str:
    return f"#{escape(feedback)}" if feedback else ""


def write_question(q) -> str:
    """One question (a Question or a QuestionSpec) as GIFT."""
    qtype, data = QuestionType(q.qtype), q.data
    marker = {TextFormat.HTML: "[html]", TextFormat.PLAIN: "[plain]"}.get(TextFormat(q.text_format), "")
    head = f"::{escape(q.name)}::{marker}{escape(q.prompt)}"
    general = f"\t####{escape(q.general_feedback)}\n" if q.general_feedback else ""
    if qtype == QuestionType.ESSAY:
        return head + "{" + (f"####{escape(q.general_feedback)}" if q.general_feedback else "") + "}\n"
    if qtype == QuestionType.TRUEFALSE:
        right, wrong = (
            (data["feedback_true"], data["feedback_false"])
            if data["correct"]
            else (data["feedback_false"], data["feedback_true"])
        )
        tail = ""
        if wrong or right:
            tail = f"#{escape(wrong)}" + (f"#{escape(right)}" if right else "")
        gf = f"####{escape(q.general_feedback)}" if q.general_feedback else ""
        return head + "{" + ("T" if data["correct"] else "F") + tail + gf + "}\n"
    lines = []
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        for o in data["options"]:
            if qtype == QuestionType.SINGLE and o["fraction"] == 1:
                mark = "="
            elif o["fraction"] == 0:
                mark = "~"
            else:
                mark = "~" + _weight(o["fraction"])
            lines.append(f"\t{mark}{escape(o['text'])}{_fb(o['feedback'])}")
    elif qtype == QuestionType.SHORTANSWER:
        for a in data["answers"]:
            weight = "" if a["fraction"] == 1 else _weight(a["fraction"])
            lines.append(f"\t={weight}{escape(a['text'])}{_fb(a['feedback'])}")
    elif qtype == QuestionType.NUMERICAL:
        for a in data["answers"]:
            weight = "" if a["fraction"] == 1 else _weight(a["fraction"])
            value = (
                f"{format_number(a['min'])}..{format_number(a['max'])}"
                if "min" in a
                else f"{format_number(a['value'])}:{format_number(a['tolerance'])}"
            )
            lines.append(f"\t={weight}{value}{_fb(a['feedback'])}")
        if data.get("wrong_feedback"):
            lines.append(f"\t~#{escape(data['wrong_feedback'])}")
        return head + "{#\n" + "\n".join(lines) + "\n" + general + "}\n"
    elif qtype == QuestionType.MATCHING:
        for p in data["pairs"]:
            lines.append(f"\t={escape(p['left'])} -> {escape(p['right'])}")
    return head + "{\n" + "\n".join(lines) + "\n" + general + "}\n"


def write(questions, category_of=lambda q: "") -> str:
    """Questions as a GIFT file, with a $CATEGORY line whenever the category changes."""
    out, current = [], None
    for q in questions:
        category = category_of(q)
        if category and category != current:
            out.append(f"$CATEGORY: {category}\n")
            current = category
        out.append(write_question(q))
    return "\n".join(out)
