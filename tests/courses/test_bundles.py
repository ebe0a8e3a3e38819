"""Course bundles: validation with every problem listed, import, re-import, export round trip."""

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app

from config import Config
from lms.accounts.models import Role
from lms.courses import bundles, learning
from lms.courses.bundle_io import BundleInvalid, read_bundle, read_zip, zip_bytes
from lms.courses.cli import SAMPLES_DIR
from lms.courses.models import Course, Lesson
from lms.extensions import db
from tests import factories
from tests.hostile.corpus import alias_bomb

SAMPLES = sorted(path.parent for path in SAMPLES_DIR.glob("*/course.yaml"))

COURSE_YAML = """\
format: 1
slug: kursus-bundel
title: Kursus Bundel
summary: Ringkasan.
category: Uji
jp: 2
competencies:
  - code: KOM
    level: 2
completion:
  lessons: required
modules:
  - title: Modul Satu
    lessons:
      - file: lessons/01-satu.md
      - file: lessons/02-dua.md
        required: false
"""


def lesson(title, body="Isi pelajaran.\n", extra=""):
    return f"---\ntitle: {title}\nduration_minutes: 10\n{extra}---\n{body}".encode()


def good_bundle():
    return {
        "course.yaml": COURSE_YAML.encode(),
        "lessons/01-satu.md": lesson("Satu", "Teks\n\n![Gambar](../media/gambar.png)\n"),
        "lessons/02-dua.md": lesson("Dua", "[Unduh](media/panduan.pdf)\n"),
        "media/gambar.png": factories.png(20, 10),
        "media/panduan.pdf": factories.PDF,
        "quizzes/evaluasi.gift": b"::Q1:: Benar? {T}\n",
    }


def uploads():
    folder = Path(current_app.instance_path) / "uploads"
    return sorted(os.listdir(folder)) if folder.exists() else []


def course_count():
    """Every course: compare it before and after, as other tests may have committed some."""
    return db.session.scalar(sa.select(sa.func.count(Course.id)))


def problems_of(files):
    with pytest.raises(BundleInvalid) as info:
        bundles.import_files(files)
    return [(p.file, p.line, p.message) for p in info.value.problems]


# ---------------------------------------------------------------- samples and round trip


@pytest.mark.parametrize("folder", SAMPLES, ids=lambda p: p.name)
def test_sample_bundles_import_cleanly(ctx, folder):
    result = bundles.import_bundle(folder, publish=True)
    course = result.course
    assert result.created and result.warnings == []
    assert course.is_published and course.version == 1
    lessons = learning.outline(course).lessons
    assert len(course.active_modules) >= 3 and len(lessons) >= 8
    assert all(lesson.body_html and "<script" not in lesson.body_html for lesson in lessons)
    images = [lesson for lesson in lessons if "<img" in lesson.body_html]
    assert images and all(
        "/courses/media/" in x.body_html and 'loading="lazy"' in x.body_html for x in images
    )
    assert len(SAMPLES) == 3


@pytest.mark.parametrize("folder", SAMPLES, ids=lambda p: p.name)
def test_export_import_export_is_identical(ctx, folder, tmp_path):
    course = bundles.import_bundle(folder, publish=True).course
    first = bundles.export_bundle(course)
    again = bundles.import_files(first)
    assert again.course.id == course.id and not again.changed
    second = bundles.export_bundle(again.course)
    assert first == second
    assert zip_bytes(first) == zip_bytes(second)
    # Through the file system as a folder and as a zip, too.
    bundles.export_to(course, tmp_path / "folder")
    bundles.export_to(course, tmp_path / "bundle.zip")
    assert read_bundle(tmp_path / "folder") == first == read_bundle(tmp_path / "bundle.zip")


def test_browser_made_course_round_trips(ctx, make_user, make_course):
    course = make_course(by=make_user(roles=(Role.TRAINER,)), modules=2, lessons=2)
    first = bundles.export_bundle(course)
    assert sorted(first) == [
        "course.yaml",
        "lessons/pelajaran-1-1.md",
        "lessons/pelajaran-1-2.md",
        "lessons/pelajaran-2-1.md",
        "lessons/pelajaran-2-2.md",
    ]
    ids = [x.id for x in learning.outline(course).lessons]
    result = bundles.import_files(first)
    assert not result.changed and [x.id for x in learning.outline(course).lessons] == ids
    assert bundles.export_bundle(course) == first


def test_reimport_updates_in_place_and_keeps_progress(ctx, make_user):
    learner = make_user()
    files = good_bundle()
    files["course.yaml"] = COURSE_YAML.replace("        required: false\n", "").encode()
    course = bundles.import_files(files, publish=True).course
    first, second = learning.outline(course).lessons
    enrolment = learning.enrol(learner, course)
    learning.mark_lesson_done(enrolment, first)

    changed = dict(files)
    changed["course.yaml"] = (
        files["course.yaml"]
        .decode()
        .replace(
            "      - file: lessons/01-satu.md\n      - file: lessons/02-dua.md\n",
            "      - file: lessons/03-tiga.md\n      - file: lessons/01-satu.md\n",
        )
        .encode()
    )
    changed["lessons/01-satu.md"] = lesson("Satu (revisi)", "Teks **baru**\n")
    changed["lessons/03-tiga.md"] = lesson("Tiga")
    del changed["lessons/02-dua.md"]
    result = bundles.import_files(changed)
    assert result.changed and not result.created and result.course.version == 2
    lessons = learning.outline(course).lessons
    assert [x.title for x in lessons] == ["Tiga", "Satu (revisi)"]
    assert lessons[1].id == first.id and "<strong>baru</strong>" in lessons[1].body_html
    assert db.session.get(Lesson, second.id) is None  # nobody had completed it
    assert learning.completed_lesson_ids(enrolment) == {first.id}
    # One of two lessons and the bundle's required quiz (quizzes/evaluasi.gift) not passed yet.
    assert learning.progress(enrolment, lessons, {first.id}).percent == 33

    # Removing a completed lesson archives it; the learner's record stays.
    changed["course.yaml"] = changed["course.yaml"].replace(b"      - file: lessons/01-satu.md\n", b"")
    bundles.import_files(changed)
    assert db.session.get(Lesson, first.id).archived_at is not None
    assert learning.completed_lesson_ids(enrolment) == {first.id}
    assert [x.title for x in learning.outline(course).lessons] == ["Tiga"]


def test_unchanged_reimport_does_not_bump_version(ctx):
    bundles.import_files(good_bundle(), publish=True)
    result = bundles.import_files(good_bundle())
    assert not result.changed and result.course.version == 1


def test_quizzes_are_ignored_and_unlisted_lessons_warned(ctx):
    files = good_bundle() | {"lessons/99-lupa.md": lesson("Lupa"), "catatan.txt": b"x"}
    result = bundles.import_files(files)
    assert [(w.file, w.warning) for w in result.warnings] == [
        ("catatan.txt", True),
        ("lessons/99-lupa.md", True),
    ]


# ---------------------------------------------------------------- practice quizzes (migration 0011)

PRACTICE_YAML = b"title: Latihan Mandiri\nrequired: false\npractice: true\n"


def _quiz_of(course):
    from lms.quizzes.models import Quiz

    return db.session.scalars(sa.select(Quiz).where(Quiz.course_id == course.id)).one()


def test_practice_flag_is_imported_exported_and_round_trips(ctx):
    files = good_bundle() | {"quizzes/evaluasi.yaml": PRACTICE_YAML}
    course = bundles.import_files(files, publish=True).course
    quiz = _quiz_of(course)
    assert quiz.practice is True and quiz.time_limit_minutes is None and quiz.required is False
    first = bundles.export_bundle(course)
    assert b"practice: true" in first["quizzes/evaluasi.yaml"]
    again = bundles.import_files(first)
    assert not again.changed and _quiz_of(course).practice is True
    assert bundles.export_bundle(course) == first


def test_practice_flag_set_in_the_browser_survives_a_round_trip(ctx, make_user):
    from lms.quizzes import services as quiz_services

    trainer = make_user(roles=(Role.TRAINER,))
    course = bundles.import_files(good_bundle(), by=trainer).course
    quiz = _quiz_of(course)
    assert quiz.practice is False  # a bundle that does not say so: a plain quiz
    assert b"practice: false" in bundles.export_bundle(course)["quizzes/evaluasi.yaml"]
    data = quiz_services.quiz_data(quiz)
    data.practice = True
    quiz_services.update_quiz(quiz, data, by=trainer)
    exported = bundles.export_bundle(course)
    assert b"practice: true" in exported["quizzes/evaluasi.yaml"]
    # Turned off in the file and imported again: a change, and the quiz follows the file.
    exported["quizzes/evaluasi.yaml"] = exported["quizzes/evaluasi.yaml"].replace(
        b"practice: true", b"practice: false"
    )
    assert bundles.import_files(exported, by=trainer).changed
    assert _quiz_of(course).practice is False
    # Into a fresh course (another slug): the flag comes along.
    exported = bundles.export_bundle(course) | {
        "course.yaml": COURSE_YAML.replace("kursus-bundel", "kursus-salinan").encode(),
        "quizzes/evaluasi.yaml": PRACTICE_YAML,
    }
    copy = bundles.import_files(exported, by=trainer).course
    assert copy.id != course.id and _quiz_of(copy).practice is True


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (b"practice: ya\n", "Nilai 'practice' tidak valid."),
        (b"practice: 1\n", "Nilai 'practice' tidak valid."),
        (
            b"practice: true\ntime_limit_minutes: 20\n",
            "Kuis latihan (practice: true) tidak boleh memiliki batas waktu (time_limit_minutes).",
        ),
        # What the quiz service would refuse is refused while parsing: a problem, never a crash.
        (b"pass_mark: 150\n", "'pass_mark' harus 0 sampai 100."),
        (b"time_limit_minutes: 100000\n", "'time_limit_minutes' harus 0 sampai 1440."),
        (b"title: '   '\n", "Nilai 'title' tidak valid."),
    ],
)
def test_bad_practice_settings_are_refused_and_nothing_is_written(ctx, settings, message):
    from lms.quizzes.models import Quiz

    files = good_bundle() | {"quizzes/evaluasi.yaml": settings}
    before_uploads, before_courses = uploads(), course_count()
    before_quizzes = db.session.scalar(sa.select(sa.func.count(Quiz.id)))
    with pytest.raises(BundleInvalid) as info:
        bundles.import_files(files)
    db.session.rollback()  # as the import view and command do
    assert [(p.file, p.message) for p in info.value.problems] == [("quizzes/evaluasi.yaml", message)]
    assert course_count() == before_courses and uploads() == before_uploads
    assert db.session.scalar(sa.select(sa.func.count(Quiz.id))) == before_quizzes


def test_a_timed_quiz_cannot_become_practice_by_reimport(ctx):
    timed = b"time_limit_minutes: 20\n"
    course = bundles.import_files(good_bundle() | {"quizzes/evaluasi.yaml": timed}).course
    files = good_bundle() | {"quizzes/evaluasi.yaml": timed + b"practice: true\n"}
    with pytest.raises(BundleInvalid):
        bundles.import_files(files)
    quiz = _quiz_of(course)
    assert quiz.practice is False and quiz.time_limit_minutes == 20


# ---------------------------------------------------------------- bad input: rejected whole


def test_every_problem_is_listed_and_nothing_is_written(ctx):
    files = good_bundle()
    files["course.yaml"] = (
        COURSE_YAML.replace("code: KOM", "code: XYZ")
        .replace("    level: 2", "    level: 7")
        .replace(
            "      - file: lessons/02-dua.md\n",
            "      - file: lessons/02-dua.md\n      - file: lessons/01-satu.md\n"
            "      - file: lessons/04-hilang.md\n",
        )
        .encode()
    )
    files["lessons/01-satu.md"] = lesson("Satu", "Teks\n\n![Rusak](../media/tidak-ada.png)\n")
    files["lessons/02-dua.md"] = lesson("Dua", "Teks\n", extra="title2: x\n")
    files["media/palsu.png"] = b"<html>bukan gambar</html>"
    before_uploads, before_courses = uploads(), course_count()
    problems = problems_of(files)
    assert ("course.yaml", 8, "Kode kompetensi XYZ tidak dikenal.") in problems
    assert ("course.yaml", 9, "Level kompetensi harus 1 sampai 5.") in problems
    assert ("course.yaml", 17, "Berkas lessons/01-satu.md sudah dipakai pada baris 15.") in problems
    assert ("course.yaml", 18, "Berkas lessons/04-hilang.md tidak ada di dalam bundel.") in problems
    assert (
        "lessons/01-satu.md",
        7,
        "Berkas ../media/tidak-ada.png tidak ada di folder media/ bundel.",
    ) in problems
    assert ("lessons/02-dua.md", 4, "Kunci 'title2' tidak dikenal.") in problems
    assert any(p[0] == "media/palsu.png" and "Jenis berkas" in p[2] for p in problems)
    assert len(problems) == 7
    assert uploads() == before_uploads and course_count() == before_courses


def test_yaml_errors_have_line_numbers(ctx):
    files = good_bundle()
    files["course.yaml"] = COURSE_YAML.replace("jp: 2", "jp: [2").encode()
    problems = problems_of(files)
    assert len(problems) == 1 and problems[0][0] == "course.yaml" and problems[0][1] in (6, 7)
    assert problems[0][2].startswith("YAML tidak valid")

    files = good_bundle()
    files["lessons/02-dua.md"] = b"---\ntitle: Dua\nduration_minutes: : x\n---\nIsi\n"
    problems = problems_of(files)
    assert [(p[0], p[1]) for p in problems] == [("lessons/02-dua.md", 3)]

    files = good_bundle()
    files["course.yaml"] = COURSE_YAML.replace("category: Uji", "category: Uji\ntitle: Lagi").encode()
    problems = problems_of(files)
    assert problems[0][:2] == ("course.yaml", 6) and "dua kali" in problems[0][2]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda f: f.pop("course.yaml"), ("course.yaml", None, "Berkas course.yaml tidak ada.")),
        (
            lambda f: f.pop("lessons/02-dua.md"),
            ("course.yaml", 16, "Berkas lessons/02-dua.md tidak ada di dalam bundel."),
        ),
        (
            lambda f: f.update({"lessons/01-satu.md": b"Tanpa front matter\n"}),
            ("lessons/01-satu.md", 1, "Pelajaran harus diawali front matter YAML di antara dua baris '---'."),
        ),
        (
            lambda f: f.update({"lessons/01-satu.md": lesson("Satu", "![x](gambar.png)\n")}),
            ("lessons/01-satu.md", 5, "Gambar gambar.png harus berada di folder media/ bundel."),
        ),
        (
            lambda f: f.update({"lessons/01-satu.md": "---\ntitle: Satu\n---\n\xff".encode("latin-1")}),
            ("lessons/01-satu.md", None, "Berkas harus berupa teks UTF-8."),
        ),
        (
            lambda f: f.update({"course.yaml": COURSE_YAML.replace("format: 1", "format: 2").encode()}),
            ("course.yaml", 1, "'format' harus bernilai 1."),
        ),
        (
            lambda f: f.update({"course.yaml": COURSE_YAML.replace("jp: 2", "jp: banyak").encode()}),
            ("course.yaml", 6, "'jp' harus bilangan bulat 0 sampai 1000."),
        ),
        (
            lambda f: f.update(
                {"course.yaml": COURSE_YAML.replace("lessons: required", "lessons: kadang").encode()}
            ),
            ("course.yaml", 11, "Pilihan kadang tidak valid untuk syarat lessons."),
        ),
        (
            lambda f: f.update({"media/Gambar.png": factories.png()}),
            (
                "media/gambar.png",
                None,
                "Nama berkas sama dengan media/Gambar.png (hanya beda huruf besar/kecil).",
            ),
        ),
    ],
)
def test_single_problems_are_rejected(ctx, change, expected):
    files = good_bundle()
    change(files)
    before_uploads, before_courses = uploads(), course_count()
    assert expected in problems_of(files)
    assert uploads() == before_uploads and course_count() == before_courses


def test_reimport_by_another_trainer_is_refused(ctx, make_user):
    owner, other = make_user(roles=(Role.TRAINER,)), make_user(roles=(Role.TRAINER,))
    bundles.import_files(good_bundle(), by=owner)
    with pytest.raises(BundleInvalid):
        bundles.import_files(good_bundle(), by=other)


# ---------------------------------------------------------------- zip and folder safety


def make_zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            if isinstance(entry, zipfile.ZipInfo):
                archive.writestr(entry, b"target")
            else:
                archive.writestr(*entry)
    return buffer.getvalue()


def test_zip_with_top_folder_imports(ctx):
    data = make_zip([(f"kursus-bundel/{name}", content) for name, content in good_bundle().items()])
    assert bundles.import_files(read_zip(data)).course.slug == "kursus-bundel"


@pytest.mark.parametrize(
    "name",
    [
        "../evil.md",
        "/etc/evil.md",
        "lessons/../../evil.md",
        "C:/evil.md",
        "lessons\\..\\evil.md",
        "media//x.png",
    ],
)
def test_zip_slip_names_are_refused(ctx, name):
    data = make_zip([*good_bundle().items(), (name, b"x")])
    with pytest.raises(BundleInvalid) as info:
        read_zip(data)
    assert [p.file for p in info.value.problems] == [name]


def test_zip_symlinks_duplicates_and_limits(ctx, app):
    link = zipfile.ZipInfo("media/link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with pytest.raises(BundleInvalid) as info:
        read_zip(make_zip([*good_bundle().items(), link]))
    assert "simbolik" in info.value.problems[0].message

    with pytest.warns(UserWarning, match="Duplicate name"):
        data = make_zip([*good_bundle().items(), ("course.yaml", b"lagi")])
    with pytest.raises(BundleInvalid) as info:
        read_zip(data)
    assert info.value.problems[0].message == "Berkas ini ada dua kali di dalam zip."

    with pytest.raises(BundleInvalid):
        read_zip(b"PK\x03\x04 bukan zip")

    app.config.update(COURSE_BUNDLE_MAX_FILES=3)
    try:
        with pytest.raises(BundleInvalid) as info:
            read_zip(make_zip(good_bundle().items()))
        assert "batasnya 3" in info.value.problems[0].message
    finally:
        app.config["COURSE_BUNDLE_MAX_FILES"] = Config.COURSE_BUNDLE_MAX_FILES

    bomb = make_zip([*good_bundle().items(), ("media/besar.png", b"\x00" * 5_000_000)])
    assert len(bomb) < 100_000
    app.config.update(COURSE_MEDIA_MAX_BYTES=1_000_000)
    try:
        with pytest.raises(BundleInvalid) as info:
            read_zip(bomb)
        assert info.value.problems[0].file == "media/besar.png"
    finally:
        app.config["COURSE_MEDIA_MAX_BYTES"] = Config.COURSE_MEDIA_MAX_BYTES


def test_folder_symlinks_are_refused(ctx, tmp_path):
    for name, content in good_bundle().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    (tmp_path / "media" / "rahasia.png").symlink_to("/etc/passwd")
    with pytest.raises(BundleInvalid) as info:
        read_bundle(tmp_path)
    assert [p.file for p in info.value.problems] == ["media/rahasia.png"]


def test_demo_seeder_imports_the_samples_once(ctx):
    from lms.courses.cli import seed_sample_courses

    slugs = sorted(path.name for path in SAMPLES)
    samples = sa.select(Course).where(Course.slug.in_(slugs))  # other tests may have committed courses
    first = seed_sample_courses()
    versions = {c.slug: (c.id, c.version) for c in db.session.scalars(samples)}
    count = course_count()
    second = seed_sample_courses()
    assert first == second and len(first) == 4
    assert {c.slug: (c.id, c.version) for c in db.session.scalars(samples)} == versions
    assert course_count() == count and sorted(versions) == slugs


# ---------------------------------------------------------------- hostile YAML


def test_alias_bomb_in_course_yaml_is_refused_with_its_line(ctx):
    files = good_bundle()
    files["course.yaml"] = (COURSE_YAML + alias_bomb(levels=4)).encode()
    before_uploads, before_courses = uploads(), course_count()
    problems = problems_of(files)
    assert len(problems) == 1
    file, line, message = problems[0]
    assert file == "course.yaml" and line is not None
    assert "alias" in message
    assert uploads() == before_uploads and course_count() == before_courses


def test_alias_bomb_in_front_matter_is_refused(ctx):
    files = good_bundle()
    files["lessons/01-satu.md"] = ("---\ntitle: Satu\n" + alias_bomb(levels=4) + "---\nIsi\n").encode()
    problems = problems_of(files)
    assert [p[0] for p in problems] == ["lessons/01-satu.md"] and "alias" in problems[0][2]


def test_alias_bomb_in_quiz_settings_is_refused(ctx):
    files = good_bundle()
    files["quizzes/evaluasi.yaml"] = alias_bomb(levels=4).encode()
    problems = problems_of(files)
    assert [p[0] for p in problems] == ["quizzes/evaluasi.yaml"] and "alias" in problems[0][2]
