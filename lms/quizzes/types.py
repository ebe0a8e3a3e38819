"""One strategy class per question type.

A question's definition (`Question.data`) is validated by `clean`, which returns problems as
text. When an attempt starts, `snapshot` copies the question into the attempt with fresh random
tokens for options, so markup never tells which option is which across attempts, and the order is
shuffled when asked. `public` is all a page or the API may show before grading: no fractions, no
accepted answers, no feedback. `parse` turns submitted form values into a stored response and
refuses anything that does not belong to the snapshot. `grade` is pure: (snapshot, response) ->
fraction in [0, 1], or None when a person must grade it (essays).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from .cloze import Cloze
from .models import QuestionType
from .typebase import (  # noqa: F401 - re-exported: the names other modules know from here
    ANSWER_MAX,
    ESSAY_MAX,
    OPTIONS_MAX,
    TEXT_MAX,
    WEIGHT_TOLERANCE,
    BadAnswer,
    QuestionTypeBase,
    Render,
    _fraction,
    _many,
    _single,
    _text,
    format_number,
    full_marks,
    inline,
    normalise,
    parse_number,
    token,
)
from .typebase import pattern as _pattern

# ---------------------------------------------------------------- choices


class ChoiceType(QuestionTypeBase):
    multiple = False

    def clean(self, data):
        problems: list[str] = []
        options = []
        raw = data.get("options") if isinstance(data.get("options"), list) else []
        for n, item in enumerate(raw, start=1):
            if not isinstance(item, Mapping):
                continue
            text = _text(item.get("text"))
            if not text:
                continue
            fraction = _fraction(item.get("fraction", 0))
            if fraction is None or not -1 <= fraction <= 1:
                problems.append(str(_l("Bobot pilihan %(n)d harus antara -100%% dan 100%%.", n=n)))
                fraction = 0.0
            if len(text) > TEXT_MAX:
                problems.append(str(_l("Pilihan %(n)d terlalu panjang.", n=n)))
            options.append(
                {
                    "id": _text(item.get("id")) or f"o{n}",
                    "text": text,
                    "fraction": fraction,
                    "feedback": _text(item.get("feedback")),
                }
            )
        if len(options) < 2:
            problems.append(str(_l("Tulis minimal dua pilihan jawaban.")))
        if len(options) > OPTIONS_MAX:
            problems.append(str(_l("Paling banyak %(n)d pilihan.", n=OPTIONS_MAX)))
        ids = [o["id"] for o in options]
        if len(set(ids)) != len(ids):
            for n, option in enumerate(options, start=1):
                option["id"] = f"o{n}"
        if options:
            if self.multiple:
                positive = sum(o["fraction"] for o in options if o["fraction"] > 0)
                if positive <= 0:
                    problems.append(str(_l("Minimal satu pilihan harus berbobot positif.")))
                elif not full_marks(positive, sum(1 for o in options if o["fraction"] > 0)):
                    problems.append(
                        str(
                            _l(
                                "Jumlah bobot pilihan yang benar harus 100%% (sekarang %(p)s%%): "
                                "jawaban yang sempurna tidak akan mendapat nilai penuh. Tulis "
                                "sepertiga sebagai 33.33333%%.",
                                p=format_number(round(positive * 100, 5)),
                            )
                        )
                    )
            elif not full_marks(max(o["fraction"] for o in options), 1):
                problems.append(str(_l("Tandai satu pilihan sebagai jawaban benar (100%).")))
        return {"options": options}, problems

    def render(self, data, render):
        for option in data["options"]:
            option["html"] = inline(render(option["text"]))
            option["feedback_html"] = render(option["feedback"]) if option.get("feedback") else ""
        return data

    def snapshot(self, data, *, shuffle, rng):
        options = [
            {
                "token": token(),
                "id": o["id"],
                "html": o["html"],
                "fraction": o["fraction"],
                "feedback_html": o.get("feedback_html", ""),
            }
            for o in data["options"]
        ]
        if shuffle:
            rng.shuffle(options)
        return {"options": options}

    def public(self, snap):
        return {
            "options": [{"token": o["token"], "html": o["html"]} for o in snap["options"]],
            "multiple": self.multiple,
        }

    def parse(self, snap, values):
        known = {o["token"] for o in snap["options"]}
        if self.multiple:
            chosen = _many(values, "answer")
            if len(chosen) > len(known) or not set(chosen) <= known:
                raise BadAnswer("unknown option")
            return sorted(set(chosen)) or None
        chosen = _single(values, "answer")
        if chosen in (None, ""):
            return None
        if chosen not in known:
            raise BadAnswer("unknown option")
        return chosen

    def _chosen(self, snap, response) -> list[dict]:
        picked = set(response if isinstance(response, list) else [response] if response else [])
        return [o for o in snap["options"] if o["token"] in picked]

    def grade(self, snap, response):
        chosen = self._chosen(snap, response)
        total = sum(o["fraction"] for o in chosen)
        if full_marks(total, len(chosen)):
            return 1.0  # thirds written 33.33333% add up to 0.9999999: that is full marks
        return min(max(total, 0.0), 1.0)

    def feedback(self, snap, response):
        return [o["feedback_html"] for o in self._chosen(snap, response) if o.get("feedback_html")]

    def right_answer(self, snap):
        best = [
            o["html"]
            for o in snap["options"]
            if (o["fraction"] > 0 if self.multiple else o["fraction"] >= 0.999)
        ]
        return "; ".join(best)

    def describe(self, snap, response):
        from ..content import plain_text

        return "; ".join(plain_text(o["html"]) for o in self._chosen(snap, response))

    def choice_keys(self, snap, response):
        return [o["id"] for o in self._chosen(snap, response)]

    def choice_labels(self, snap):
        return {o["id"]: o["html"] for o in snap["options"]}


class SingleChoice(ChoiceType):
    qtype = QuestionType.SINGLE


class MultipleChoice(ChoiceType):
    qtype = QuestionType.MULTIPLE
    multiple = True


# ---------------------------------------------------------------- true/false


class TrueFalse(QuestionTypeBase):
    qtype = QuestionType.TRUEFALSE

    def clean(self, data):
        correct = data.get("correct")
        problems = (
            [] if isinstance(correct, bool) else [str(_l("Pilih jawaban yang benar: Benar atau Salah."))]
        )
        return {
            "correct": bool(correct),
            "feedback_true": _text(data.get("feedback_true")),
            "feedback_false": _text(data.get("feedback_false")),
        }, problems

    def render(self, data, render):
        for key in ("feedback_true", "feedback_false"):
            data[f"{key}_html"] = render(data[key]) if data.get(key) else ""
        return data

    def snapshot(self, data, *, shuffle, rng):
        return {
            "correct": data["correct"],
            "feedback_true_html": data.get("feedback_true_html", ""),
            "feedback_false_html": data.get("feedback_false_html", ""),
        }

    def parse(self, snap, values):
        value = _single(values, "answer")
        if value in (None, ""):
            return None
        if value not in ("true", "false"):
            raise BadAnswer("true or false")
        return value

    def grade(self, snap, response):
        if response is None:
            return 0.0
        return 1.0 if (response == "true") == snap["correct"] else 0.0

    def feedback(self, snap, response):
        if response is None:
            return []
        html = snap["feedback_true_html"] if response == "true" else snap["feedback_false_html"]
        return [html] if html else []

    def right_answer(self, snap):
        return str(_l("Benar")) if snap["correct"] else str(_l("Salah"))

    def describe(self, snap, response):
        return {"true": str(_l("Benar")), "false": str(_l("Salah"))}.get(response, "")

    def choice_keys(self, snap, response):
        return [response] if response else []

    def choice_labels(self, snap):
        return {"true": str(_l("Benar")), "false": str(_l("Salah"))}


# ---------------------------------------------------------------- short answer


class ShortAnswer(QuestionTypeBase):
    qtype = QuestionType.SHORTANSWER

    def clean(self, data):
        problems = []
        answers = []
        raw = data.get("answers") if isinstance(data.get("answers"), list) else []
        for n, item in enumerate(raw, start=1):
            if not isinstance(item, Mapping) or not _text(item.get("text")):
                continue
            fraction = _fraction(item.get("fraction", 1))
            if fraction is None or not 0 <= fraction <= 1:
                problems.append(str(_l("Bobot jawaban %(n)d harus antara 0%% dan 100%%.", n=n)))
                fraction = 0.0
            text = _text(item["text"])
            if len(text) > ANSWER_MAX:
                problems.append(str(_l("Jawaban %(n)d terlalu panjang.", n=n)))
            answers.append(
                {
                    "id": f"s{len(answers) + 1}",
                    "text": text,
                    "fraction": fraction,
                    "feedback": _text(item.get("feedback")),
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
        value = _single(values, "answer")
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
        from markupsafe import escape

        return str(escape(next(a["text"] for a in snap["answers"] if a["fraction"] >= 0.999)))

    def choice_keys(self, snap, response):
        found = self._match(snap, response)
        return [found["id"]] if found else (["other"] if response else [])

    def choice_labels(self, snap):
        from markupsafe import escape

        labels = {a["id"]: str(escape(a["text"])) for a in snap["answers"]}
        labels["other"] = str(_l("Jawaban lain"))
        return labels


# ---------------------------------------------------------------- numerical


class Numerical(QuestionTypeBase):
    qtype = QuestionType.NUMERICAL

    def clean(self, data):
        problems = []
        answers = []
        raw = data.get("answers") if isinstance(data.get("answers"), list) else []
        for n, item in enumerate(raw, start=1):
            if not isinstance(item, Mapping):
                continue
            fraction = _fraction(item.get("fraction", 1))
            if fraction is None or not 0 <= fraction <= 1:
                problems.append(str(_l("Bobot jawaban %(n)d harus antara 0%% dan 100%%.", n=n)))
                fraction = 0.0
            entry: dict[str, Any] = {
                "id": f"n{len(answers) + 1}",
                "fraction": fraction,
                "feedback": _text(item.get("feedback")),
            }
            if "min" in item or "max" in item:
                low, high = _fraction(item.get("min")), _fraction(item.get("max"))
                if low is None or high is None or low > high:
                    problems.append(
                        str(_l("Rentang jawaban %(n)d tidak valid (batas bawah..batas atas).", n=n))
                    )
                    continue
                entry.update(min=low, max=high)
            else:
                value, tolerance = _fraction(item.get("value")), _fraction(item.get("tolerance", 0) or 0)
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
        return {"answers": answers, "wrong_feedback": _text(data.get("wrong_feedback"))}, problems

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
        value = _single(values, "answer")
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


# ---------------------------------------------------------------- matching


class Matching(QuestionTypeBase):
    qtype = QuestionType.MATCHING

    def clean(self, data):
        problems = []
        pairs = []
        raw = data.get("pairs") if isinstance(data.get("pairs"), list) else []
        for n, item in enumerate(raw, start=1):
            if not isinstance(item, Mapping):
                continue
            left, right = _text(item.get("left")), _text(item.get("right"))
            if not left and not right:
                continue
            if not right:
                problems.append(str(_l("Pasangan %(n)d belum memiliki jawaban di sisi kanan.", n=n)))
                continue
            if len(left) > TEXT_MAX or len(right) > ANSWER_MAX:
                problems.append(str(_l("Pasangan %(n)d terlalu panjang.", n=n)))
            # An empty left side is a distractor: an extra answer that matches nothing.
            pairs.append({"id": f"p{len(pairs) + 1}", "left": left, "right": right})
        if sum(1 for p in pairs if p["left"]) < 2:
            problems.append(str(_l("Tulis minimal dua pasangan.")))
        return {"pairs": pairs}, problems

    def render(self, data, render):
        for pair in data["pairs"]:
            pair["left_html"] = inline(render(pair["left"])) if pair["left"] else ""
        return data

    def snapshot(self, data, *, shuffle, rng):
        choices: dict[str, dict] = {}
        for pair in data["pairs"]:
            choices.setdefault(pair["right"], {"token": token(), "text": pair["right"]})
        stems = [
            {"token": token(), "id": p["id"], "html": p["left_html"], "answer": choices[p["right"]]["token"]}
            for p in data["pairs"]
            if p["left"]
        ]
        ordered = list(choices.values())
        # Always shuffled: in the written order the right column would give the pairs away.
        rng.shuffle(ordered)
        if shuffle:
            rng.shuffle(stems)
        return {"stems": stems, "choices": ordered}

    def public(self, snap):
        return {
            "stems": [{"token": s["token"], "html": s["html"]} for s in snap["stems"]],
            "choices": [{"token": c["token"], "text": c["text"]} for c in snap["choices"]],
        }

    def parse(self, snap, values):
        known = {c["token"] for c in snap["choices"]}
        stems = {s["token"] for s in snap["stems"]}
        keys = list(values.keys()) if hasattr(values, "keys") else []
        for key in keys:
            if key.startswith("match-") and key[6:] not in stems:
                raise BadAnswer("unknown stem")
        answer = {}
        for stem in stems:
            value = _single(values, f"match-{stem}")
            if value in (None, ""):
                continue
            if value not in known:
                raise BadAnswer("unknown choice")
            answer[stem] = value
        return answer or None

    def grade(self, snap, response):
        if not snap["stems"]:
            return 0.0
        response = response or {}
        right = sum(1 for s in snap["stems"] if response.get(s["token"]) == s["answer"])
        return right / len(snap["stems"])

    def _text_of(self, snap, choice_token):
        return next((c["text"] for c in snap["choices"] if c["token"] == choice_token), "")

    def right_answer(self, snap):
        from markupsafe import escape

        return "; ".join(f"{s['html']} → {escape(self._text_of(snap, s['answer']))}" for s in snap["stems"])

    def describe(self, snap, response):
        from ..content import plain_text

        response = response or {}
        return "; ".join(
            f"{plain_text(s['html'])} → {self._text_of(snap, response.get(s['token']))}"
            for s in snap["stems"]
            if response.get(s["token"])
        )

    def choice_keys(self, snap, response):
        response = response or {}
        return [s["id"] for s in snap["stems"] if response.get(s["token"]) == s["answer"]]

    def choice_labels(self, snap):
        return {s["id"]: str(_l("%(stem)s dijodohkan benar", stem=s["html"])) for s in snap["stems"]}


# ---------------------------------------------------------------- essay


class Essay(QuestionTypeBase):
    qtype = QuestionType.ESSAY
    auto = False

    def clean(self, data):
        return {"grader_info": _text(data.get("grader_info"))}, []

    def render(self, data, render):
        data["grader_info_html"] = render(data["grader_info"]) if data.get("grader_info") else ""
        return data

    def snapshot(self, data, *, shuffle, rng):
        return {"grader_info_html": data.get("grader_info_html", "")}

    def parse(self, snap, values):
        value = _single(values, "answer")
        if value is None or not value.strip():
            return None
        if len(value) > ESSAY_MAX:
            raise BadAnswer("essay too long")
        return value.replace("\r\n", "\n").strip()

    def grade(self, snap, response):
        return 0.0 if response is None else None


TYPES: dict[QuestionType, QuestionTypeBase] = {
    t.qtype: t
    for t in (
        SingleChoice(),
        MultipleChoice(),
        TrueFalse(),
        ShortAnswer(),
        Numerical(),
        Matching(),
        Essay(),
        Cloze(),
    )
}


def strategy(qtype: str | QuestionType) -> QuestionTypeBase:
    return TYPES[QuestionType(qtype)]
