"""Grading is a pure function of (snapshot, answers): every type, including the edge cases."""

import random

import pytest
from werkzeug.datastructures import MultiDict

from lms.quizzes import grading
from lms.quizzes.types import strategy
from lms.quizzes.types.base import BadAnswer, normalise, parse_number


def snap(qtype, data, mark=1.0, shuffle=False):
    kind = strategy(qtype)
    cleaned, problems = kind.clean(data)
    assert not problems
    rendered = kind.render(cleaned, lambda text: f"<p>{text}</p>")
    result = kind.snapshot(rendered, shuffle=shuffle, rng=random.Random(1))
    result.update(type=qtype, mark=mark, name="q", prompt_html="<p>?</p>", general_feedback_html="")
    return result


def token_of(s, text):
    return next(o["token"] for o in s["options"] if o["html"] == text)


def grade(s, response):
    return grading.grade_item(s, response)


MULTI = {
    "options": [
        {"text": "A", "fraction": 0.5},
        {"text": "B", "fraction": 0.5},
        {"text": "C", "fraction": -1},
        {"text": "D", "fraction": -1},
    ]
}


class TestChoices:
    def test_single(self):
        s = snap(
            "single",
            {
                "options": [
                    {"text": "A", "fraction": 1},
                    {"text": "B", "fraction": 0.5},
                    {"text": "C", "fraction": -0.5},
                ]
            },
            mark=2,
        )
        assert grade(s, token_of(s, "A")).score == 2
        assert grade(s, token_of(s, "B")).score == 1
        assert grade(s, token_of(s, "C")).score == 0  # negative clamps at zero
        assert grade(s, None).score == 0

    def test_multiple_partial_credit_and_penalties(self):
        s = snap("multiple", MULTI)
        a, b, c = token_of(s, "A"), token_of(s, "B"), token_of(s, "C")
        assert grade(s, [a, b]).fraction == 1
        assert grade(s, [a]).fraction == 0.5
        assert grade(s, [a, c]).fraction == 0  # 0.5 - 1 clamps at zero
        assert grade(s, None).fraction == 0

    def test_multiple_all_options_picked_scores_zero(self):
        s = snap("multiple", MULTI)
        assert grade(s, [o["token"] for o in s["options"]]).fraction == 0

    def test_clean_refuses_bad_weights(self):
        _, problems = strategy("multiple").clean(
            {"options": [{"text": "A", "fraction": 0.5}, {"text": "B", "fraction": 0.2}]}
        )
        assert problems
        _, problems = strategy("single").clean(
            {"options": [{"text": "A", "fraction": 0.5}, {"text": "B", "fraction": 0}]}
        )
        assert problems

    def test_parse_refuses_unknown_options(self):
        s = snap("single", {"options": [{"text": "A", "fraction": 1}, {"text": "B", "fraction": 0}]})
        with pytest.raises(BadAnswer):
            strategy("single").parse(s, MultiDict({"answer": "forged"}))
        with pytest.raises(BadAnswer):
            strategy("single").parse(
                s, MultiDict([("answer", token_of(s, "A")), ("answer", token_of(s, "B"))])
            )
        m = snap("multiple", MULTI)
        with pytest.raises(BadAnswer):
            strategy("multiple").parse(m, MultiDict([("answer", token_of(m, "A")), ("answer", "x")]))

    def test_tokens_are_fresh_per_attempt(self):
        one, two = (
            snap("single", MULTI | {"options": [{"text": "A", "fraction": 1}, {"text": "B"}]}),
            snap("single", {"options": [{"text": "A", "fraction": 1}, {"text": "B"}]}),
        )
        assert {o["token"] for o in one["options"]}.isdisjoint({o["token"] for o in two["options"]})


class TestTrueFalse:
    def test_grades(self):
        s = snap("truefalse", {"correct": False, "feedback_true": "Keliru", "feedback_false": "Tepat"})
        assert grade(s, "false").fraction == 1
        assert grade(s, "true").fraction == 0
        assert grade(s, None).fraction == 0
        assert strategy("truefalse").feedback(s, "true") == ["<p>Keliru</p>"]
        with pytest.raises(BadAnswer):
            strategy("truefalse").parse(s, MultiDict({"answer": "mungkin"}))


class TestShortAnswer:
    S = {
        "answers": [
            {"text": "Perekat Bangsa", "fraction": 1},
            {"text": "PB", "fraction": 0.5},
            {"text": "sosial*", "fraction": 0.25},
        ]
    }

    @pytest.mark.parametrize(
        ("given", "fraction"),
        [
            ("Perekat Bangsa", 1),
            ("  perekat   BANGSA ", 1),
            ("Perékat Bangsà", 1),
            ("pb", 0.5),
            ("Sosial kultural", 0.25),
            ("Integritas", 0),
            ("", 0),
            (None, 0),
        ],
    )
    def test_normalised_matching_and_several_answers(self, given, fraction):
        assert grade(snap("shortanswer", self.S), given).fraction == fraction

    def test_case_sensitive_when_asked(self):
        s = snap("shortanswer", {"answers": [{"text": "SIASN", "fraction": 1}], "case_sensitive": True})
        assert grade(s, "siasn").fraction == 0
        assert grade(s, "SIASN").fraction == 1

    def test_normalise(self):
        assert normalise("  Ça  Va ") == "ca va"


class TestNumerical:
    S = {
        "answers": [
            {"value": 1822, "tolerance": 0, "fraction": 1},
            {"value": 1822, "tolerance": 2, "fraction": 0.5},
            {"min": 3.141, "max": 3.142, "fraction": 1},
        ]
    }

    @pytest.mark.parametrize(
        ("given", "fraction"),
        [
            ("1822", 1),
            ("1823", 0.5),
            ("1820", 0.5),
            ("1819", 0),
            ("3,1415", 1),
            ("3.1425", 0),
            ("abc", 0),
            ("", 0),
            (None, 0),
            ("1e3", 0),
            ("1822.0", 1),
        ],
    )
    def test_tolerance_and_ranges(self, given, fraction):
        assert grade(snap("numerical", self.S), given).fraction == fraction

    def test_parse_number(self):
        assert parse_number("3,5") == 3.5
        assert parse_number(" -2 ") == -2
        assert parse_number("inf") is None
        assert parse_number("1,000.5") is None


class TestMatching:
    S = {
        "pairs": [
            {"left": "Kanada", "right": "Ottawa"},
            {"left": "Italia", "right": "Roma"},
            {"left": "Jepang", "right": "Tokyo"},
            {"left": "", "right": "Jakarta"},
        ]
    }

    def answer(self, s, wrong=0):
        stems = s["stems"]
        result = {st["token"]: st["answer"] for st in stems}
        for st in stems[:wrong]:
            result[st["token"]] = next(c["token"] for c in s["choices"] if c["token"] != st["answer"])
        return result

    def test_partial_credit_per_pair(self):
        s = snap("matching", self.S)
        assert len(s["choices"]) == 4  # the distractor is offered too
        assert grade(s, self.answer(s)).fraction == 1
        assert grade(s, self.answer(s, wrong=1)).fraction == pytest.approx(2 / 3)
        assert grade(s, None).fraction == 0

    def test_parse_refuses_forged_stems_and_choices(self):
        s = snap("matching", self.S)
        kind = strategy("matching")
        with pytest.raises(BadAnswer):
            kind.parse(s, MultiDict({"match-forged": s["choices"][0]["token"]}))
        with pytest.raises(BadAnswer):
            kind.parse(s, MultiDict({f"match-{s['stems'][0]['token']}": "forged"}))


class TestEssay:
    def test_needs_a_person_unless_empty(self):
        s = snap("essay", {})
        assert grade(s, "Jawaban saya").fraction is None
        assert grade(s, None).fraction == 0
        assert grading.grade_item(s, "Jawaban", manual_score=5).score == 1  # clamped to the mark


class TestAttemptTotals:
    def test_pending_and_totals(self):
        tf = snap("truefalse", {"correct": True}, mark=2)
        essay = snap("essay", {}, mark=3)
        result = grading.grade_attempt([tf, essay], ["true", "Esai"])
        assert (result.score, result.max_score, result.pending) == (2, 5, True)
        result = grading.grade_attempt([tf, essay], ["true", "Esai"], [None, 1.5])
        assert (result.score, result.pending, result.percent) == (3.5, False, 70.0)

    def test_pure_same_input_same_output(self):
        s = snap("multiple", MULTI)
        response = [s["options"][0]["token"]]
        assert grading.grade_item(s, response) == grading.grade_item(s, response)

    @pytest.mark.parametrize(("method", "expected"), [("highest", 80), ("last", 40), ("average", 60)])
    def test_quiz_grade_methods(self, method, expected):
        assert grading.quiz_grade(method, [60, 80, 40]) == expected
        assert grading.quiz_grade(method, []) is None
