"""Courses in a real browser: a trainer builds and publishes, learners enrol, read and complete."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.competencies.models import CompetencyType
from lms.competencies.services import competency_by_code, create_competency
from lms.courses import learning, services
from lms.courses.models import Course, CourseCompetency, Enrolment, Lesson, LessonCompletion
from lms.extensions import db
from tests import factories

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.e2e.steps import PASSWORD, PHONE, expect_greeting, log_in  # noqa: E402

pytestmark = pytest.mark.e2e

COMPETENCY = ("KOM", "Komunikasi")
IMAGE_ALT = "Alur pelayanan pasien di loket pendaftaran"
OLD_DEADLINE = "Jangka waktu pelayanan paling lama 14 hari kerja."
LESSON_1 = f"""## Komponen standar pelayanan

![{IMAGE_ALT}](media/alur-pelayanan.png)

Standar pelayanan memuat:

- persyaratan dan prosedur;
- biaya atau tarif;
- produk layanan.

{OLD_DEADLINE}

| Komponen | Contoh |
|---|---|
| Persyaratan | KTP-el dan kartu BPJS Kesehatan |
| Waktu | 15 menit di loket pendaftaran |
"""
LESSON_2 = """## Menanggapi pengaduan

Setiap pengaduan dari SP4N-LAPOR! dijawab paling lama **5 hari kerja**.
"""


# ---------------------------------------------------------------- data (run through live_db)


def ensure_competency() -> str:
    """The competency the courses award: the migration seeds it, but an earlier e2e module's wipe
    empties the table."""
    code, name = COMPETENCY
    if competency_by_code(code) is None:
        create_competency(
            code, name, CompetencyType.MANAGERIAL, {n: f"Perilaku komunikasi level {n}." for n in range(1, 6)}
        )
    return name


@dataclass(frozen=True)
class Seeded:
    id: int
    slug: str
    title: str
    lesson_ids: tuple[int, ...]
    lesson_titles: tuple[str, ...]


def make_course(
    trainer_id: int,
    title: str,
    *,
    category: str = "Pelayanan Publik",
    jp: int = 3,
    summary: str = "Menyusun standar pelayanan dan menanggapi pengaduan masyarakat.",
    lessons: tuple[tuple[str, str], ...] = (
        ("Standar pelayanan", LESSON_1),
        ("Pengelolaan pengaduan", LESSON_2),
    ),
) -> Seeded:
    """A published course with one module, an 800x450 image and the given lessons, as a trainer
    would have made it in the browser."""
    ensure_competency()
    trainer = db.session.get(User, trainer_id)
    course = services.create_course(
        services.CourseData(
            title=title,
            summary=summary,
            category=category,
            jp=jp,
            competencies=[(COMPETENCY[0], 2)],
        ),
        by=trainer,
    )
    module = services.add_module(course, "Modul 1: Dasar pelayanan", by=trainer)
    services.upload_media(course, "alur-pelayanan.png", factories.png(800, 450), by=trainer)
    added = [
        services.add_lesson(
            module, services.LessonData(title=name, body_md=body, duration_minutes=15), by=trainer
        )
        for name, body in lessons
    ]
    services.publish(course, by=trainer)
    return Seeded(
        course.id, course.slug, course.title, tuple(x.id for x in added), tuple(x.title for x in added)
    )


def make_progress(user_id: int, course_id: int, lesson_ids: tuple[int, ...]) -> None:
    """Enrol a learner and mark these lessons done, as if they had clicked through them."""
    enrolment = learning.enrol(db.session.get(User, user_id), db.session.get(Course, course_id))
    for lesson_id in lesson_ids:
        learning.mark_lesson_done(enrolment, db.session.get(Lesson, lesson_id))


def enrolment_of(user_id: int, course_id: int):
    return sa.select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)


def set_completed_at(user_id: int, course_id: int, when: datetime) -> None:
    """As the app stores it: in UTC (SQLite would keep another zone's wall time as if it were UTC)."""
    db.session.scalar(enrolment_of(user_id, course_id)).completed_at = when


def lessons_done(user_id: int, course_id: int):
    return (
        sa.select(sa.func.count())
        .select_from(LessonCompletion)
        .join(Enrolment)
        .where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    )


def completed_version(user_id: int, course_id: int):
    return enrolment_of(user_id, course_id).with_only_columns(Enrolment.completed_version)


# ---------------------------------------------------------------- steps


def lesson_heading(page: Page):
    return page.locator("article.lesson").get_by_role("heading", level=1)


def expect_progress(page: Page, percent: int) -> None:
    expect(page.get_by_text(f"{percent}% selesai", exact=True)).to_be_visible()
    expect(page.get_by_role("progressbar", name="Kemajuan")).to_have_attribute("value", str(percent))


def jp_panel(page: Page):
    """The home page's one JP number: the careers ledger's panel ("Karier saya")."""
    return page.locator("section").filter(has=page.get_by_role("heading", name="Karier saya", exact=True))


def learning_panel(page: Page):
    """The home page's own panel of courses ("Belajar saya"); other features add panels too."""
    return page.locator("section").filter(has=page.get_by_role("heading", name="Belajar saya", exact=True))


def open_catalogue(page: Page) -> None:
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Kursus", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Katalog kursus")


def search_catalogue(page: Page, *, search: str = "", category: str = "") -> None:
    """On the catalogue: search for words and/or choose a category."""
    page.get_by_label("Cari judul, ringkasan, atau isi pelajaran").fill(search)
    if category:
        if page.locator(".catalogue-search details[open]").count() == 0:
            page.get_by_text("Saring menurut kategori").click()  # the filters are folded away
        page.get_by_label("Kategori").select_option(label=category)
        page.get_by_role("button", name="Tampilkan").click()
    else:
        page.get_by_role("button", name="Cari", exact=True).click()


def catalogue_entry(page: Page, title: str):
    return page.locator("article.course").filter(has=page.get_by_role("link", name=title, exact=True))


# ---------------------------------------------------------------- 1. the trainer builds and publishes


@pytest.fixture
def trainer(live_agency, live_user):
    return live_user(
        live_agency(name="Badan Pengembangan SDM Provinsi Maluku"),
        roles=(Role.TRAINER,),
        name="Dr. Abraham Tuhumury, M.Pd. (Widyaiswara Ahli Madya)",
    )


def test_trainer_builds_a_course_and_publishes_it_to_the_catalogue(page, trainer, live_db, live_scalar):
    live_db(ensure_competency)
    decoy = live_db(
        make_course,
        trainer.id,
        "Pengelolaan Arsip Dinamis",
        category="Kearsipan",
        summary="Menata arsip aktif dan inaktif di unit kerja.",
    )
    title = "Penyusunan Sasaran Kinerja Pegawai (SKP)"
    alt = "Alur penyusunan SKP"

    log_in(page, trainer.email)
    page.get_by_role("link", name="Mengajar", exact=True).click()
    expect(page).to_have_url(re.compile(r"/teach/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kursus saya")
    page.get_by_role("link", name="Buat kursus").click()
    page.get_by_label("Judul kursus").fill(title)
    page.get_by_label("Ringkasan").fill("Langkah menyusun SKP dan melakukan dialog kinerja bersama atasan.")
    page.get_by_label("Kategori").fill("Manajemen Kinerja")
    page.get_by_label("Jam pelajaran (JP)").fill("4")
    page.get_by_label("Komunikasi").select_option(label="Level 3")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("status")).to_have_text("Kursus dibuat. Tambahkan modul dan pelajaran.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("Draf · versi 0 · 4 JP")).to_be_visible()
    course_id = int(re.search(r"/teach/(\d+)$", page.url).group(1))
    assert live_scalar(sa.select(CourseCompetency.level).where(CourseCompetency.course_id == course_id)) == 3

    page.get_by_label("Judul modul").fill("Modul 1: Perencanaan kinerja")
    page.get_by_role("button", name="Tambah modul").click()
    expect(page.get_by_role("status")).to_have_text("Modul ditambahkan.")
    expect(page.get_by_role("heading", name="1. Modul 1: Perencanaan kinerja")).to_be_visible()

    # The image first, on the media page, which shows how to write it in a lesson.
    page.get_by_role("link", name="Media dan lampiran").click()
    page.get_by_label("Berkas").set_input_files(
        {"name": "alur-skp.png", "mimeType": "image/png", "buffer": factories.png(640, 360)}
    )
    page.get_by_role("button", name="Unggah").click()
    expect(page.get_by_role("status")).to_have_text("Berkas alur-skp.png diunggah.")
    snippet = page.get_by_role("row").filter(has_text="alur-skp.png").locator("code")
    expect(snippet).to_have_text("![keterangan](media/alur-skp.png)")
    image_markdown = snippet.inner_text().replace("keterangan", alt)

    page.get_by_role("link", name=title).click()
    page.get_by_role("link", name="Tambah pelajaran").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tambah pelajaran")
    page.get_by_label("Judul pelajaran").fill("Menyusun rencana hasil kerja")
    body = (
        f"## Tahapan penyusunan SKP\n\n{image_markdown}\n\n"
        "- Tetapkan rencana hasil kerja\n- Tentukan indikator kinerja\n- Sepakati dengan atasan\n\n"
        "Lihat [PermenPAN-RB Nomor 6 Tahun 2022](https://jdih.menpan.go.id/).\n"
    )
    page.get_by_label("Isi pelajaran (Markdown)").fill(body)
    page.get_by_label("Perkiraan waktu (menit)").fill("20")
    page.get_by_role("button", name="Pratinjau", exact=True).click()
    preview = page.locator("section").filter(
        has=page.get_by_role("heading", name="Pratinjau (belum disimpan)")
    )
    expect(preview.get_by_role("heading", level=2, name="Tahapan penyusunan SKP")).to_be_visible()
    expect(preview.get_by_role("listitem")).to_have_text(
        ["Tetapkan rencana hasil kerja", "Tentukan indikator kinerja", "Sepakati dengan atasan"]
    )
    link = preview.get_by_role("link", name="PermenPAN-RB Nomor 6 Tahun 2022")
    expect(link).to_have_attribute("href", "https://jdih.menpan.go.id/")
    expect(link).to_have_attribute("rel", "noopener nofollow")
    image = preview.get_by_role("img", name=alt)
    expect(image).to_have_attribute("src", re.compile(r"^/courses/media/[\w-]{24}\.png$"))
    expect(image).to_have_attribute("width", "640")
    page.wait_for_function("img => img.complete && img.naturalWidth === 640", arg=image.element_handle())
    expect(page.get_by_label("Isi pelajaran (Markdown)")).to_have_value(body)
    assert live_scalar(sa.select(sa.func.count(Lesson.id)).where(Lesson.course_id == course_id)) == 0

    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("status")).to_have_text("Pelajaran ditambahkan.")
    page.get_by_role("link", name="Tambah pelajaran").click()
    page.get_by_label("Judul pelajaran").fill("Dialog kinerja dengan atasan")
    page.get_by_label("Isi pelajaran (Markdown)").fill("Jadwalkan **dialog kinerja** setiap triwulan.")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("status")).to_have_text("Pelajaran ditambahkan.")
    expect(page.locator("main ol li > a")).to_have_text(
        ["Menyusun rencana hasil kerja", "Dialog kinerja dengan atasan"]
    )

    page.goto("/courses/?q=dialog")  # a draft is not listed yet
    expect(page.get_by_text("Belum ada kursus yang cocok. Coba kata kunci atau filter lain.")).to_be_visible()

    page.go_back()
    page.get_by_role("button", name="Terbitkan", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Kursus diterbitkan (versi 1).")
    expect(page.get_by_text("Terbit · versi 1 · 4 JP")).to_be_visible()

    open_catalogue(page)
    search_catalogue(page, search="Dialog")
    expect(catalogue_entry(page, title)).to_be_visible()
    expect(catalogue_entry(page, title)).to_contain_text("Manajemen Kinerja · 4 JP")
    expect(catalogue_entry(page, title).locator(".tags")).to_have_text("Komunikasi 3")
    expect(catalogue_entry(page, decoy.title)).to_have_count(0)
    search_catalogue(page, category="Manajemen Kinerja")
    expect(page).to_have_url(re.compile(r"category=Manajemen\+Kinerja"))
    expect(catalogue_entry(page, title)).to_be_visible()
    expect(catalogue_entry(page, decoy.title)).to_have_count(0)
    search_catalogue(page, category="Kearsipan")
    expect(catalogue_entry(page, decoy.title)).to_be_visible()
    expect(catalogue_entry(page, title)).to_have_count(0)

    html = live_scalar(sa.select(Lesson.body_html).where(Lesson.course_id == course_id, Lesson.position == 1))
    assert re.search(r'<img [^>]*src="/courses/media/[\w-]{24}\.png"', html), html
    assert live_scalar(sa.select(Course.version).where(Course.id == course_id)) == 1


# ---------------------------------------------------------------- 2. a learner enrols, reads, completes


def test_learner_enrols_reads_and_completes_a_course(
    page, trainer, live_db, live_agency, live_user, live_scalar
):
    course = live_db(make_course, trainer.id, "Pelayanan Publik Prima di Puskesmas")
    learner = live_user(
        live_agency(name="Dinas Kesehatan Kabupaten Maluku Tengah"), name="Nurlela Tuasikal, A.Md.Kep."
    )
    first, second = course.lesson_titles

    log_in(page, learner.email)
    expect_greeting(page, learner.name)
    expect(jp_panel(page)).to_contain_text(re.compile(r"\(semua sumber\): 0 dari 20 JP"))
    open_catalogue(page)
    search_catalogue(page, search="puskesmas")
    page.get_by_role("link", name=course.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)
    expect(page.get_by_text("Komunikasi — level 2")).to_be_visible()
    page.get_by_role("button", name="Daftar kursus").click()

    expect(page.get_by_role("status")).to_have_text(
        f"Anda terdaftar di kursus {course.title}. Selamat belajar!"
    )
    expect(lesson_heading(page)).to_have_text(first)
    expect_progress(page, 0)
    prose = page.locator("article.lesson .prose")
    expect(prose.get_by_role("heading", level=2)).to_have_text("Komponen standar pelayanan")
    image = prose.get_by_role("img", name=IMAGE_ALT)
    expect(image).to_have_attribute("loading", "lazy")
    expect(image).to_have_attribute("width", "800")
    expect(image).to_have_attribute("height", "450")
    page.wait_for_function("img => img.complete && img.naturalWidth === 800", arg=image.element_handle())

    page.get_by_role("button", name="Tandai selesai").click()
    expect(page.get_by_role("status")).to_have_text("Pelajaran ini ditandai selesai.")
    expect(lesson_heading(page)).to_have_text(first)
    page.get_by_role("link", name="Lanjut ke pelajaran berikutnya").click()
    expect(lesson_heading(page)).to_have_text(second)
    expect_progress(page, 50)
    toc = page.get_by_role("navigation", name="Daftar pelajaran")
    expect(toc.get_by_role("listitem")).to_have_text([f"{first} ✓", second])
    assert live_scalar(lessons_done(learner.id, course.id)) == 1

    # Continue where I left off: away to the home page, back through the course page.
    page.get_by_role("link", name="Beranda", exact=True).click()
    in_progress = learning_panel(page).get_by_role("listitem").filter(has_text=course.title)
    expect(learning_panel(page).get_by_role("heading", name="Sedang dipelajari")).to_be_visible()
    expect(in_progress).to_contain_text("50\u00a0%")
    open_catalogue(page)
    search_catalogue(page, search="puskesmas")
    page.get_by_role("link", name=course.title).click()
    expect_progress(page, 50)
    page.get_by_role("link", name="Lanjutkan belajar").click()
    expect(lesson_heading(page)).to_have_text(second)
    expect(toc.get_by_role("listitem").filter(has_text=second)).to_have_attribute("aria-current", "page")

    page.get_by_role("button", name="Tandai selesai").click()
    expect(page.get_by_role("status")).to_have_text(
        f"Selamat! Anda telah menyelesaikan kursus {course.title}."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)
    expect(page.get_by_text(re.compile(r"^Anda telah menyelesaikan kursus ini pada "))).to_be_visible()
    expect_progress(page, 100)
    assert live_scalar(completed_version(learner.id, course.id)) == 1

    page.get_by_role("link", name="Beranda", exact=True).click()
    panel = learning_panel(page)
    expect(jp_panel(page)).to_contain_text(re.compile(r"\(semua sumber\): 3 dari 20 JP"))
    expect(jp_panel(page).get_by_role("progressbar", name="JP tahun ini")).to_have_attribute("value", "3")
    expect(panel.get_by_text("1 kursus selesai")).to_be_visible()
    expect(panel.get_by_role("heading", name="Sedang dipelajari")).to_have_count(0)


# ---------------------------------------------------------------- 3. the trainer updates a course in use


def test_republishing_keeps_learners_progress_and_shows_the_new_text(
    contexts, page, trainer, live_db, live_agency, live_user, live_scalar
):
    course = live_db(make_course, trainer.id, "Standar Pelayanan Publik untuk Kecamatan")
    agency = live_agency(name="Kecamatan Sirimau, Kota Ambon")
    finished = live_user(agency, name="Johanis Latumahina")
    halfway = live_user(agency, name="Fatima Rumalutur")
    live_db(make_progress, finished.id, course.id, course.lesson_ids)
    live_db(make_progress, halfway.id, course.id, course.lesson_ids[:1])
    first = course.lesson_titles[0]
    new_deadline = "Jangka waktu pelayanan paling lama 7 hari kerja sejak berkas lengkap."

    log_in(page, trainer.email)
    page.get_by_role("link", name="Mengajar", exact=True).click()
    page.get_by_role("link", name=course.title).click()
    page.get_by_role("link", name=first).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ubah pelajaran")
    editor = page.get_by_label("Isi pelajaran (Markdown)")
    expect(editor).to_have_value(LESSON_1)
    editor.fill(LESSON_1.replace(OLD_DEADLINE, new_deadline))
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("status")).to_have_text("Pelajaran disimpan.")
    expect(page.get_by_text("ada perubahan sejak terbit terakhir")).to_be_visible()
    page.get_by_role("button", name="Terbitkan ulang").click()
    expect(page.get_by_role("status")).to_have_text("Kursus diterbitkan (versi 2).")

    done = contexts.new().new_page()
    log_in(done, finished.email)
    done.goto(f"/courses/{course.slug}")
    expect(done.get_by_text(re.compile(r"^Anda telah menyelesaikan kursus ini pada "))).to_be_visible()
    expect_progress(done, 100)
    expect(done.locator("section.module li")).to_have_text([re.compile(r"✓$")] * 2)
    done.get_by_role("link", name="Lanjutkan belajar").click()
    expect(lesson_heading(done)).to_have_text(first)
    expect(done.get_by_text(new_deadline)).to_be_visible()
    expect(done.get_by_text(OLD_DEADLINE)).to_have_count(0)
    expect(done.get_by_text("Pelajaran ini sudah selesai.")).to_be_visible()
    done.goto("/")
    expect(jp_panel(done)).to_contain_text(re.compile(r"\(semua sumber\): 3 dari 20 JP"))
    assert live_scalar(completed_version(finished.id, course.id)) == 1  # what they completed

    half = contexts.new().new_page()
    log_in(half, halfway.email)
    half.goto(f"/courses/{course.slug}")
    expect_progress(half, 50)
    half.get_by_role("link", name="Lanjutkan belajar").click()
    expect(lesson_heading(half)).to_have_text(course.lesson_titles[1])
    half.get_by_role("link", name="Sebelumnya").click()
    expect(lesson_heading(half)).to_have_text(first)
    expect(half.get_by_text(new_deadline)).to_be_visible()
    expect(half.get_by_text("Pelajaran ini sudah selesai.")).to_be_visible()
    assert live_scalar(lessons_done(halfway.id, course.id)) == 1


# ---------------------------------------------------------------- 4. without JavaScript


def test_find_enrol_and_mark_a_lesson_done_without_javascript(
    contexts, trainer, live_db, live_agency, live_user, live_scalar
):
    course = live_db(make_course, trainer.id, "Etika Pelayanan bagi Petugas Loket")
    learner = live_user(live_agency(name="Kantor Kecamatan Tanimbar Selatan"), name="Petrus Fenanlampir")
    page = contexts.new(java_script_enabled=False).new_page()

    page.goto("/courses/")  # the catalogue is open to visitors
    page.get_by_label("Cari judul, ringkasan, atau isi pelajaran").fill("loket")
    page.get_by_role("button", name="Cari", exact=True).click()
    page.get_by_role("link", name=course.title).click()
    page.get_by_role("link", name="Masuk untuk mendaftar").click()
    page.get_by_label("NIP atau email").fill(learner.nip)
    page.get_by_label("Kata sandi", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/courses/{course.slug}$"))

    page.get_by_role("button", name="Daftar kursus").click()
    expect(lesson_heading(page)).to_have_text(course.lesson_titles[0])
    expect_progress(page, 0)
    page.get_by_role("button", name="Tandai selesai").click()
    page.get_by_role("link", name="Lanjut ke pelajaran berikutnya").click()
    expect(lesson_heading(page)).to_have_text(course.lesson_titles[1])
    expect_progress(page, 50)
    assert live_scalar(lessons_done(learner.id, course.id)) == 1


# ---------------------------------------------------------------- 5. phones


def test_catalogue_and_lesson_fit_a_small_phone(contexts, trainer, live_db, live_agency, live_user):
    course = live_db(make_course, trainer.id, "Penanganan Pengaduan Masyarakat melalui SP4N-LAPOR!")
    learner = live_user(
        live_agency(name="Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kepulauan Aru"),
        name="Yuliana Gaite Djonler",
    )
    live_db(make_progress, learner.id, course.id, ())
    page = contexts.new(**PHONE).new_page()
    widths = {}

    log_in(page, learner.email)
    for path in (
        "/courses/",
        f"/courses/{course.slug}",
        f"/courses/{course.slug}/learn/{course.lesson_ids[0]}",
    ):
        page.goto(path)
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    image = page.locator("article.lesson .prose").get_by_role("img", name=IMAGE_ALT)
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth === 800", arg=image.element_handle())
    assert image.bounding_box()["width"] <= 360

    assert {path: w for path, w in widths.items() if w > 360} == {}


def test_long_addresses_and_code_in_a_lesson_fit_a_small_phone(
    contexts, trainer, live_db, live_agency, live_user
):
    course = live_db(
        make_course,
        trainer.id,
        "Layanan Kepegawaian Digital",
        lessons=(
            (
                "Formulir pengaduan",
                "Unduh formulir di https://sp4n.lapor.go.id/instansi/"
                "pemerintah-kabupaten-kepulauan-aru/formulir-pengaduan-2024.pdf lalu isi.",
            ),
            (
                "Menarik data pegawai",
                "```\nSELECT nip, nama, unit_kerja, jabatan FROM pegawai "
                "WHERE instansi = 'Kabupaten Kepulauan Aru' ORDER BY nama;\n```",
            ),
        ),
    )
    learner = live_user(live_agency(), name="Stevanus Ubro")
    live_db(make_progress, learner.id, course.id, ())
    page = contexts.new(**PHONE).new_page()
    widths = {}

    log_in(page, learner.email)
    for lesson_id, title in zip(course.lesson_ids, course.lesson_titles, strict=True):
        page.goto(f"/courses/{course.slug}/learn/{lesson_id}")
        expect(lesson_heading(page)).to_have_text(title)
        widths[title] = page.evaluate("document.documentElement.scrollWidth")

    assert {title: w for title, w in widths.items() if w > 360} == {}


# ---------------------------------------------------------------- 6. JP of the year, in the learner's zone


def test_a_course_completed_just_after_new_year_counts_for_the_new_year(
    page, trainer, live_db, live_agency, live_user
):
    papua = ZoneInfo("Asia/Jayapura")
    course = live_db(make_course, trainer.id, "Pelayanan Administrasi Kependudukan", jp=6)
    learner = live_user(
        live_agency(name="Dinas Dukcapil Kabupaten Jayapura", timezone="Asia/Jayapura"), name="Origenes Yoku"
    )
    live_db(make_progress, learner.id, course.id, course.lesson_ids)
    new_year = datetime(datetime.now(papua).year, 1, 1, 0, 30, tzinfo=papua)
    live_db(set_completed_at, learner.id, course.id, new_year.astimezone(UTC))  # 15:30, 31 December

    log_in(page, learner.email)
    expect_greeting(page, learner.name)
    jp = jp_panel(page).get_by_text(re.compile(r"\(semua sumber\): ")).inner_text()  # read once
    assert jp.endswith(": 6 dari 20 JP"), jp
