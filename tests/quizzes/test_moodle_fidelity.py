"""Question banks from Moodle arrive as Moodle reads them, or are refused whole with the reason.

Checked against Moodle's own importers (question/format/{xml,gift,aiken}/format.php) and the
multiple-answer rule of qtype_multichoice (each weight within 0.00001 of an allowed grade, so
thirds written 33.33333% add up to 100%).
"""

from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.quizzes import formats, services
from lms.quizzes.models import Question, QuestionBank

FIXTURES = Path(__file__).parent / "fixtures"


def problems_of(text, fmt=None):
    with pytest.raises(formats.ImportInvalid) as info:
        formats.parse(text, fmt)
    return info.value.problems


# ---------------------------------------------------------------- truncated XML


def truncated_xml() -> str:
    lines = (FIXTURES / "moodle-export.xml").read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(lines[:96])  # ends right after the second question's </question>


def test_truncated_moodle_xml_is_refused_whole_with_its_line(app):
    problems = problems_of(truncated_xml(), "xml")
    assert len(problems) == 1
    assert problems[0].line == 96 or problems[0].line == 97
    assert "XML" in problems[0].message


def test_truncated_moodle_xml_fails_the_cli_and_imports_nothing(app, course, tmp_path):
    cut = tmp_path / "terpotong.xml"
    cut.write_text(truncated_xml(), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["lms", "import-questions", course.slug, str(cut)])
    assert result.exit_code == 1, result.output
    assert "terpotong.xml: baris 9" in result.output
    with app.app_context():
        ours = sa.select(QuestionBank.id).where(QuestionBank.course_id == course.id)
        assert db.session.scalar(sa.select(sa.func.count(Question.id)).where(Question.bank_id.in_(ours))) == 0


# ---------------------------------------------------------------- GIFT format markers


def test_gift_format_markers_are_interpreted_not_kept_as_text(app):
    text = (
        "::polos::[plain]Apakah <b> tag ditulis apa adanya? {\n"
        "=[plain]Ya, <b> & semua\n~[plain]Tidak}\n\n"
        "::html::[html]<p>Pilih <b>satu</b></p> {\n=[html]<i>miring</i>#[html]<b>bagus</b>\n~[html]tegak}\n\n"
        "::moodle::[moodle]Baris satu\nbaris dua {=[moodle]jawab ~[moodle]bukan}\n\n"
        "::markdown::[markdown]Teks **tebal** {=[markdown]*ya* ~[markdown]tidak}\n\n"
        "::campur::Soal **markdown** dengan jawaban HTML {=[html]<b>ya</b> ~tidak}\n"
    )
    questions = {q.name: q for q in formats.parse(text, "gift")}
    plain = questions["polos"]
    assert plain.text_format.value == "plain"
    assert plain.prompt == "Apakah <b> tag ditulis apa adanya?"
    assert [o["text"] for o in plain.data["options"]] == ["Ya, <b> & semua", "Tidak"]
    html = questions["html"]
    assert html.text_format.value == "html"
    assert html.data["options"][0] == {
        "id": "o1",
        "text": "<i>miring</i>",
        "fraction": 1.0,
        "feedback": "<b>bagus</b>",
    }
    moodle = questions["moodle"]
    assert moodle.text_format.value == "html" and "<br" in moodle.prompt
    assert [o["text"] for o in moodle.data["options"]] == ["jawab", "bukan"]
    assert questions["markdown"].data["options"][0]["text"] == "*ya*"
    mixed = questions["campur"]
    assert mixed.text_format.value == "html"
    assert "<strong>markdown</strong>" in mixed.prompt
    assert mixed.data["options"][0]["text"] == "<b>ya</b>"
    assert any("HTML" in note for note in mixed.notes)
    every_text = [o["text"] for q in questions.values() for o in q.data["options"]] + [
        q.prompt for q in questions.values()
    ]
    assert not any(
        marker in t for t in every_text for marker in ("[plain]", "[html]", "[moodle]", "[markdown]")
    )


def test_plain_text_questions_show_their_text_literally(ctx, course):
    bank = services.default_bank(course)
    services.import_questions(
        bank, "::p::[plain]Tulis <b>tebal</b> & *bintang* {=[plain]<i>ya</i> ~tidak}\n", by=None
    )
    question = services.questions_of(bank)[0]
    assert question.prompt_html == "<p>Tulis &lt;b&gt;tebal&lt;/b&gt; &amp; *bintang*</p>"
    assert question.data["options"][0]["html"] == "&lt;i&gt;ya&lt;/i&gt;"


# ---------------------------------------------------------------- Aiken


def test_aiken_options_are_read_as_moodle_reads_them(app):
    text = (
        "Ibu kota Papua?\nA)Jayapura\nB) Merauke\nC. Sorong\nD.Biak\nANSWER: A\n\n"
        "Satu JP berapa menit?\nA) 45\nB) 60\nANSWER: A\n"
    )
    questions = formats.parse(text, "aiken")
    assert [o["text"] for o in questions[0].data["options"]] == ["Jayapura", "Merauke", "Sorong", "Biak"]
    assert formats.detect(text) == "aiken"


def test_aiken_question_text_is_plain_text(ctx, course):
    bank = services.default_bank(course)
    text = 'Apa arti <html class="cool"> & images?\nA. *bukan* markdown\nB. <b>tag</b>\nANSWER: A\n'
    services.import_questions(bank, text, "aiken", by=None)
    question = services.questions_of(bank)[0]
    assert question.text_format.value == "plain"
    assert question.prompt_html == '<p>Apa arti &lt;html class="cool"&gt; &amp; images?</p>'
    assert [o["html"] for o in question.data["options"]] == ["*bukan* markdown", "&lt;b&gt;tag&lt;/b&gt;"]


# ---------------------------------------------------------------- full marks


@pytest.mark.parametrize("weights", ["%50% %49.67%", "%33.33% %33.33% %33.01%"])
def test_multiple_answer_question_that_cannot_reach_full_marks_is_refused(app, weights):
    options = " ".join(f"~{w}benar{n}" for n, w in enumerate(weights.split())) + " ~%-100%salah"
    problems = problems_of(f"::kurang::Pilih yang benar {{{options}}}\n", "gift")
    assert problems[0].question == "kurang"
    assert "100%" in problems[0].message and "99" in problems[0].message


@pytest.mark.parametrize("third", ["33.33333", "33.333"])
def test_thirds_as_moodle_writes_them_reach_full_marks(app, course, third):
    text = f"::tiga::Pilih tiga {{~%{third}%a ~%{third}%b ~%{third}%c ~%-100%d}}\n"
    (question,) = formats.parse(text, "gift")
    from lms.quizzes.types import strategy

    snap = strategy(question.qtype).snapshot(
        strategy(question.qtype).render(question.data, lambda t: t), shuffle=False, rng=None
    )
    right = [o["token"] for o in snap["options"][:3]]
    assert strategy(question.qtype).grade(snap, right) == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "::isian::Ibu kota {=%99%Jayapura}\n",
        "::angka::Berapa JP? {#=%99.5%20}\n",
    ],
)
def test_other_types_that_cannot_reach_full_marks_are_refused(app, text):
    (problem,) = problems_of(text, "gift")
    assert "100%" in problem.message


def test_single_choice_needs_an_option_worth_exactly_full_marks(app):
    from lms.quizzes.models import QuestionType
    from lms.quizzes.types import strategy

    options = [{"text": "benar", "fraction": 0.999}, {"text": "salah", "fraction": 0}]
    _, problems = strategy(QuestionType.SINGLE).clean({"options": options})
    assert problems and "100%" in problems[0]
