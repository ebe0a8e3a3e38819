"""GIFT, Aiken and Moodle XML: real files written by others, every problem reported, round trips."""

from collections import Counter
from pathlib import Path

import pytest

from lms.quizzes import formats
from lms.quizzes.formats import aiken, gift, moodle_xml

FIXTURES = Path(__file__).parent / "fixtures"


def types_of(questions):
    return Counter(q.qtype.value for q in questions)


def by_prompt(questions, start):
    return next(q for q in questions if q.prompt.startswith(start))


def problems_of(text, fmt=None):
    with pytest.raises(formats.ImportInvalid) as info:
        formats.parse(text, fmt)
    return [(p.line, p.question, p.message) for p in info.value.problems]


def test_moodle_documentation_examples(app):
    questions = formats.parse((FIXTURES / "moodle-docs-gift.txt").read_bytes())
    assert types_of(questions) == {
        "single": 12,
        "shortanswer": 6,
        "truefalse": 4,
        "matching": 1,
        "numerical": 5,
        "multiple": 2,
        "essay": 1,
    }
    assert {q.category for q in questions} == {"GIFT examples", "GIFT examples/Options"}
    assert by_prompt(questions, "Grant is _____ in").data["options"][1] == {
        "id": "o2",
        "text": "entombed",
        "fraction": 1.0,
        "feedback": "",
    }
    assert by_prompt(questions, "Two plus two equals").prompt == "Two plus two equals _____."
    kanji = next(q for q in questions if q.name == "Kanji Origins")
    assert kanji.prompt == "Japanese characters originally\ncame from what country?"
    ranges = [q.data["answers"] for q in questions if q.qtype.value == "numerical"]
    assert {"min": 3.141, "max": 3.142} in [
        {k: a[k] for k in ("min", "max")} for r in ranges for a in r if "min" in a
    ]
    partial = next(r for r in ranges if len(r) == 2 and r[1]["fraction"] == 0.5)
    assert partial[1]["tolerance"] == 2
    numerical_feedback = next(q for q in questions if q.name == "Numerical example")
    assert numerical_feedback.data["wrong_feedback"] == "Grant was born in 1822."
    hometown = next(q for q in questions if q.name == "Jesus' hometown")
    assert [o["fraction"] for o in hometown.data["options"]] == [0, 0.25, 0.5, 1]
    assert hometown.prompt.endswith("_____.")
    short = next(q for q in questions if q.name == "Jesus' hometown (short answer)")
    assert [a["fraction"] for a in short.data["answers"]] == [1, 0.75, 0.25]
    penalties = [q for q in questions if q.qtype.value == "multiple"][1]
    assert [o["fraction"] for o in penalties.data["options"]] == [-1, 0.5, 0.5, -1]
    equals = by_prompt(questions, "Which answer equals 5?")
    assert [o["text"] for o in equals.data["options"]] == ["= 2 + 2", "= 2 + 3", "= 2 + 4"]
    control = next(q for q in questions if q.name == "GIFT Control Characters")
    assert [o["text"] for o in control.data["options"]] == ["~", "=", "#", "{", "}", "\\"]
    assert control.data["options"][-1]["feedback"].startswith("Correct! \\ (backslash)")
    assert "\n" in control.data["options"][-1]["feedback"]
    assert by_prompt(questions, "The largest desert on Earth is:").qtype.value == "single"
    # GIFT gives a wrong answer's feedback first: shown here to who answers "true".
    tf = [q for q in questions if q.qtype.value == "truefalse" and q.data["feedback_true"]][0]
    assert tf.data == {
        "correct": False,
        "feedback_true": "No one is buried in Grant's tomb.",
        "feedback_false": "",
    }
    assert by_prompt(questions, "How are you?").general_feedback == "We hope you're feeling well."
    assert by_prompt(questions, "Who's buried in **Grant's tomb**").text_format.value == "markdown"
    assert by_prompt(questions, "Is <b>this</b> bold?").text_format.value == "html"


def test_moodle_gift_export(app):
    questions = formats.parse((FIXTURES / "moodle-export.gift").read_bytes())
    assert types_of(questions) == {
        "single": 1,
        "shortanswer": 1,
        "numerical": 1,
        "matching": 1,
        "truefalse": 1,
        "essay": 1,
    }
    assert {q.category for q in questions} == {"Default for Pelatihan Dasar CPNS/Nilai Dasar ASN"}
    assert all(q.text_format.value == "html" for q in questions)
    korpri = next(q for q in questions if q.name == "Hari jadi KORPRI")
    assert korpri.data["wrong_feedback"] == "<p>KORPRI didirikan pada 29 November 1971.</p>"
    pairs = next(q for q in questions if q.qtype.value == "matching").data["pairs"]
    assert pairs[-1] == {"id": "p3", "left": "", "right": "Tenaga honorer"}
    netral = next(q for q in questions if q.name == "Netralitas")
    assert netral.data["feedback_true"] == "<p>ASN wajib netral.</p>"


def test_moodle_xml_export(app):
    questions = formats.parse((FIXTURES / "moodle-export.xml").read_bytes())
    assert types_of(questions) == {
        "single": 1,
        "multiple": 1,
        "truefalse": 1,
        "shortanswer": 1,
        "numerical": 1,
        "matching": 1,
        "essay": 1,
    }
    assert {q.category for q in questions} == {"Default for Manajemen ASN/Kebijakan"}
    multiple = next(q for q in questions if q.qtype.value == "multiple")
    assert multiple.mark == 2 and [o["fraction"] for o in multiple.data["options"]][-1] == -1
    numerical = next(q for q in questions if q.qtype.value == "numerical")
    assert numerical.data["wrong_feedback"] == "Minimal 20 JP setahun."
    assert next(q for q in questions if q.qtype.value == "essay").mark == 5


def test_unknown_moodle_types_are_reported_not_dropped(app):
    problems = problems_of((FIXTURES / "moodle-unknown-types.xml").read_bytes())
    assert [(q, "'" + m.split("'")[1] + "'") for _, q, m in problems] == [
        ("Hitung tunjangan", "'calculated'"),
        ("Petunjuk", "'description'"),
    ]
    assert all(line and line > 200 for line, _, _ in problems)


def test_xml_entities_and_broken_xml_are_refused(app):
    bomb = '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><quiz>&b;</quiz>'
    assert "entitas" in problems_of(bomb, "xml")[0][2]
    external = '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>'
    assert problems_of(external, "xml")
    assert problems_of("<quiz>\n<question type='truefalse'>\n</quiz>", "xml")[0][0] == 3


@pytest.mark.parametrize("name", ["moodle-docs-gift.txt", "moodle-export.gift", "moodle-export.xml"])
@pytest.mark.parametrize("writer", ["gift", "xml"])
def test_export_import_export_is_identical(app, name, writer):
    write = {"gift": gift.write, "xml": moodle_xml.write}[writer]
    questions = formats.parse((FIXTURES / name).read_bytes())
    first = write(questions, lambda q: q.category)
    again = formats.parse(first, writer)
    assert write(again, lambda q: q.category) == first
    if writer == "gift":  # GIFT keeps everything but an essay's notes for graders
        assert [
            (q.qtype, q.name, q.prompt, q.data, q.general_feedback, q.category)
            for q in again
            if q.qtype.value != "essay"
        ] == [
            (q.qtype, q.name, q.prompt, q.data, q.general_feedback, q.category)
            for q in questions
            if q.qtype.value != "essay"
        ]


def test_gift_errors_are_all_listed_with_line_and_question(app):
    text = (
        "// komentar\n::Baik::Benar? {T}\n\n::Kurung::Pilih {=a ~b\n\n"
        "::Tanpa jawaban::Hanya teks.\n\n::Angka::Berapa? {#dua}\n\n"
        "::Bobot::Pilih {~%abc%satu =dua}\n\n::Jodoh::Pasangkan {=a -> b =c}\n\n::Dua blok::A {T} B {F}\n"
    )
    problems = problems_of(text)
    assert [(line, question) for line, question, _ in problems] == [
        (4, "Kurung"),
        (6, "Tanpa jawaban"),
        (8, "Angka"),
        (8, "Angka"),
        (10, "Bobot"),
        (12, "Jodoh"),
        (12, "Jodoh"),
        (14, "Dua blok"),
    ]


def test_gift_answer_problems_point_at_their_line(app):
    problems = problems_of("::Multi::Pilih {\n=a\n~b\n~%x%c\n}\n")
    assert problems[0][0] == 4


def test_type_rules_apply_to_imports(app):
    problems = problems_of("::Satu pilihan::Pilih {~a ~b}\n")  # no option is right
    assert problems[0][1] == "Satu pilihan"


def test_aiken(app):
    text = (
        "Apa kepanjangan JP?\nA. Jam pelajaran\nB) Jam pelatihan\nANSWER: A\n\n"
        "Satu JP berapa menit?\nA. 45\nB. 60\nANSWER: A\n"
    )
    assert formats.detect(text) == "aiken"
    questions = formats.parse(text)
    assert [o["fraction"] for o in questions[0].data["options"]] == [1, 0]
    written, skipped = aiken.write(questions)
    assert formats.parse(written, "aiken")[1].prompt == "Satu JP berapa menit?" and skipped == 0
    problems = problems_of("Soal?\nA. satu\nB. dua\nANSWER: C\n\nSoal dua?\nA. x\n", "aiken")
    assert [line for line, _, _ in problems] == [4, 6]


def test_format_detection(app):
    assert formats.detect("<?xml version='1.0'?><quiz/>") == "xml"
    assert formats.detect("::a:: b {T}") == "gift"


def test_files_must_be_utf8(app):
    assert "UTF-8" in problems_of("::a::Soal {=Jalan}\n".encode("utf-16"))[0][2]
