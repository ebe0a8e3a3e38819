"""The catalogue finds words inside lesson text (course_search, kept by triggers), ranked, with an
escaped snippet; every write path keeps it right; hostile queries never fail."""

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.courses import bundles, learning, search, services
from lms.courses.models import CourseStatus, Lesson, LessonCompletion
from lms.extensions import db
from tests import factories


@pytest.fixture
def trainer(make_user):
    return make_user(roles=(Role.TRAINER, Role.LEARNER))


def found(text: str, by) -> list[str]:
    """The titles found among the courses of `by` (other tests may have committed courses too)."""
    page = learning.catalogue(learning.CatalogueFilter(search=text))
    return [course.title for course in page.items if course.created_by_id == by.id]


def first_lesson(course) -> Lesson:
    query = sa.select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.id)
    return db.session.scalars(query).first()


def write(lesson: Lesson, body: str, *, by) -> None:
    data = services.LessonData(title=lesson.title, body_md=body, duration_minutes=lesson.duration_minutes)
    services.update_lesson(lesson, data, by=by)


@pytest.fixture
def gratifikasi(ctx, trainer, make_course):
    course = make_course(by=trainer, title="Etika Pelayanan", summary="Perilaku ASN.", modules=1, lessons=2)
    write(
        first_lesson(course),
        "Pegawai A&B wajib **melaporkan** gratifikasi `<i>` (nilai `<1` juta) kepada KPK.",
        by=trainer,
    )
    return course


def test_words_inside_lesson_text_find_the_course_with_a_highlighted_escaped_snippet(gratifikasi, trainer):
    page = learning.catalogue(learning.CatalogueFilter(search="gratifikasi"))
    assert [c.title for c in page.items if c.created_by_id == trainer.id] == ["Etika Pelayanan"]
    snippet = str(page.snippets[gratifikasi.id])
    assert "<mark>gratifikasi</mark>" in snippet and "melaporkan" in snippet and "**" not in snippet
    # The lesson's text, not its HTML: what looked like markup is shown as text.
    assert "A&amp;B" in snippet and "&lt;1" in snippet and "<i>" not in snippet
    # Prefixes and upper case; every word must appear somewhere in the course (title + lesson).
    assert found("GRATIFIK", trainer) == ["Etika Pelayanan"]
    assert found("etika gratifikasi", trainer) == ["Etika Pelayanan"]
    assert found("gratifikasi korupsi", trainer) == []
    # A match in the title alone shows no lesson snippet.
    assert gratifikasi.id not in learning.catalogue(learning.CatalogueFilter(search="pelayanan")).snippets


def test_title_ranks_above_summary_above_lesson_text(ctx, trainer, make_course):
    write(first_lesson(make_course(by=trainer, title="Zona Lesson", summary="Lain.")), "arsip", by=trainer)
    make_course(by=trainer, title="Yakin Summary", summary="Tata kelola arsip dinas.")
    make_course(by=trainer, title="Arsip Digital", summary="Lain.")
    assert found("arsip", trainer) == ["Arsip Digital", "Yakin Summary", "Zona Lesson"]


def test_only_published_courses_are_found(ctx, trainer, make_course):
    draft = make_course(by=trainer, title="Draf Rahasia", publish=False, modules=1, lessons=1)
    write(first_lesson(draft), "kata rahasiaku", by=trainer)
    assert found("rahasiaku", trainer) == []
    services.publish(draft, by=trainer)
    assert found("rahasiaku", trainer) == ["Draf Rahasia"]
    draft.status = CourseStatus.DRAFT  # taken off the catalogue
    db.session.flush()
    assert found("rahasiaku", trainer) == []


def test_every_write_path_keeps_the_index_right(gratifikasi, trainer, make_user):
    lesson = first_lesson(gratifikasi)
    write(lesson, "Sekarang tentang whistleblowing.", by=trainer)
    assert found("gratifikasi", trainer) == [] and found("whistleblowing", trainer) == ["Etika Pelayanan"]
    # The course's own fields.
    services.update_course(
        gratifikasi, services.CourseData(title="Budaya Antikorupsi", summary="Baru.", jp=2), by=trainer
    )
    assert (
        found("antikorupsi whistleblowing", trainer) == ["Budaya Antikorupsi"]
        and found("etika", trainer) == []
    )
    # A lesson removed; a lesson archived because a learner completed it; a new lesson.
    services.remove_lesson(lesson, by=trainer)
    assert found("whistleblowing", trainer) == []
    other = first_lesson(gratifikasi)
    write(other, "Materi benturan kepentingan.", by=trainer)
    enrolment = learning.enrol(make_user(), gratifikasi)
    db.session.add(LessonCompletion(enrolment_id=enrolment.id, lesson_id=other.id))
    db.session.flush()
    services.remove_lesson(other, by=trainer)
    assert other.archived_at is not None and found("benturan", trainer) == []
    module = gratifikasi.modules[0]
    data = services.LessonData(title="Pelaporan LHKPN", body_md="Harta kekayaan.")
    services.add_lesson(module, data, by=trainer)
    assert found("lhkpn kekayaan", trainer) == ["Budaya Antikorupsi"]
    # A course deleted takes its document with it.
    course_id = gratifikasi.id
    factories.delete_course(course_id)
    key = "course_id" if db.session.get_bind().dialect.name == "postgresql" else "rowid"
    left = sa.select(sa.func.count()).select_from(sa.table("course_search", sa.column(key)))
    assert db.session.scalar(left.where(sa.column(key) == course_id)) == 0


def test_bundle_imports_are_indexed_and_reimports_follow(ctx, trainer):
    files = {
        "course.yaml": (
            b"format: 1\nslug: tata-naskah\ntitle: Tata Naskah Dinas\nsummary: Surat.\njp: 2\n"
            b"modules:\n  - title: Modul 1\n    lessons:\n      - file: lessons/01-kop.md\n"
        ),
        "lessons/01-kop.md": b"---\ntitle: Kop surat\n---\nKop memuat lambang negara.\n",
    }
    bundles.import_files(files, by=trainer, publish=True)
    assert found("lambang", trainer) == ["Tata Naskah Dinas"]
    files["lessons/01-kop.md"] = b"---\ntitle: Kop surat\n---\nKop memuat logo instansi.\n"
    bundles.import_files(files, by=trainer)
    assert found("lambang", trainer) == [] and found("logo instansi", trainer) == ["Tata Naskah Dinas"]


HOSTILE = [
    '"',
    '""',
    "'",
    'a" OR "b',
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(gratifikasi kpk, 2)",
    "gratifikasi AND",
    "OR gratifikasi",
    "*",
    "gratifikasi*",
    "^gratifikasi",
    "(gratifikasi",
    "gratifikasi)",
    "title:gratifikasi",
    "lessons : gratifikasi",
    "{title summary}: x",
    "-gratifikasi",
    "+",
    "!gratifikasi",
    "gratifikasi & | ! <-> :*",
    "gratifikasi:*A",
    "\\",
    "%_%",
    "²³",
    "日本語",
    "ﷺ",
    "e\u0301",
    "\x00gratifikasi\x00",
    "x" * 10_000,
    "gratifikasi " * 2_000,
    "",
    "   ",
]


# Syntax is only a separator: these still find the course by its word.
FINDS = {"gratifikasi*", "^gratifikasi", "(gratifikasi", "gratifikasi)", "-gratifikasi", "!gratifikasi"}
FINDS |= {"gratifikasi & | ! <-> :*", "\x00gratifikasi\x00", "gratifikasi " * 2_000}


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_never_fail(gratifikasi, query):
    page = learning.catalogue(learning.CatalogueFilter(search=query))
    assert page.total >= len(page.items)  # other tests' committed courses may be found as well
    ours = [c.title for c in page.items if c.created_by_id == gratifikasi.created_by_id]
    assert len(ours) <= 1
    if query in FINDS:
        assert ours == ["Etika Pelayanan"]


def test_hostile_queries_over_http(client, app, trainer):
    with app.test_request_context():
        course = factories.course(by=trainer, title="Etika Pelayanan", modules=1, lessons=1)
        write(first_lesson(course), "gratifikasi", by=trainer)
        db.session.commit()
    for query in HOSTILE:
        response = client.get("/courses/", query_string={"q": query})
        # NUL is refused by the input guard before any view (400); anything else is a page.
        assert response.status_code == (400 if "\x00" in query else 200), query
        api = client.get("/api/v1/courses", query_string={"q": query})
        assert api.status_code in (200, 400, 422), query
    page = client.get("/courses/?q=gratifikasi")
    assert "<mark>gratifikasi</mark>" in page.text


def test_words_of_a_query():
    assert search.words('a" OR "b*') == ["a", "or", "b"]
    assert search.words("x" * 10_000) == ["x" * 50]
    assert len(search.words("kata " * 100)) == 8
    assert search.words("\x00 ^(*)") == []


def test_snippet_html_is_escaped_even_with_unbalanced_markers():
    assert str(search.highlighted("<b>\x02x\x03</b>")) == "&lt;b&gt;<mark>x</mark>&lt;/b&gt;"
    assert str(search.highlighted("\x02<i>")) == "&lt;i&gt;"


def test_search_pages_cost_the_same_statements_for_3_and_12_courses(
    client, login, make_user, make_course, trainer, app, count_queries
):
    login(make_user())
    counts = {}
    for n in (3, 12):
        with app.test_request_context():
            for i in range(n):
                course = make_course(by=trainer, title=f"Seri {n} nomor {i}", modules=1, lessons=2)
                write(first_lesson(course), f"kearsipan{n} materi {i}", by=trainer)
            db.session.commit()
        with count_queries() as statements:
            page = client.get(f"/courses/?q=kearsipan{n}")
        assert page.status_code == 200 and page.text.count("<mark>") == n
        counts[n] = len(statements)
    # user with roles; the page of courses with its total; the snippets; the filter options.
    assert counts[3] == counts[12] == 4
