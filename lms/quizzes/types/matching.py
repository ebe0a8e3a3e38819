"""Matching and essay questions."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from markupsafe import escape

from ...content import plain_text
from ..models import QuestionType
from .base import (
    ANSWER_MAX,
    ESSAY_MAX,
    TEXT_MAX,
    BadAnswer,
    QuestionTypeBase,
    inline,
    single_value,
    text_value,
    token,
)

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
            left, right = text_value(item.get("left")), text_value(item.get("right"))
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
            value = single_value(values, f"match-{stem}")
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
        return "; ".join(f"{s['html']} → {escape(self._text_of(snap, s['answer']))}" for s in snap["stems"])

    def describe(self, snap, response):
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
        return {"grader_info": text_value(data.get("grader_info"))}, []

    def render(self, data, render):
        data["grader_info_html"] = render(data["grader_info"]) if data.get("grader_info") else ""
        return data

    def snapshot(self, data, *, shuffle, rng):
        return {"grader_info_html": data.get("grader_info_html", "")}

    def parse(self, snap, values):
        value = single_value(values, "answer")
        if value is None or not value.strip():
            return None
        if len(value) > ESSAY_MAX:
            raise BadAnswer("essay too long")
        return value.replace("\r\n", "\n").strip()

    def grade(self, snap, response):
        return 0.0 if response is None else None
