"""Embedded answers ("cloze", Moodle's multianswer): gaps written in the question text itself.

    Ibu kota Papua adalah {1:SHORTANSWER:=Jayapura#Benar~%50%Port Numbay#Nama lama}.

Read as Moodle's qtype_multianswer reads it (question/type/multianswer/questiontype.php): a gap is
{weight:TYPE:alternatives}; the weight (default 1) is the gap's share of the question's marks;
alternatives are separated by "~", each starts with "=" (100 %) or "%n%" (n %, default 0), then
the answer, then "#feedback". "\\}", "\\#" and "\\~" escape; "&"/"&amp;" before "#" or "~" are part
of an HTML entity, not separators. Types: SHORTANSWER/SA/MW, SHORTANSWER_C/SAC/MWC (case matters),
NUMERICAL/NM ("answer:tolerance", "*" for any other answer), MULTICHOICE/MC (drop-down), _V/MCV
(vertical), _H/MCH (horizontal), their shuffled variants MULTICHOICE_S/MCS, _VS/MCVS, _HS/MCHS,
and MULTIRESPONSE/MR, _H/MRH, _S/MRS, _HS/MRHS (several answers). As in Moodle, positive weights
of a MULTIRESPONSE gap are scaled to add up to 100 % and, when no weight is written, each wrong
option takes back one right one.

The question text is stored as written (what the editor shows and the writers export); `clean`
derives the gaps and a template where each gap is a marker, so the rendered HTML can be cut into
chunks and the attempt page puts an input, a drop-down or a group of boxes in each place. A gap is
graded like the question type it stands for, and the question's fraction is the gaps' fractions
weighted by their weights.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import escape

from ...content import plain_text
from ..models import QuestionType
from .base import (
    ANSWER_MAX,
    OPTIONS_MAX,
    TEXT_MAX,
    BadAnswer,
    QuestionTypeBase,
    format_number,
    full_marks,
    inline,
    many_values,
    normalise,
    parse_number,
    pattern,
    single_value,
    token,
)

GAPS_MAX = 50
# Moodle's type names -> (kind, options). Shuffled and layout variants of MULTICHOICE and
# MULTIRESPONSE differ only in how the choices are shown.
_KINDS: dict[str, tuple[str, dict]] = {}
for _names, _kind, _options in (
    (("NUMERICAL", "NM"), "numerical", {}),
    (("SHORTANSWER", "SA", "MW"), "shortanswer", {"case_sensitive": False}),
    (("SHORTANSWER_C", "SAC", "MWC"), "shortanswer", {"case_sensitive": True}),
    (("MULTICHOICE", "MC"), "choice", {"layout": "dropdown"}),
    (("MULTICHOICE_V", "MCV"), "choice", {"layout": "vertical"}),
    (("MULTICHOICE_H", "MCH"), "choice", {"layout": "horizontal"}),
    (("MULTICHOICE_S", "MCS"), "choice", {"layout": "dropdown", "shuffle": True}),
    (("MULTICHOICE_VS", "MCVS"), "choice", {"layout": "vertical", "shuffle": True}),
    (("MULTICHOICE_HS", "MCHS"), "choice", {"layout": "horizontal", "shuffle": True}),
    (("MULTIRESPONSE", "MR"), "choice", {"layout": "vertical", "multiple": True}),
    (("MULTIRESPONSE_H", "MRH"), "choice", {"layout": "horizontal", "multiple": True}),
    (("MULTIRESPONSE_S", "MRS"), "choice", {"layout": "vertical", "multiple": True, "shuffle": True}),
    (("MULTIRESPONSE_HS", "MRHS"), "choice", {"layout": "horizontal", "multiple": True, "shuffle": True}),
):
    for _name in _names:
        _KINDS[_name] = (_kind, _options)

_GAP_START = re.compile(r"\{([0-9]*):([A-Z_]+):")
_FRACTION = re.compile(r"^%(-?[0-9]+(?:[.,][0-9]*)?)%")
_NUMBER = r"-?(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"
_NUMERICAL = re.compile(rf"^({_NUMBER})(?::({_NUMBER}))?$")
_MARK = re.compile("\u27e6([0-9]+)\u27e7")  # ⟦n⟧: where gap n goes in the template


def _mark(n: int) -> str:
    return f"\u27e6{n}\u27e7"


def _closing(text: str, start: int) -> int:
    """Index of the "}" that ends a gap body starting at start (-1 when there is none)."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "}":
            return i
        i += 1
    return -1


def _separator(current: str, char: str, in_feedback: bool) -> bool:
    if char == "~":
        return in_feedback or not current.endswith(("&", "&amp;"))
    return char == "#" and not in_feedback and not current.endswith(("&", "&amp;"))


def _alternatives(body: str) -> list[tuple[str, str]]:
    """(answer with its weight prefix, feedback) of every alternative of a gap body."""
    found: list[tuple[str, str]] = []
    answer, feedback, in_feedback, i = "", "", False, 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body) and body[i + 1] in "~#}\\":
            if in_feedback:
                feedback += body[i + 1]
            else:
                answer += body[i + 1]
            i += 2
            continue
        if _separator(feedback if in_feedback else answer, char, in_feedback):
            if char == "#":
                in_feedback = True
            else:
                found.append((answer, feedback))
                answer, feedback, in_feedback = "", "", False
        elif in_feedback:
            feedback += char
        else:
            answer += char
        i += 1
    found.append((answer, feedback))
    if found and not found[0][0].strip() and not found[0][1]:
        found.pop(0)  # Moodle allows a "~" before the first alternative
    return found


def _weighted(answer: str) -> tuple[float, bool, str]:
    """(fraction, whether a weight was written, the answer) of an alternative."""
    answer = answer.strip()
    if answer.startswith("="):
        return 1.0, True, answer[1:]
    found = _FRACTION.match(answer)
    if found:
        return float(found.group(1).replace(",", ".")) / 100, True, answer[found.end() :]
    return 0.0, False, answer


def _part(n: int, name: str, weight: int, body: str) -> tuple[dict, list[str]]:
    kind, options = _KINDS[name]
    problems: list[str] = []
    part: dict[str, Any] = {"kind": kind, "weight": weight, "type": name}
    answers: list[dict] = []
    specific = False
    for raw, feedback in _alternatives(body):
        fraction, written, text = _weighted(raw)
        specific = specific or (written and not raw.strip().startswith("="))
        text, feedback = html_lib.unescape(text).strip(), html_lib.unescape(feedback).strip()
        if not text:
            problems.append(str(_l("Rumpang %(n)d: ada jawaban yang kosong.", n=n)))
            continue
        if not -1 <= fraction <= 1:
            problems.append(str(_l("Rumpang %(n)d: bobot harus antara -100%% dan 100%%.", n=n)))
        entry: dict[str, Any] = {"fraction": fraction, "feedback": feedback}
        if kind == "numerical":
            found = _NUMERICAL.match(text.replace(" ", ""))
            if text == "*":
                entry["any"] = True
            elif found:
                entry["value"] = float(found.group(1).replace(",", "."))
                entry["tolerance"] = abs(float((found.group(2) or "0").replace(",", ".")))
            else:
                problems.append(str(_l("Rumpang %(n)d: jawaban '%(a)s' bukan angka.", n=n, a=text[:40])))
                continue
        else:
            if len(text) > (ANSWER_MAX if kind == "shortanswer" else TEXT_MAX):
                problems.append(str(_l("Rumpang %(n)d: jawaban terlalu panjang.", n=n)))
            entry["text"] = text
        answers.append(entry)
    if kind == "shortanswer":
        part["case_sensitive"] = options["case_sensitive"]
    if kind == "choice":
        multiple = options.get("multiple", False)
        part.update(multiple=multiple, layout=options["layout"], shuffle=options.get("shuffle", False))
        if multiple:
            total = sum(a["fraction"] for a in answers if a["fraction"] > 0)
            for a in answers:
                if total and a["fraction"] > 0:
                    a["fraction"] = a["fraction"] / total
                elif total and not specific:
                    a["fraction"] = -1.0 / total
        if len(answers) < 2:
            problems.append(str(_l("Rumpang %(n)d: tulis minimal dua pilihan.", n=n)))
        elif len(answers) > OPTIONS_MAX:
            problems.append(str(_l("Rumpang %(n)d: paling banyak %(m)d pilihan.", n=n, m=OPTIONS_MAX)))
    right = [a["fraction"] for a in answers if not a.get("any")]
    if answers and not (
        any(f > 0 for f in right) if part.get("multiple") else right and full_marks(max(right), 1)
    ):
        problems.append(
            str(_l("Rumpang %(n)d: minimal satu jawaban harus bernilai 100%% (nilai penuh).", n=n))
        )
    part["answers"] = answers
    return part, problems


def parse_gaps(text: str) -> tuple[str, list[dict], list[str]]:
    """(template with a marker per gap, the gaps, problems) of a question text."""
    template, parts, problems, pos = [], [], [], 0
    while True:
        found = _GAP_START.search(text, pos)
        if found is None:
            break
        name = found.group(2)
        if name not in _KINDS:
            problems.append(
                str(
                    _l(
                        "Jenis rumpang %(t)s tidak dikenal (gunakan SHORTANSWER, NUMERICAL, MULTICHOICE "
                        "atau MULTIRESPONSE dan variannya).",
                        t=name,
                    )
                )
            )
            pos = found.end()
            continue
        end = _closing(text, found.end())
        if end < 0:
            problems.append(
                str(
                    _l(
                        "Rumpang %(n)d tidak ditutup dengan } (tulis \\} untuk kurung kurawal).",
                        n=len(parts) + 1,
                    )
                )
            )
            break
        part, messages = _part(len(parts) + 1, name, int(found.group(1) or 1), text[found.end() : end])
        problems.extend(messages)
        parts.append(part)
        template.append(text[pos : found.start()] + _mark(len(parts)))
        pos = end + 1
    template.append(text[pos:])
    if not parts and not problems:
        problems.append(
            str(
                _l("Soal isian rumpang harus memuat minimal satu rumpang, misalnya {1:SHORTANSWER:=jawaban}.")
            )
        )
    if len(parts) > GAPS_MAX:
        problems.append(str(_l("Paling banyak %(n)d rumpang dalam satu soal.", n=GAPS_MAX)))
    return "".join(template), parts, problems


def total_weight(text: str) -> int:
    """Moodle's mark of a cloze question: the sum of its gaps' weights (1 when it has none)."""
    return sum(part["weight"] for part in parse_gaps(text)[1]) or 1


def _numerical_label(answer: dict) -> str:
    if answer.get("any"):
        return "*"
    label = format_number(answer["value"])
    return label + (f" ± {format_number(answer['tolerance'])}" if answer["tolerance"] else "")


class Cloze(QuestionTypeBase):
    qtype = QuestionType.CLOZE

    # ------------------------------------------------------------ authoring
    def clean(self, data: Mapping) -> tuple[dict, list[str]]:
        text = data.get("text") if isinstance(data.get("text"), str) else ""
        template, parts, problems = parse_gaps(text.strip())
        return {"text": text.strip(), "template": template, "parts": parts}, problems

    def render(self, data: dict, render) -> dict:
        rendered = render(data["template"])
        chunks, pos = [], 0
        for found in _MARK.finditer(rendered):
            chunks.append({"html": rendered[pos : found.start()], "gap": int(found.group(1))})
            pos = found.end()
        chunks.append({"html": rendered[pos:], "gap": None})
        data["chunks"] = chunks
        data["display_html"] = _MARK.sub(lambda m: f"({m.group(1)}) _____", rendered)
        for part in data["parts"]:
            for answer in part["answers"]:
                answer["feedback_html"] = render(answer["feedback"]) if answer.get("feedback") else ""
                if part["kind"] == "choice":
                    answer["html"] = inline(render(answer["text"]))
                    answer["label"] = plain_text(answer["html"]) or answer["text"]
        return data

    def prompt_html(self, data: dict, html: str) -> str:
        return data.get("display_html", html)

    # ------------------------------------------------------------ attempts
    def snapshot(self, data, *, shuffle, rng):
        gaps = []
        for n, part in enumerate(data["parts"], start=1):
            gap = {k: v for k, v in part.items() if k not in ("answers", "type")}
            gap["n"] = n
            if part["kind"] == "choice":
                options = [
                    {
                        "token": token(),
                        "id": f"{n}.{i}",
                        "html": a["html"],
                        "label": a["label"],
                        "fraction": a["fraction"],
                        "feedback_html": a.get("feedback_html", ""),
                    }
                    for i, a in enumerate(part["answers"], start=1)
                ]
                if shuffle and part.get("shuffle"):
                    rng.shuffle(options)
                gap["options"] = options
            else:
                gap["answers"] = [dict(a, id=f"{n}.{i}") for i, a in enumerate(part["answers"], start=1)]
            gaps.append(gap)
        return {"chunks": data["chunks"], "gaps": gaps}

    def public(self, snap):
        gaps = {}
        for gap in snap["gaps"]:
            view = {"n": gap["n"], "kind": gap["kind"]}
            if gap["kind"] == "choice":
                view.update(
                    multiple=gap["multiple"],
                    layout=gap["layout"],
                    options=[
                        {"token": o["token"], "html": o["html"], "label": o["label"]} for o in gap["options"]
                    ],
                )
            gaps[gap["n"]] = view
        return {"chunks": snap["chunks"], "gaps": gaps}

    def parse(self, snap, values):
        gaps = {gap["n"]: gap for gap in snap["gaps"]}
        for key in list(values.keys()) if hasattr(values, "keys") else []:
            if key.startswith("gap-") and not (key[4:].isdigit() and int(key[4:]) in gaps):
                raise BadAnswer("unknown gap")
        response: dict[str, Any] = {}
        for n, gap in gaps.items():
            name = f"gap-{n}"
            if gap["kind"] == "choice":
                tokens = {o["token"] for o in gap["options"]}
                if gap["multiple"]:
                    chosen = many_values(values, name)
                    if len(chosen) > len(tokens) or not set(chosen) <= tokens:
                        raise BadAnswer("unknown option")
                    if chosen:
                        response[str(n)] = sorted(set(chosen))
                    continue
                value = single_value(values, name)
                if value in (None, ""):
                    continue
                if value not in tokens:
                    raise BadAnswer("unknown option")
                response[str(n)] = value
                continue
            value = single_value(values, name)
            if value is None or not value.strip():
                continue
            if len(value) > ANSWER_MAX:
                raise BadAnswer("answer too long")
            response[str(n)] = value.strip()
        return response or None

    @staticmethod
    def _given(response, n: int):
        return (response or {}).get(str(n)) if isinstance(response, dict) else None

    def _match(self, gap: dict, given) -> list[dict]:
        """What the answer to one gap matched: the best answer, or the chosen options."""
        if given in (None, "", []):
            return []
        if gap["kind"] == "choice":
            picked = set(given if isinstance(given, list) else [given])
            return [o for o in gap["options"] if o["token"] in picked]
        best = None
        if gap["kind"] == "shortanswer":
            case = gap.get("case_sensitive", False)
            typed = normalise(given, case_sensitive=case)
            for answer in gap["answers"]:
                if pattern(answer["text"], case).fullmatch(typed) and (
                    best is None or answer["fraction"] > best["fraction"]
                ):
                    best = answer
        else:
            number = parse_number(given)
            for answer in gap["answers"]:
                if answer.get("any"):
                    hit = True
                elif number is None:
                    hit = False
                else:
                    slack = 1e-9 * max(1.0, abs(answer["value"]))
                    hit = abs(number - answer["value"]) <= answer["tolerance"] + slack
                if hit and (best is None or answer["fraction"] > best["fraction"]):
                    best = answer
        return [best] if best else []

    def gap_fraction(self, gap: dict, given) -> float:
        matched = self._match(gap, given)
        total = sum(a["fraction"] for a in matched)
        if gap.get("multiple") and full_marks(total, len(matched)):
            return 1.0
        return min(max(total, 0.0), 1.0)

    def grade(self, snap, response):
        weights = sum(gap["weight"] for gap in snap["gaps"]) or 1
        earned = sum(
            gap["weight"] * self.gap_fraction(gap, self._given(response, gap["n"])) for gap in snap["gaps"]
        )
        return min(max(earned / weights, 0.0), 1.0)

    # ------------------------------------------------------------ review and analysis
    def feedback(self, snap, response):
        return [
            a["feedback_html"]
            for gap in snap["gaps"]
            for a in self._match(gap, self._given(response, gap["n"]))
            if a.get("feedback_html")
        ]

    def right_answer(self, snap):
        parts = []
        for gap in snap["gaps"]:
            n = gap["n"]
            if gap["kind"] == "choice":
                best = [
                    o["html"]
                    for o in gap["options"]
                    if (o["fraction"] > 0 if gap["multiple"] else o["fraction"] >= 0.999)
                ]
                parts.append(f"({n}) " + ", ".join(best))
            elif gap["kind"] == "shortanswer":
                best = max(gap["answers"], key=lambda a: a["fraction"])
                parts.append(f"({n}) {escape(best['text'])}")
            else:
                best = max((a for a in gap["answers"] if not a.get("any")), key=lambda a: a["fraction"])
                parts.append(f"({n}) {escape(_numerical_label(best))}")
        return "; ".join(parts)

    def describe(self, snap, response):
        parts = []
        for gap in snap["gaps"]:
            given = self._given(response, gap["n"])
            if given in (None, "", []):
                continue
            if gap["kind"] == "choice":
                given = ", ".join(o["label"] for o in self._match(gap, given))
            parts.append(f"({gap['n']}) {given}")
        return "; ".join(parts)

    def choice_keys(self, snap, response):
        keys = []
        for gap in snap["gaps"]:
            given = self._given(response, gap["n"])
            matched = self._match(gap, given)
            if matched:
                keys.extend(a["id"] for a in matched)
            elif given not in (None, "", []):
                keys.append(f"{gap['n']}.other")
        return keys

    def choice_labels(self, snap):
        labels = {}
        for gap in snap["gaps"]:
            n = gap["n"]
            for a in gap.get("options") or gap.get("answers"):
                text = a.get("html") or str(escape(a.get("text") or _numerical_label(a)))
                labels[a["id"]] = f"({n}) {text}"
            labels[f"{n}.other"] = str(_l("(%(n)d) jawaban lain", n=n))
        return labels
