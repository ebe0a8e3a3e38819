"""Typed answers: short answer (patterns) and numerical (tolerances, units)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import escape

from ..models import QuestionType
from .base import (
    ANSWER_MAX,
    BadAnswer,
    QuestionTypeBase,
    format_number,
    fraction_value,
    full_marks,
    normalise,
    parse_number,
    pattern,
    single_value,
    text_value,
)

# ---------------------------------------------------------------- short answer


_pattern = pattern


class ShortAnswer(QuestionTypeBase):
    qtype = QuestionType.SHORTANSWER

    def clean(self, data):
        problems = []
        answers = []
        raw = data.get("answers") if isinstance(data.get("answers"), list) else []
        for n, item in enumerate(raw, start=1):
            if not isinstance(item, Mapping) or not text_value(item.get("text")):
                continue
            fraction = fraction_value(item.get("fraction", 1))
            if fraction is None or not 0 <= fraction <= 1:
                problems.append(str(_l("Bobot jawaban %(n)d harus antara 0%% dan 100%%.", n=n)))
                fraction = 0.0
            text = text_value(item["text"])
            if len(text) > ANSWER_MAX:
                problems.append(str(_l("Jawaban %(n)d terlalu panjang.", n=n)))
            answers.append(
                {
                    "id": f"s{len(answers) + 1}",
                    "text": text,
                    "fraction": fraction,
                    "feedback": text_value(item.get("feedback")),
                }
            )
        if not answers:
            problems.append(str(_l("Tulis minimal satu jawaban yang diterima.")))
        elif not full_marks(max(a["fraction"] for a in answers), 1):
            problems.append(str(_l("Minimal satu jawaban yang diterima harus bernilai 100%.")))
        return {"answers": answers, "case_sensitive": bool(data.get("case_sensitive"))}, problems

    def render(self, data, render):
        for answer in data["answers"]:
            answer["feedback_html"] = render(answer["feedback"]) if answer.get("feedback") else ""
        return data

    def snapshot(self, data, *, shuffle, rng):
        return {
            "answers": [
                {
                    "id": a["id"],
                    "text": a["text"],
                    "fraction": a["fraction"],
                    "feedback_html": a.get("feedback_html", ""),
                }
                for a in data["answers"]
            ],
            "case_sensitive": data.get("case_sensitive", False),
        }

    def parse(self, snap, values):
        value = single_value(values, "answer")
        if value is None or not value.strip():
            return None
        if len(value) > ANSWER_MAX:
            raise BadAnswer("answer too long")
        return value.strip()

    def _match(self, snap, response) -> dict | None:
        if not response:
            return None
        case = snap.get("case_sensitive", False)
        given = normalise(response, case_sensitive=case)
        best = None
        for answer in snap["answers"]:
            if _pattern(answer["text"], case).fullmatch(given) and (
                best is None or answer["fraction"] > best["fraction"]
            ):
                best = answer
        return best

    def grade(self, snap, response):
        found = self._match(snap, response)
        return found["fraction"] if found else 0.0

    def feedback(self, snap, response):
        found = self._match(snap, response)
        return [found["feedback_html"]] if found and found.get("feedback_html") else []

    def right_answer(self, snap):
        return str(escape(next(a["text"] for a in snap["answers"] if a["fraction"] >= 0.999)))

    def choice_keys(self, snap, response):
        found = self._match(snap, response)
        return [found["id"]] if found else (["other"] if response else [])

    def choice_labels(self, snap):
        labels = {a["id"]: str(escape(a["text"])) for a in snap["answers"]}
        labels["other"] = str(_l("Jawaban lain"))
        return labels


class Numerical(QuestionTypeBase):
    qtype = QuestionType.NUMERICAL

    def clean(self, data):
        problems = []
        answers = []
        raw = data.get("answers") if isinstance(data.get("answers"), list) else []
        for n, item in enumerate(raw, start=1):
            if not isinstance(item, Mapping):
                continue
            fraction = fraction_value(item.get("fraction", 1))
            if fraction is None or not 0 <= fraction <= 1:
                problems.append(str(_l("Bobot jawaban %(n)d harus antara 0%% dan 100%%.", n=n)))
                fraction = 0.0
            entry: dict[str, Any] = {
                "id": f"n{len(answers) + 1}",
                "fraction": fraction,
                "feedback": text_value(item.get("feedback")),
            }
            if "min" in item or "max" in item:
                low, high = fraction_value(item.get("min")), fraction_value(item.get("max"))
                if low is None or high is None or low > high:
                    problems.append(
                        str(_l("Rentang jawaban %(n)d tidak valid (batas bawah..batas atas).", n=n))
                    )
                    continue
                entry.update(min=low, max=high)
            else:
                value, tolerance = (
                    fraction_value(item.get("value")),
                    fraction_value(item.get("tolerance", 0) or 0),
                )
                if value is None:
                    problems.append(str(_l("Jawaban %(n)d harus berupa angka.", n=n)))
                    continue
                if tolerance is None or tolerance < 0:
                    problems.append(str(_l("Toleransi jawaban %(n)d harus angka 0 atau lebih.", n=n)))
                    continue
                entry.update(value=value, tolerance=tolerance)
            answers.append(entry)
        if not answers and not problems:
            problems.append(str(_l("Tulis minimal satu jawaban angka.")))
        elif answers and not full_marks(max(a["fraction"] for a in answers), 1):
            problems.append(str(_l("Minimal satu jawaban harus bernilai 100%.")))
        return {"answers": answers, "wrong_feedback": text_value(data.get("wrong_feedback"))}, problems

    def render(self, data, render):
        for answer in data["answers"]:
            answer["feedback_html"] = render(answer["feedback"]) if answer.get("feedback") else ""
        data["wrong_feedback_html"] = render(data["wrong_feedback"]) if data.get("wrong_feedback") else ""
        return data

    @staticmethod
    def bounds(answer: dict) -> tuple[float, float]:
        if "min" in answer:
            return answer["min"], answer["max"]
        return answer["value"] - answer["tolerance"], answer["value"] + answer["tolerance"]

    def snapshot(self, data, *, shuffle, rng):
        answers = []
        for a in data["answers"]:
            low, high = self.bounds(a)
            label = (
                f"{format_number(a['min'])}..{format_number(a['max'])}"
                if "min" in a
                else format_number(a["value"])
                + (f" ± {format_number(a['tolerance'])}" if a["tolerance"] else "")
            )
            answers.append(
                {
                    "id": a["id"],
                    "min": low,
                    "max": high,
                    "fraction": a["fraction"],
                    "label": label,
                    "feedback_html": a.get("feedback_html", ""),
                }
            )
        return {"answers": answers, "wrong_feedback_html": data.get("wrong_feedback_html", "")}

    def parse(self, snap, values):
        value = single_value(values, "answer")
        if value is None or not value.strip():
            return None
        if len(value) > 100:
            raise BadAnswer("answer too long")
        return value.strip()

    def _match(self, snap, response) -> dict | None:
        number = parse_number(response) if response else None
        if number is None:
            return None
        best = None
        for answer in snap["answers"]:
            slack = 1e-9 * max(1.0, abs(answer["min"]), abs(answer["max"]))
            if answer["min"] - slack <= number <= answer["max"] + slack and (
                best is None or answer["fraction"] > best["fraction"]
            ):
                best = answer
        return best

    def grade(self, snap, response):
        found = self._match(snap, response)
        return found["fraction"] if found else 0.0

    def feedback(self, snap, response):
        if response is None:
            return []
        found = self._match(snap, response)
        html = found.get("feedback_html") if found else snap.get("wrong_feedback_html")
        return [html] if html else []

    def right_answer(self, snap):
        return next(a["label"] for a in snap["answers"] if a["fraction"] >= 0.999)

    def choice_keys(self, snap, response):
        found = self._match(snap, response)
        return [found["id"]] if found else (["other"] if response else [])

    def choice_labels(self, snap):
        labels = {a["id"]: a["label"] for a in snap["answers"]}
        labels["other"] = str(_l("Jawaban lain"))
        return labels
