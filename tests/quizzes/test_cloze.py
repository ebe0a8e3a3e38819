"""Embedded answers (cloze, Moodle's "multianswer"): Moodle's own syntax inside the text, imported,
attempted on a server-rendered page, graded with partial credit per gap, analysed and exported.

Syntax as Moodle's qtype_multianswer reads it (question/type/multianswer/questiontype.php):
{weight:TYPE:alternatives}, alternatives separated by ~, each "=" (100 %) or "%n%" then the answer,
then "#feedback"; TYPE one of SHORTANSWER/SA/MW, SHORTANSWER_C/SAC/MWC, NUMERICAL/NM (answer:tolerance),
MULTICHOICE/MC, _V/MCV, _H/MCH, their shuffled _S variants, MULTIRESPONSE/MR (+ _H, _S, _HS).
"""

import random
import re

import pytest
import sqlalchemy as sa

from lms.courses import learning
from lms.extensions import db
from lms.quizzes import analysis, formats, services
from lms.quizzes.formats import gift, moodle_xml
from lms.quizzes.models import Attempt, AttemptItem, QuestionType, Visibility
from lms.quizzes.types import strategy

TEXT = (
    "Ibu kota Papua adalah {1:SHORTANSWER:=Jayapura#Benar sekali~%50%Port Numbay#Itu nama lama}. "
    "Satu JP sama dengan {2:NUMERICAL:=45:1#Tepat~%50%60#Itu satu jam} menit. "
    "Integritas adalah kompetensi {1:MC:Sosial kultural#Bukan~=Manajerial#Ya}. "
    "Nilai dasar ASN: {1:MR:%50%Akuntabel~%50%Kompeten~%-100%Malas}. "
    "Singkatan aparatur: {1:SAC:=ASN}."
)

XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="cloze">
    <name><text>Rumpang ASN</text></name>
    <questiontext format="html"><text><![CDATA[<p>{TEXT}</p>]]></text></questiontext>
    <generalfeedback format="html"><text><![CDATA[<p>Lihat UU ASN.</p>]]></text></generalfeedback>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
  </question>
</quiz>
"""


def parsed():
    (question,) = formats.parse(XML, "xml")
    return question


def test_moodle_xml_cloze_is_imported_with_every_gap(app):
    question = parsed()
    assert question.qtype is QuestionType.CLOZE and question.name == "Rumpang ASN"
    parts = question.data["parts"]
    assert [(p["kind"], p["weight"]) for p in parts] == [
        ("shortanswer", 1),
        ("numerical", 2),
        ("choice", 1),
        ("choice", 1),
        ("shortanswer", 1),
    ]
    assert parts[0]["answers"][1] == {"text": "Port Numbay", "fraction": 0.5, "feedback": "Itu nama lama"}
    assert parts[1]["answers"][0]["value"] == 45 and parts[1]["answers"][0]["tolerance"] == 1
    assert parts[3]["multiple"] and [a["fraction"] for a in parts[3]["answers"]] == [0.5, 0.5, -1]
    assert parts[4]["case_sensitive"] and not parts[0]["case_sensitive"]
    assert question.mark == 6  # Moodle: a cloze question is worth the sum of its gaps' weights


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Tidak ada rumpang di sini.", "minimal satu"),
        ("Isi {1:SHORTANSWER:%50%setengah}.", "100%"),
        ("Pilih {1:MC:=satu}.", "dua pilihan"),
        ("Angka {1:NM:=empat}.", "angka"),
        ("Rusak {1:SHORTANSWER:=ya", "ditutup"),
        ("Jenis {1:ESSAY:=ya}.", "ESSAY"),
    ],
)
def test_broken_cloze_is_refused_with_the_reason(app, text, reason):
    xml = XML.replace(TEXT, text)
    with pytest.raises(formats.ImportInvalid) as info:
        formats.parse(xml, "xml")
    assert reason in str(info.value), str(info.value)


def snapshot(question, shuffle=False):
    kind = strategy(QuestionType.CLOZE)
    data = kind.render(dict(question.data), lambda text: text)
    return kind.snapshot(data, shuffle=shuffle, rng=random.Random(3))  # noqa: S311


def answers(snap, **gap_values):
    return {f"gap-{n}": value for n, value in gap_values.items()}


def right_form(snap):
    form = {}
    for gap in snap["gaps"]:
        n = gap["n"]
        if gap["kind"] == "choice":
            chosen = [o["token"] for o in gap["options"] if o["fraction"] > 0]
            form[f"gap-{n}"] = chosen if gap["multiple"] else chosen[0]
        elif gap["kind"] == "numerical":
            form[f"gap-{n}"] = "45,5"
        else:
            form[f"gap-{n}"] = {1: "  jayapura ", 5: "ASN"}[n]
    return form


def test_grading_gives_partial_credit_per_gap(app):
    kind = strategy(QuestionType.CLOZE)
    snap = snapshot(parsed())
    assert kind.grade(snap, kind.parse(snap, right_form(snap))) == 1.0
    assert kind.grade(snap, None) == 0.0
    half_papua = kind.parse(snap, {"gap-1": "Port Numbay"})
    assert kind.grade(snap, half_papua) == pytest.approx(0.5 / 6)
    # The numerical gap weighs 2: "60" earns 50 % of it; case matters in the SAC gap.
    response = kind.parse(snap, {"gap-2": "60", "gap-5": "asn"})
    assert kind.grade(snap, response) == pytest.approx(1 / 6)
    mr = next(g for g in snap["gaps"] if g.get("multiple"))
    one_right_one_penalty = [mr["options"][0]["token"], mr["options"][2]["token"]]
    assert kind.grade(snap, kind.parse(snap, {f"gap-{mr['n']}": one_right_one_penalty})) == 0.0
    assert "(1) Jayapura" in kind.right_answer(snap)
    assert kind.describe(snap, half_papua) == "(1) Port Numbay"


def test_forged_cloze_answers_are_refused(app):
    kind = strategy(QuestionType.CLOZE)
    snap = snapshot(parsed())
    from lms.quizzes.types.base import BadAnswer

    for forged in ({"gap-3": "bukan-token"}, {"gap-9": "x"}, {"gap-1": "x" * 501}, {"gap-3": ["a", "b"]}):
        with pytest.raises(BadAnswer):
            kind.parse(snap, forged)


def test_shuffled_variants_shuffle_only_their_own_options(app):
    question = parsed()
    text = TEXT.replace("{1:MC:", "{1:MCS:")
    (shuffled,) = formats.parse(XML.replace(TEXT, text), "xml")
    assert shuffled.data["parts"][2]["shuffle"] and not question.data["parts"][2]["shuffle"]


@pytest.fixture
def cloze_quiz(app, course, learner):
    with app.app_context():
        course = db.session.merge(course)
        learning.enrol(db.session.merge(learner), course)
        bank = services.default_bank(course)
        services.import_questions(bank, XML, "xml", by=None)
        sources = [(cat.id, None) for cat, _ in services.categories_of(course)]
        quiz = services.create_quiz(
            course,
            services.QuizData(
                title="Kuis rumpang",
                sources=sources,
                published=True,
                show_answers=Visibility.AFTER_ATTEMPT,
            ),
            by=None,
        )
        db.session.commit()
        return quiz.id


def test_attempt_page_renders_gaps_inline_without_the_key(app, client, login, learner, cloze_quiz):
    login(learner)
    attempt_id = int(client.post(f"/quizzes/{cloze_quiz}/start").location.rsplit("/", 1)[1])
    page = client.get(f"/quizzes/attempts/{attempt_id}").text
    for secret in ("Jayapura", "Port Numbay", "Benar sekali", "fraction", "{1:"):
        assert secret not in page, secret
    # The numerical key (45) as a number of its own, outside links and data attributes: the
    # attempt's id in its URLs (45 on the 45th attempt of the run) or a CSRF token may hold the digits.
    linkless = re.sub(r'\s(?:href|src|action|data-[\w-]+)="[^"]*"', "", page)
    assert not re.search(r"(?<![\w.-])45(?![\w.-])", linkless)
    assert "Ibu kota Papua adalah <input" in page  # inline, in the sentence
    assert re.search(r'<input[^>]+name="q1-gap-1"[^>]+aria-label="[^"]+1"', page)
    assert re.search(r'<select[^>]+name="q1-gap-3"', page)
    assert page.count('name="q1-gap-4"') == 3  # MULTIRESPONSE: one checkbox per option
    with app.app_context():
        item = db.session.scalar(sa.select(AttemptItem).where(AttemptItem.attempt_id == attempt_id))
        form = {f"q1-{key}": value for key, value in right_form(item.snapshot).items()}
    form["slots"] = ["1"]
    assert client.post(f"/quizzes/attempts/{attempt_id}/answer", data=form).status_code == 302
    page = client.get(f"/quizzes/attempts/{attempt_id}").text
    assert 'value="  jayapura "' in page or 'value="jayapura"' in page
    assert client.post(f"/quizzes/attempts/{attempt_id}/finish").status_code == 302
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.score == 6 and attempt.percent == 100
        review = client.get(f"/quizzes/attempts/{attempt_id}/review")
        assert review.status_code == 200
        assert "(1) Jayapura" in review.text and "(2) 45 ± 1" in review.text
        (stats,) = analysis.item_analysis(attempt.quiz)
        assert stats.qtype == "cloze" and stats.facility == 100
        assert ("(1) Jayapura", 1) in stats.choices and ("(2) 60", 0) in stats.choices
        assert "(1) _____" in stats.prompt_html and "{1:" not in stats.prompt_html


def test_cloze_export_round_trips_through_moodle_xml_and_is_left_out_of_gift(ctx, course):
    bank = services.default_bank(course)
    services.import_questions(bank, XML, "xml", by=None)
    questions = services.questions_of(bank)
    text, skipped = services.export_questions(questions, "xml")
    assert '<question type="cloze">' in text and "{2:NUMERICAL:=45:1#Tepat~%50%60#Itu satu jam}" in text
    (again,) = formats.parse(text, "xml")
    assert again.data["parts"] == parsed().data["parts"] and skipped == 0
    gift_text, skipped = services.export_questions(questions, "gift")
    assert skipped == 1 and "NUMERICAL" not in gift_text
    assert moodle_xml and gift  # both writers are the ones the services use


def test_trainer_writes_a_cloze_question_in_the_editor(app, client, login, trainer, course):
    with app.app_context():
        bank_id = services.default_bank(db.session.merge(course)).id
        db.session.commit()
    login(trainer)
    url = f"/teach/banks/{bank_id}/questions/new?type=cloze"
    page = client.get(url)
    assert page.status_code == 200 and "SHORTANSWER" in page.text
    data = {"new_category": "latihan", "name": "Rumpang", "mark": "3", "general_feedback": ""}
    broken = client.post(url, data={**data, "prompt": "Ibu kota Papua {1:SHORTANSWER:%50%Jayapura}"})
    assert broken.status_code == 200 and "Rumpang 1: minimal satu jawaban harus bernilai 100%" in broken.text
    saved = client.post(url, data={**data, "prompt": "Ibu kota **Papua** {1:SA:=Jayapura} dan {1:NM:=45:1}"})
    assert saved.status_code == 302, saved.text
    with app.app_context():
        question = db.session.scalar(sa.select(services.Question).where(services.Question.name == "Rumpang"))
        assert question.qtype is QuestionType.CLOZE and len(question.data["parts"]) == 2
        assert question.prompt_html == "<p>Ibu kota <strong>Papua</strong> (1) _____ dan (2) _____</p>\n"
        question_id = question.id
    assert "{1:SA:=Jayapura}" in client.get(f"/teach/questions/{question_id}").text
