"""Images and audio embedded in Moodle XML arrive as course media, with their links rewritten.

Moodle's exporter writes each file as <file name="..." path="/" encoding="base64"> beside the text
that uses it, and links to it as @@PLUGINFILE@@/<url-encoded name> (question/format/xml/format.php).
The files go through the course media store (its type check by content and its size limit).
"""

import base64
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.courses.models import Media
from lms.extensions import db
from lms.quizzes import formats, services
from lms.quizzes.models import Question

FIXTURES = Path(__file__).parent / "fixtures"
BANK = (FIXTURES / "moodle-media-cloze.xml").read_text(encoding="utf-8")


def media_of(course):
    return {
        m.original_name: m for m in db.session.scalars(sa.select(Media).where(Media.course_id == course.id))
    }


def test_a_moodle_bank_with_media_and_cloze_arrives_whole(ctx, course):
    bank = services.default_bank(course)
    summary = services.import_questions(bank, BANK, "xml", by=None)
    assert summary.total == 4 and summary.counts["cloze"] == 1
    media = media_of(course)
    assert set(media) == {"peta_papua.png", "centang.png", "salam.mp3"}
    assert (
        media["peta_papua.png"].content_type == "image/png"
        and media["salam.mp3"].content_type == "audio/mpeg"
    )
    questions = {q.name: q for q in services.questions_of(bank)}
    peta = questions["Peta Papua"]
    assert "@@PLUGINFILE@@" not in peta.prompt and "@@PLUGINFILE@@" not in peta.prompt_html
    assert f'src="{media["peta_papua.png"].url}"' in peta.prompt_html
    assert media["centang.png"].url in peta.data["options"][0]["feedback_html"]
    audio = questions["Salam dalam rekaman"].prompt_html
    assert f'<audio controls><source src="{media["salam.mp3"].url}">' in audio
    assert f'href="{media["salam.mp3"].url}"' in audio
    cloze = questions["Rumpang dengan gambar"]
    assert media["peta_papua.png"].url in cloze.prompt_html and cloze.mark == 3
    # What was adapted is listed per question.
    lines = summary.note_lines()
    assert any("Peta Papua" in line and "peta_papua.png" in line for line in lines)
    assert any("Salam dalam rekaman" in line and "salam.mp3" in line for line in lines)


def test_the_exported_bank_carries_its_media_back(ctx, course):
    bank = services.default_bank(course)
    services.import_questions(bank, BANK, "xml", by=None)
    text, _ = services.export_questions(services.questions_of(bank), "xml")
    assert "@@PLUGINFILE@@/peta_papua.png" in text and 'encoding="base64"' in text
    again = formats.parse(text, "xml")
    assert {name for q in again for name in q.files} == {"peta_papua.png", "centang.png", "salam.mp3"}


def swap_file(text, name, data: bytes) -> str:
    start = text.index(f'<file name="{name}"')
    body_start = text.index(">", start) + 1
    body_end = text.index("</file>", body_start)
    return text[:body_start] + base64.b64encode(data).decode() + text[body_end:]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda t: t.replace(
                '<file name="salam.mp3" path="/" encoding="base64">',
                '<file name="lain.mp3" path="/" encoding="base64">',
            ),
            "salam.mp3",
        ),
        (lambda t: swap_file(t, "centang.png", b"MZ\x90\x00 bukan gambar"), "centang.png"),
        (lambda t: t.replace('encoding="base64">iVBOR', 'encoding="base64">!!!iVBOR', 1), "base64"),
    ],
)
def test_missing_or_bad_media_refuse_the_bank_with_the_question(ctx, course, change, reason):
    bank = services.default_bank(course)
    with pytest.raises(formats.ImportInvalid) as info:
        services.import_questions(bank, change(BANK), "xml", by=None)
    assert reason in str(info.value) and "soal" in str(info.value)
    assert db.session.scalar(sa.select(sa.func.count(Question.id)).where(Question.bank_id == bank.id)) == 0
    assert media_of(course) == {}


def test_same_name_different_file_does_not_replace_the_other(ctx, course):
    bank = services.default_bank(course)
    services.import_questions(bank, BANK, "xml", by=None)
    url_before = media_of(course)["centang.png"].url
    other = BANK.replace("Peta Papua", "Peta lain")
    other = swap_file(
        other, "centang.png", (FIXTURES / "moodle-media-cloze.xml").read_bytes()[:0] or _png_blue()
    )
    summary = services.import_questions(bank, other, "xml", by=None)
    media = media_of(course)
    assert media["centang.png"].url == url_before
    renamed = [name for name in media if name.startswith("centang-")]
    assert len(renamed) == 1
    assert any(renamed[0] in line for line in summary.note_lines())


def _png_blue() -> bytes:
    import struct
    import zlib

    raw = b"".join(b"\x00" + bytes((0, 0, 255)) * 2 for _ in range(2))

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_cli_lists_what_was_adapted(app, course):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["lms", "import-questions", course.slug, str(FIXTURES / "moodle-media-cloze.xml")]
    )
    assert result.exit_code == 0, result.output
    assert "Imported 4 questions" in result.output
    assert "Peta Papua" in result.output and "peta_papua.png" in result.output
