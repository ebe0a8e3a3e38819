"""Moodle XML (docs.moodle.org/en/Moodle_XML_format), read safely with defusedxml and written back.

defusedxml refuses entity expansion, external entities and DTDs, so an uploaded file cannot make
the server read local files or expand a "billion laughs". Every element keeps its line, so each
problem names its line and question. Types we do not grade (cloze, calculated, drag and drop,
description, ...) are reported one by one: a bank is never imported with questions silently lost.
"""

from __future__ import annotations

import base64
import binascii
import xml.etree.ElementTree as ET  # noqa: S405 - only used to build trees and write; parsing is defused
from urllib.parse import quote, unquote

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from flask_babel import lazy_gettext as _l

from ..models import QuestionType, TextFormat
from ..types.base import format_number
from ..types.cloze import total_weight
from .spec import (
    MAX_QUESTIONS,
    MAX_XML_DEPTH,
    MEDIA_REF,
    PLUGINFILE,
    FormatProblem,
    Parsed,
    QuestionSpec,
    Text,
    clean_category,
    default_name,
    too_many_questions,
)

TYPES = {
    "multichoice": None,  # single or multiple, from <single>
    "truefalse": QuestionType.TRUEFALSE,
    "shortanswer": QuestionType.SHORTANSWER,
    "numerical": QuestionType.NUMERICAL,
    "matching": QuestionType.MATCHING,
    "essay": QuestionType.ESSAY,
    "cloze": QuestionType.CLOZE,  # Moodle's "embedded answers" (multianswer)
}


class _Element(ET.Element):
    line = 0


class _TooLarge(Exception):
    def __init__(self, problem: FormatProblem):
        self.problem = problem


class _LineParser(DefusedXMLParser):
    """defusedxml's parser with a tree builder that notes the line of every element, and stops
    at MAX_XML_DEPTH levels of nesting or MAX_QUESTIONS questions."""

    def __init__(self):
        self._builder = ET.TreeBuilder(element_factory=_Element)
        self._depth = 0
        self._questions = 0
        super().__init__(target=self)

    def start(self, tag, attrs):
        self._depth += 1
        line = self.parser.CurrentLineNumber
        if self._depth > MAX_XML_DEPTH:
            message = _l("Berkas XML terlalu dalam bersarang (lebih dari %(n)d tingkat).", n=MAX_XML_DEPTH)
            raise _TooLarge(FormatProblem(line, None, str(message)))
        if tag == "question" and attrs.get("type") != "category":
            self._questions += 1
            if self._questions > MAX_QUESTIONS:
                raise _TooLarge(too_many_questions())
        element = self._builder.start(tag, attrs)
        element.line = line
        return element

    def end(self, tag):
        self._depth -= 1
        return self._builder.end(tag)

    def data(self, data):
        self._builder.data(data)

    def close(self):  # noqa: D102 - the target's close
        # End the document first: expat then refuses a file that stops before </quiz>, which
        # the tree builder alone would return as the questions read so far.
        try:
            self.parser.Parse(b"", True)
        except self._error as exc:
            self._raiseerror(exc)
        return self._builder.close()


def _text(element, path: str = "text") -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


_FORMATS = {"html": "html", "plain_text": "plain", "moodle_auto_format": "moodle", "markdown": "markdown"}
_WRITE_FORMATS = {TextFormat.HTML: "html", TextFormat.PLAIN: "plain_text", TextFormat.MARKDOWN: "markdown"}


def _rich(element, path: str, default: str) -> Text:
    """The text at path with the format Moodle wrote on its element (or the question's)."""
    found = element.find(path) if element is not None else None
    if found is None:
        return Text("", default)
    return Text(_text(found), _FORMATS.get(found.get("format") or "", default))


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
    except _TooLarge as exc:
        parsed.problems.append(exc.problem)
        return parsed
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
                            "(yang didukung: pilihan ganda, benar/salah, isian singkat, numerik, "
                            "menjodohkan, esai, isian rumpang).",
                            t=kind or "?",
                        )
                    ),
                )
            )
            continue
        spec = _question(element, kind, name, category, parsed)
        if spec is not None:
            _files(element, spec, parsed)
            parsed.questions.append(spec)
    return parsed


def _files(element, spec: QuestionSpec, parsed: Parsed) -> None:
    """The question's embedded files (<file name path encoding="base64">), and a problem for every
    @@PLUGINFILE@@ link to a file the question does not carry."""
    for found in element.iter("file"):
        key = ((found.get("path") or "/").strip("/") + "/" + (found.get("name") or "")).lstrip("/")
        try:
            data = base64.b64decode("".join((found.text or "").split()), validate=True)
        except (binascii.Error, ValueError):
            parsed.problems.append(
                FormatProblem(found.line, spec.name, str(_l("Berkas %(f)s bukan base64 yang sah.", f=key)))
            )
            continue
        spec.files[key] = data
    for text in element.iter("text"):
        for link in PLUGINFILE.findall(text.text or ""):
            key = unquote(link)
            if key not in spec.files:
                parsed.problems.append(
                    FormatProblem(
                        text.line,
                        spec.name,
                        str(
                            _l(
                                "Berkas %(f)s dipakai dalam soal tetapi tidak disertakan dalam berkas XML "
                                "(ekspor ulang dari Moodle beserta berkasnya).",
                                f=key,
                            )
                        ),
                    )
                )


def _question(element, kind: str, name: str, category: str, parsed: Parsed) -> QuestionSpec | None:
    prompt = _rich(element, "questiontext", "markdown")
    mark = _number(_text(element, "defaultgrade") or None, 1.0)
    if mark is None or mark < 0:
        parsed.problems.append(
            FormatProblem(element.line, name, str(_l("<defaultgrade> harus angka 0 atau lebih.")))
        )
        mark = 1.0
    spec = QuestionSpec(
        qtype=TYPES[kind] or QuestionType.SINGLE,
        name=name,
        prompt=prompt,
        data={},
        general_feedback=_rich(element, "generalfeedback", prompt.fmt),
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
        answers.append(
            (
                answer,
                fraction / 100,
                Text(_text(answer), _FORMATS.get(answer.get("format") or "", prompt.fmt)),
                _rich(answer, "feedback", prompt.fmt),
            )
        )
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
            "answers": [{"text": str(t), "fraction": f, "feedback": fb} for _, f, t, fb in answers],
            "case_sensitive": _text(element, "usecase") == "1",
        }
    elif kind == "numerical":
        items, wrong = [], ""
        for answer, fraction, value, feedback in answers:
            if value == "*":
                wrong = feedback
                continue
            tolerance = _number(_text(answer, "tolerance") or None, 0.0)
            number = _number(str(value), None)  # type: ignore[arg-type]
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
                {
                    "left": Text(_text(sub), _FORMATS.get(sub.get("format") or "", prompt.fmt)),
                    "right": _text(sub, "answer/text"),
                }
                for sub in element.findall("subquestion")
            ]
        }
    elif kind == "essay":
        spec.data = {"grader_info": _rich(element, "graderinfo", prompt.fmt)}
    elif kind == "cloze":
        # Moodle ignores <defaultgrade> here: the question is worth the sum of its gaps' weights.
        spec.data = {"text": prompt}
        spec.mark = float(total_weight(prompt))
    return spec


# ---------------------------------------------------------------- writing


def _add_text_with_media(parent, tag: str, text: str, fmt: str | None, media_of, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, **({"format": fmt} if fmt else {}), **attrs)
    names = []
    if media_of is not None and text:
        names = [name for name in dict.fromkeys(MEDIA_REF.findall(text)) if media_of(name) is not None]
        for name in names:
            text = text.replace(f"../media/{name}", f"media/{name}")
            text = text.replace(f"media/{name}", f"@@PLUGINFILE@@/{quote(name)}")
    ET.SubElement(element, "text").text = text
    for name in names:
        # Moodle keeps a text's files beside it, base64-encoded.
        file = ET.SubElement(element, "file", name=name, path="/", encoding="base64")
        file.text = base64.b64encode(media_of(name)).decode("ascii")
    return element


def write(questions, category_of=lambda q: "", media_of=None) -> str:
    """Questions as a Moodle XML file that Moodle and this reader both import.

    media_of(name) gives the bytes of a course media file the texts link to: such files are
    embedded as Moodle does, and their links become @@PLUGINFILE@@ links.
    """

    def _add_text(parent, tag, text, fmt=None, **attrs):
        return _add_text_with_media(parent, tag, text, fmt, media_of, **attrs)

    def _answer(parent, fraction, text, feedback, fmt):
        answer = _add_text(parent, "answer", text, fmt, fraction=format_number(round(fraction * 100, 5)))
        _add_text(answer, "feedback", feedback, fmt)
        return answer

    root = ET.Element("quiz")
    current = None
    for q in questions:
        category = category_of(q)
        if category and category != current:
            element = ET.SubElement(root, "question", type="category")
            _add_text(element, "category", f"$course$/top/{category}")
            current = category
        qtype = QuestionType(q.qtype)
        fmt = _WRITE_FORMATS[TextFormat(q.text_format)]
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
        elif qtype == QuestionType.CLOZE:
            pass  # the gaps are in the question text, as Moodle writes them
        elif qtype == QuestionType.ESSAY:
            ET.SubElement(element, "responseformat").text = "editor"
            _add_text(element, "graderinfo", data.get("grader_info", ""), fmt)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
