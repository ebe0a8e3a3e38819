"""Moodle XML (docs.moodle.org/en/Moodle_XML_format), read safely with defusedxml and written back.

defusedxml refuses entity expansion, external entities and DTDs, so an uploaded file cannot make
the server read local files or expand a "billion laughs". Every element keeps its line, so each
problem names its line and question. Types we do not grade (cloze, calculated, drag and drop,
description, ...) are reported one by one: a bank is never imported with questions silently lost.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - only used to build trees and write; parsing is defused

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from flask_babel import lazy_gettext as _l

from ..models import QuestionType, TextFormat
from ..types.base import format_number
from .spec import FormatProblem, Parsed, QuestionSpec, clean_category, default_name

TYPES = {
    "multichoice": None,  # single or multiple, from <single>
    "truefalse": QuestionType.TRUEFALSE,
    "shortanswer": QuestionType.SHORTANSWER,
    "numerical": QuestionType.NUMERICAL,
    "matching": QuestionType.MATCHING,
    "essay": QuestionType.ESSAY,
}


class _Element(ET.Element):
    line = 0


class _LineParser(DefusedXMLParser):
    """defusedxml's parser with a tree builder that notes the line of every element."""

    def __init__(self):
        self._builder = ET.TreeBuilder(element_factory=_Element)
        super().__init__(target=self)

    def start(self, tag, attrs):
        element = self._builder.start(tag, attrs)
        element.line = self.parser.CurrentLineNumber
        return element

    def end(self, tag):
        return self._builder.end(tag)

    def data(self, data):
        self._builder.data(data)

    def close(self):  # noqa: D102 - the target's close
        return self._builder.close()


def _text(element, path: str = "text") -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def _format(element) -> TextFormat:
    name = (element.get("format") or "") if element is not None else ""
    return TextFormat.HTML if name == "html" else TextFormat.MARKDOWN


def _number(raw: str | None, default: float = 0.0) -> float | None:
    if raw is None or not raw.strip():
        return default
    try:
        return float(raw)
    except ValueError:
        return None


def read(text: str) -> Parsed:
    parsed = Parsed()
    parser = _LineParser()
    try:
        parser.feed(text)
        root = parser.close()
    except DefusedXmlException:
        parsed.problems.append(
            FormatProblem(
                None,
                None,
                str(_l("Berkas XML memuat DTD atau entitas; hal itu tidak diizinkan demi keamanan.")),
            )
        )
        return parsed
    except ET.ParseError as exc:
        parsed.problems.append(
            FormatProblem(exc.position[0], None, str(_l("XML tidak valid: %(e)s", e=str(exc).split(":")[0])))
        )
        return parsed
    if root.tag != "quiz":
        parsed.problems.append(FormatProblem(root.line, None, str(_l("Elemen teratas harus <quiz>."))))
        return parsed
    category = ""
    for element in root:
        if element.tag != "question":
            continue
        kind = element.get("type", "")
        if kind == "category":
            category = clean_category(_text(element, "category/text"))
            continue
        name = _text(element, "name/text") or default_name(_text(element, "questiontext/text"))
        if kind not in TYPES:
            parsed.problems.append(
                FormatProblem(
                    element.line,
                    name,
                    str(
                        _l(
                            "Jenis soal '%(t)s' tidak didukung di platform ini "
                            "(yang didukung: pilihan ganda, "
                            "benar/salah, isian singkat, numerik, menjodohkan, esai).",
                            t=kind or "?",
                        )
                    ),
                )
            )
            continue
        spec = _question(element, kind, name, category, parsed)
        if spec is not None:
            parsed.questions.append(spec)
    return parsed


def _question(element, kind: str, name: str, category: str, parsed: Parsed) -> QuestionSpec | None:
    qtext = element.find("questiontext")
    mark = _number(_text(element, "defaultgrade") or None, 1.0)
    if mark is None or mark < 0:
        parsed.problems.append(
            FormatProblem(element.line, name, str(_l("<defaultgrade> harus angka 0 atau lebih.")))
        )
        mark = 1.0
    spec = QuestionSpec(
        qtype=TYPES[kind] or QuestionType.SINGLE,
        name=name,
        prompt=_text(qtext),
        data={},
        text_format=_format(qtext),
        general_feedback=_text(element, "generalfeedback/text"),
        mark=mark or 1.0,
        category=category,
        line=element.line,
    )
    answers = []
    for answer in element.findall("answer"):
        fraction = _number(answer.get("fraction"), 0.0)
        if fraction is None:
            parsed.problems.append(
                FormatProblem(
                    answer.line,
                    name,
                    str(_l("Atribut fraction '%(f)s' bukan angka.", f=answer.get("fraction"))),
                )
            )
            continue
        answers.append((answer, fraction / 100, _text(answer), _text(answer, "feedback/text")))
    if kind == "multichoice":
        single = _text(element, "single").lower() in ("true", "1")
        spec.qtype = QuestionType.SINGLE if single else QuestionType.MULTIPLE
        spec.data = {"options": [{"text": t, "fraction": f, "feedback": fb} for _, f, t, fb in answers]}
    elif kind == "truefalse":
        by_text = {t.lower(): (f, fb) for _, f, t, fb in answers}
        if set(by_text) != {"true", "false"}:
            parsed.problems.append(
                FormatProblem(
                    element.line, name, str(_l("Soal benar/salah harus memiliki jawaban 'true' dan 'false'."))
                )
            )
            return None
        spec.data = {
            "correct": by_text["true"][0] >= 0.999,
            "feedback_true": by_text["true"][1],
            "feedback_false": by_text["false"][1],
        }
    elif kind == "shortanswer":
        spec.data = {
            "answers": [{"text": t, "fraction": f, "feedback": fb} for _, f, t, fb in answers],
            "case_sensitive": _text(element, "usecase") == "1",
        }
    elif kind == "numerical":
        items, wrong = [], ""
        for answer, fraction, value, feedback in answers:
            if value == "*":
                wrong = feedback
                continue
            tolerance = _number(_text(answer, "tolerance") or None, 0.0)
            number = _number(value, None)  # type: ignore[arg-type]
            if number is None or tolerance is None:
                parsed.problems.append(
                    FormatProblem(answer.line, name, str(_l("Jawaban numerik '%(a)s' bukan angka.", a=value)))
                )
                continue
            items.append(
                {"value": number, "tolerance": abs(tolerance), "fraction": fraction, "feedback": feedback}
            )
        spec.data = {"answers": items, "wrong_feedback": wrong}
    elif kind == "matching":
        spec.data = {
            "pairs": [
                {"left": _text(sub), "right": _text(sub, "answer/text")}
                for sub in element.findall("subquestion")
            ]
        }
    elif kind == "essay":
        spec.data = {"grader_info": _text(element, "graderinfo/text")}
    return spec


# ---------------------------------------------------------------- writing


def _add_text(parent, tag: str, text: str, fmt: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, **({"format": fmt} if fmt else {}), **attrs)
    ET.SubElement(element, "text").text = text
    return element


def _answer(parent, fraction: float, text: str, feedback: str, fmt: str) -> ET.Element:
    answer = _add_text(parent, "answer", text, fmt, fraction=format_number(round(fraction * 100, 5)))
    _add_text(answer, "feedback", feedback, fmt)
    return answer


def write(questions, category_of=lambda q: "") -> str:
    """Questions as a Moodle XML file that Moodle and this reader both import."""
    root = ET.Element("quiz")
    current = None
    for q in questions:
        category = category_of(q)
        if category and category != current:
            element = ET.SubElement(root, "question", type="category")
            _add_text(element, "category", f"$course$/top/{category}")
            current = category
        qtype = QuestionType(q.qtype)
        fmt = "html" if q.text_format == TextFormat.HTML else "markdown"
        kind = {QuestionType.SINGLE: "multichoice", QuestionType.MULTIPLE: "multichoice"}.get(
            qtype, qtype.value
        )
        element = ET.SubElement(root, "question", type=kind)
        _add_text(element, "name", q.name)
        _add_text(element, "questiontext", q.prompt, fmt)
        _add_text(element, "generalfeedback", q.general_feedback, fmt)
        ET.SubElement(element, "defaultgrade").text = format_number(q.mark)
        data = q.data
        if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            ET.SubElement(element, "single").text = "true" if qtype == QuestionType.SINGLE else "false"
            ET.SubElement(element, "shuffleanswers").text = "true"
            for o in data["options"]:
                _answer(element, o["fraction"], o["text"], o["feedback"], fmt)
        elif qtype == QuestionType.TRUEFALSE:
            _answer(element, 1.0 if data["correct"] else 0.0, "true", data["feedback_true"], fmt)
            _answer(element, 0.0 if data["correct"] else 1.0, "false", data["feedback_false"], fmt)
        elif qtype == QuestionType.SHORTANSWER:
            ET.SubElement(element, "usecase").text = "1" if data.get("case_sensitive") else "0"
            for a in data["answers"]:
                _answer(element, a["fraction"], a["text"], a["feedback"], fmt)
        elif qtype == QuestionType.NUMERICAL:
            for a in data["answers"]:
                if "min" in a:  # Moodle XML has no ranges: the middle with half the width as tolerance
                    value, tolerance = (a["min"] + a["max"]) / 2, (a["max"] - a["min"]) / 2
                else:
                    value, tolerance = a["value"], a["tolerance"]
                answer = _answer(element, a["fraction"], format_number(value), a["feedback"], fmt)
                ET.SubElement(answer, "tolerance").text = format_number(tolerance)
            if data.get("wrong_feedback"):
                _answer(element, 0.0, "*", data["wrong_feedback"], fmt)
        elif qtype == QuestionType.MATCHING:
            ET.SubElement(element, "shuffleanswers").text = "true"
            for p in data["pairs"]:
                sub = _add_text(element, "subquestion", p["left"], fmt)
                _add_text(sub, "answer", p["right"])
        elif qtype == QuestionType.ESSAY:
            ET.SubElement(element, "responseformat").text = "editor"
            _add_text(element, "graderinfo", data.get("grader_info", ""), fmt)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
