"""Choice questions: single and multiple choice, true/false."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from ...content import plain_text
from ..models import QuestionType
from .base import (
    OPTIONS_MAX,
    TEXT_MAX,
    BadAnswer,
    QuestionTypeBase,
    format_number,
    fraction_value,
    full_marks,
    inline,
    many_values,
    single_value,
    text_value,
    token,
)

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
            text = text_value(item.get("text"))
            if not text:
                continue
            fraction = fraction_value(item.get("fraction", 0))
            if fraction is None or not -1 <= fraction <= 1:
                problems.append(str(_l("Bobot pilihan %(n)d harus antara -100%% dan 100%%.", n=n)))
                fraction = 0.0
            if len(text) > TEXT_MAX:
                problems.append(str(_l("Pilihan %(n)d terlalu panjang.", n=n)))
            options.append(
                {
                    "id": text_value(item.get("id")) or f"o{n}",
                    "text": text,
                    "fraction": fraction,
                    "feedback": text_value(item.get("feedback")),
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
            chosen = many_values(values, "answer")
            if len(chosen) > len(known) or not set(chosen) <= known:
                raise BadAnswer("unknown option")
            return sorted(set(chosen)) or None
        chosen = single_value(values, "answer")
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
            "feedback_true": text_value(data.get("feedback_true")),
            "feedback_false": text_value(data.get("feedback_false")),
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
        value = single_value(values, "answer")
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
