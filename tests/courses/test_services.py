"""Course services: authoring, publishing, enrolment, completion, progress, catalogue, assignment."""

import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app

from config import Config
from lms.accounts import agencies
from lms.accounts.models import Role
from lms.competencies.services import available_competencies
from lms.courses import completion, learning, services
from lms.courses.errors import CourseError, CourseNotOpen, CoursePermissionDenied, MediaRejected
from lms.courses.models import Enrolment, Lesson, LessonCompletion
from lms.courses.signals import course_awards_changed, course_completed
from lms.extensions import db
from tests import factories


@pytest.fixture
def trainer(ctx, make_user):
    return make_user(roles=(Role.TRAINER,))


@pytest.fixture
def learner(ctx, make_user):
    return make_user()


def lessons_of(course):
    return learning.outline(course).lessons


# ---------------------------------------------------------------- authoring


def test_create_course_validates_and_makes_unique_slugs(trainer):
    data = services.CourseData(title="Komunikasi Publik", jp=3, competencies=[("kom", 2), ("PB", 1)])
    first = services.create_course(data, by=trainer)
    second = services.create_course(data, by=trainer)
    assert (first.slug, second.slug) == ("komunikasi-publik", "komunikasi-publik-2")
    assert first.created_by_id == trainer.id and first.version == 0 and not first.is_published
    assert {(cc.competency.code, cc.level) for cc in first.competencies} == {("KOM", 2), ("PB", 1)}
    assert first.completion_rule == {"lessons": "required"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": " "}, "title"),
        ({"jp": -1}, "jp"),
        ({"jp": "dua"}, "jp"),
        ({"jp": 5000}, "jp"),
        ({"competencies": [("XYZ", 2)]}, "competencies"),
        ({"competencies": [("KOM", 6)]}, "competencies"),
        ({"competencies": [("KOM", 0)]}, "competencies"),
        ({"competencies": [("KOM", 1), ("kom", 2)]}, "competencies"),
        ({"completion_rule": {"lessons": "sometimes"}}, "completion"),
        ({"completion_rule": {"unknown": "x"}}, "completion"),
        ({"completion_rule": {"lessons": ""}}, "completion"),
        ({"slug": "Bukan Slug!"}, "slug"),
    ],
)
def test_invalid_course_data_is_refused(trainer, changes, field):
    data = services.CourseData(title="Kursus Baik", jp=2)
    for key, value in changes.items():
        setattr(data, key, value)
    with pytest.raises(CourseError) as info:
        services.create_course(data, by=trainer)
    assert info.value.field == field


def test_only_trainers_create_and_only_owner_or_admin_edit(trainer, learner, make_user):
    with pytest.raises(CoursePermissionDenied):
        services.create_course(services.CourseData(title="Kursus Peserta"), by=learner)
    course = services.create_course(services.CourseData(title="Milik Pengajar"), by=trainer)
    other_trainer = make_user(roles=(Role.TRAINER,))
    admin = make_user(roles=(Role.ADMIN,))
    for intruder in (learner, other_trainer):
        with pytest.raises(CoursePermissionDenied):
            services.update_course(course, services.CourseData(title="Dibajak"), by=intruder)
        with pytest.raises(CoursePermissionDenied):
            services.add_module(course, "Modul liar", by=intruder)
    assert course.title == "Milik Pengajar" and course.modules == []
    services.update_course(course, services.CourseData(title="Diubah Admin"), by=admin)
    assert course.title == "Diubah Admin"


def test_lessons_store_sanitised_html_and_keep_order(trainer):
    course = services.create_course(services.CourseData(title="Urutan"), by=trainer)
    module = services.add_module(course, "Modul", by=trainer)
    a = services.add_lesson(
        module,
        services.LessonData(
            title="A", body_md="Halo <script>alert(1)</script> [x](javascript:alert(1)) **tebal**"
        ),
        by=trainer,
    )
    b = services.add_lesson(module, services.LessonData(title="B"), by=trainer)
    assert "<script" not in a.body_html and "href" not in a.body_html
    assert "<strong>tebal</strong>" in a.body_html
    assert a.source_file == "lessons/a.md"
    services.move_lesson(b, -1, by=trainer)
    assert [x.title for x in lessons_of(course)] == ["B", "A"]
    with pytest.raises(CourseError) as info:
        services.update_lesson(a, services.LessonData(title="A", video_url="javascript:alert(1)"), by=trainer)
    assert info.value.field == "video_url"


def test_publish_needs_a_lesson_and_increments_version(trainer):
    course = services.create_course(services.CourseData(title="Kosong"), by=trainer)
    with pytest.raises(CourseError):
        services.publish(course, by=trainer)
    assert not course.is_published
    module = services.add_module(course, "Modul", by=trainer)
    services.add_lesson(module, services.LessonData(title="Satu"), by=trainer)
    services.publish(course, by=trainer)
    services.publish(course, by=trainer)
    assert course.is_published and course.version == 2


# ---------------------------------------------------------------- enrolment and completion


def test_enrol_is_idempotent_and_needs_a_published_course(trainer, learner, make_course):
    draft = make_course(by=trainer, publish=False)
    with pytest.raises(CourseNotOpen):
        learning.enrol(learner, draft)
    course = make_course(by=trainer)
    first = learning.enrol(learner, course)
    assert learning.enrol(learner, course) is first
    count = db.session.scalar(sa.select(sa.func.count(Enrolment.id)).where(Enrolment.user_id == learner.id))
    assert count == 1


def test_completion_happens_once_with_signal_and_version(trainer, learner, make_course):
    course = make_course(by=trainer, modules=1, lessons=2)
    enrolment = learning.enrol(learner, course)
    received = []

    def on_completed(sender, enrolment):
        received.append(enrolment.id)

    course_completed.connect(on_completed)
    try:
        first, second = lessons_of(course)
        assert learning.mark_lesson_done(enrolment, first) is False
        assert learning.mark_lesson_done(enrolment, first) is False  # idempotent
        assert enrolment.completed_at is None
        assert learning.mark_lesson_done(enrolment, second) is True
        assert learning.mark_lesson_done(enrolment, second) is False
        assert completion.check_completion(enrolment) is False
    finally:
        course_completed.disconnect(on_completed)
    assert received == [enrolment.id]
    assert enrolment.completed_at is not None and enrolment.completed_version == 1
    count = db.session.scalar(
        sa.select(sa.func.count(LessonCompletion.id)).where(LessonCompletion.enrolment_id == enrolment.id)
    )
    assert count == 2


def test_optional_lessons_do_not_block_completion_unless_rule_says_all(trainer, learner, make_course):
    course = make_course(by=trainer, modules=1, lessons=2)
    required, optional = lessons_of(course)
    services.update_lesson(optional, services.LessonData(title=optional.title, required=False), by=trainer)
    enrolment = learning.enrol(learner, course)
    assert learning.mark_lesson_done(enrolment, required) is True

    strict = make_course(by=trainer, modules=1, lessons=2, completion_rule={"lessons": "all"})
    first, second = lessons_of(strict)
    services.update_lesson(second, services.LessonData(title=second.title, required=False), by=trainer)
    enrolment = learning.enrol(learner, strict)
    assert learning.mark_lesson_done(enrolment, first) is False
    assert learning.mark_lesson_done(enrolment, second) is True


def test_other_features_plug_in_criteria(trainer, learner, make_course):
    passed = {"value": False}
    completion.register_criterion(
        "plugged", lambda enrolment, option: passed["value"], options=[("required", "Kuis wajib lulus")]
    )
    try:
        course = make_course(
            by=trainer, modules=1, lessons=1, completion_rule={"lessons": "required", "plugged": "required"}
        )
        enrolment = learning.enrol(learner, course)
        assert learning.mark_lesson_done(enrolment, lessons_of(course)[0]) is False
        assert completion.unmet_criteria(enrolment) == ["plugged"]
        passed["value"] = True
        assert completion.check_completion(enrolment) is True
    finally:
        completion._criteria.pop("plugged")
    # A rule naming a criterion that is no longer registered never completes a course.
    assert completion.unmet_criteria(enrolment) == ["plugged"]


def test_lesson_from_another_course_is_refused(trainer, learner, make_course):
    course, other = make_course(by=trainer), make_course(by=trainer)
    enrolment = learning.enrol(learner, course)
    with pytest.raises(CourseError):
        learning.mark_lesson_done(enrolment, lessons_of(other)[0])
    assert learning.completed_lesson_ids(enrolment) == set()


def test_editing_and_republishing_keeps_progress(trainer, learner, make_course):
    course = make_course(by=trainer, modules=1, lessons=2)
    enrolment = learning.enrol(learner, course)
    first, second = lessons_of(course)
    ids = [first.id, second.id]
    learning.mark_lesson_done(enrolment, first)
    services.update_lesson(
        first, services.LessonData(title="Judul baru", body_md="Teks **baru**"), by=trainer
    )
    services.add_lesson(first.module, services.LessonData(title="Tambahan"), by=trainer)
    services.publish(course, by=trainer)
    lessons = lessons_of(course)
    assert [x.id for x in lessons][:2] == ids
    assert "<strong>baru</strong>" in lessons[0].body_html
    assert learning.completed_lesson_ids(enrolment) == {first.id}
    assert learning.progress(enrolment, lessons, {first.id}) == learning.Progress(1, 3, False, 1, 3)
    for lesson in lessons[1:]:
        learning.mark_lesson_done(enrolment, lesson)
    assert enrolment.completed_version == 2

    # A lesson added after completion does not undo it; a completed lesson is archived, not deleted.
    services.add_lesson(first.module, services.LessonData(title="Sesudah lulus"), by=trainer)
    services.publish(course, by=trainer)
    services.remove_lesson(first, by=trainer)
    assert db.session.get(Lesson, first.id).archived_at is not None
    assert first.id in learning.completed_lesson_ids(enrolment)
    assert first.id not in [x.id for x in lessons_of(course)]
    assert enrolment.completed_at is not None and enrolment.completed_version == 2


def test_remove_lesson_without_completions_deletes_it(trainer, make_course):
    course = make_course(by=trainer, modules=1, lessons=3)
    first, second, third = lessons_of(course)
    services.remove_lesson(second, by=trainer)
    assert db.session.get(Lesson, second.id) is None
    assert [(x.id, x.position) for x in lessons_of(course)] == [(first.id, 1), (third.id, 2)]


def test_deleting_a_lesson_row_deletes_its_completions_in_the_database(trainer, learner, make_course):
    """The services archive a completed lesson; whatever deletes its row (a course's cascade,
    an operator's SQL) takes its completions with it instead of being refused or depending on
    the order in which PostgreSQL fires the course's cascades."""
    course = make_course(by=trainer, modules=1, lessons=2)
    enrolment = learning.enrol(learner, course)
    first, second = lessons_of(course)
    learning.mark_lesson_done(enrolment, first)
    learning.mark_lesson_done(enrolment, second)
    db.session.execute(sa.delete(Lesson).where(Lesson.id == first.id))
    count = sa.select(sa.func.count()).select_from(LessonCompletion)
    assert db.session.scalar(count.where(LessonCompletion.lesson_id == first.id)) == 0
    assert db.session.scalar(count.where(LessonCompletion.enrolment_id == enrolment.id)) == 1

    factories.delete_course(course.id)  # the course row alone: lessons and enrolments cascade
    assert db.session.scalar(count.where(LessonCompletion.enrolment_id == enrolment.id)) == 0
    assert db.session.get(Enrolment, enrolment.id, populate_existing=True) is None


def test_progress_and_continue_where_left_off(trainer, learner, make_course):
    course = make_course(by=trainer, modules=2, lessons=2)
    enrolment = learning.enrol(learner, course)
    lessons = lessons_of(course)
    assert learning.continue_lesson(lessons, set()) == lessons[0]
    learning.mark_lesson_done(enrolment, lessons[0])
    learning.mark_lesson_done(enrolment, lessons[2])
    done = learning.completed_lesson_ids(enrolment)
    assert learning.continue_lesson(lessons, done) == lessons[1]
    assert learning.progress(enrolment, lessons, done).percent == 50


# ---------------------------------------------------------------- catalogue


def test_catalogue_cards_carry_every_competency_once_in_order(trainer, make_course, app):
    course = make_course(by=trainer, title="Dua Kompetensi", competencies=[("KOM", 2), ("INT", 3)])
    page = learning.catalogue(learning.CatalogueFilter(search="Dua Kompetensi"))
    (card,) = [c for c in page.items if c.id == course.id]
    assert (card.slug, card.title, card.jp, card.category) == (course.slug, course.title, course.jp, "Umum")
    db.session.expire(course, ["competencies"])  # loaded again, in the relationship's order
    expected = tuple(
        learning.CourseTag(cc.competency.code, cc.competency.name, cc.level) for cc in course.competencies
    )
    assert card.competencies == expected and {t.code for t in expected} == {"KOM", "INT"}
    assert learning.card_of(course) == card  # the API's course shape, from an ORM course
    filtered = learning.catalogue(learning.CatalogueFilter(competency="int"), per_page=100).items
    assert [c.competencies for c in filtered if c.id == course.id] == [expected]


def test_catalogue_search_and_filters(trainer, make_course):
    # Other tests may have committed published courses: the page counts are taken relative to them.
    base = learning.catalogue(learning.CatalogueFilter()).total
    base_categories = learning.categories()
    make_course(
        by=trainer,
        title="Komunikasi Efektif",
        jp=2,
        competencies=[("KOM", 2)],
        category="Soft skill",
        summary="Menulis surat dinas 100% jelas.",
    )
    make_course(by=trainer, title="Integritas ASN", jp=8, competencies=[("INT", 1)], category="Etika")
    make_course(by=trainer, title="Komunikasi Draf", publish=False)

    def titles(**kwargs):
        page = learning.catalogue(learning.CatalogueFilter(**kwargs))
        return [course.title for course in page.items if course.created_by_id == trainer.id]

    assert titles() == ["Integritas ASN", "Komunikasi Efektif"]
    assert titles(search="komunikasi") == ["Komunikasi Efektif"]
    assert titles(search="SURAT komunikasi") == ["Komunikasi Efektif"]
    assert titles(search="surat integritas") == []
    assert titles(search="100%") == ["Komunikasi Efektif"]
    assert titles(search="_") == []  # a wildcard only when escaped wrongly
    assert titles(category="Etika") == ["Integritas ASN"]
    assert titles(competency="kom") == ["Komunikasi Efektif"]
    assert titles(jp_min=5) == ["Integritas ASN"]
    assert titles(jp_max=5) == ["Komunikasi Efektif"]
    assert titles(category="Etika", jp_min=5, jp_max=8) == ["Integritas ASN"]
    assert titles(category="Etika", jp_max=5) == []
    # The statements are kept per set of filters in use, their values bound at each call.
    assert titles(category="Soft skill") == ["Komunikasi Efektif"]
    assert titles(competency="int", search="integritas") == ["Integritas ASN"]
    assert learning.categories() == sorted({*base_categories, "Etika", "Soft skill"})
    total = base + 2
    pages = [learning.catalogue(learning.CatalogueFilter(), page=n, per_page=1) for n in range(1, total + 1)]
    assert [len(p.items) for p in pages] == [1] * total and {p.total for p in pages} == {total}
    mine = [c.title for p in pages for c in p.items if c.created_by_id == trainer.id]
    assert mine == ["Integritas ASN", "Komunikasi Efektif"]
    last = pages[-1]
    assert (last.pages, last.prev_num, last.has_next, last.next_num) == (total, total - 1, False, None)
    first = pages[0]
    assert (first.total, first.has_prev, first.next_num) == (total, False, 2)
    # Competencies are joined in: a course with two of them is still one item, counted once.
    everything = learning.catalogue(learning.CatalogueFilter(), per_page=total + 10).items
    assert [len(c.competencies) for c in everything if c.created_by_id == trainer.id] == [1, 1]
    beyond = learning.catalogue(learning.CatalogueFilter(), page=total + 3, per_page=1)
    assert (beyond.items, beyond.total, beyond.pages) == ([], total, total)
    etika = learning.CatalogueFilter(jp_min=5, category="Etika")
    filtered_beyond = learning.catalogue(etika, page=9, per_page=1)
    assert (filtered_beyond.items, filtered_beyond.total) == ([], learning.catalogue(etika).total)
    assert learning.catalogue(etika).total >= 1
    nothing = learning.catalogue(learning.CatalogueFilter(search="tidak-ada"))
    assert (nothing.items, nothing.total, nothing.pages, nothing.has_next) == ([], 0, 0, False)


def test_catalogue_filters_offer_the_categories_in_use_and_the_skj_competencies(ctx, trainer, make_course):
    before = learning.categories()  # of the courses other tests may have committed
    make_course(by=trainer, title="Kursus B", category="Soft skill")
    make_course(by=trainer, title="Kursus A", category="Etika")
    make_course(by=trainer, title="Kursus C", category="Rahasia", publish=False)
    categories, competencies = learning.catalogue_filters()
    assert list(categories) == learning.categories() == sorted({*before, "Etika", "Soft skill"})
    expected = available_competencies()
    assert [(c.code, c.name) for c in competencies] == [(c.code, c.name) for c in expected]
    assert expected


def test_a_process_keeps_the_catalogue_filters_for_a_while(
    ctx, app, trainer, make_course, count_queries, monkeypatch
):
    clock = [1000.0]
    monkeypatch.setattr(learning.time, "monotonic", lambda: clock[0])
    monkeypatch.setitem(app.config, "CATALOGUE_FILTERS_SECONDS", 60)
    monkeypatch.setitem(app.extensions, "lms_catalogue_filters", None)  # and gone again after the test
    make_course(by=trainer, title="Kursus A", category="Etika")
    first = learning.catalogue_filters()
    make_course(by=trainer, title="Kursus B", category="Kearsipan")
    clock[0] += 59
    with count_queries() as statements:
        assert learning.catalogue_filters() == first  # kept: no statement, the new category not yet
    assert statements == []
    assert "Kearsipan" not in first[0]
    clock[0] += 2
    assert "Kearsipan" in learning.catalogue_filters()[0]  # a minute later, read again


def test_with_no_keeping_configured_the_catalogue_filters_are_read_at_every_call(
    ctx, app, trainer, make_course, count_queries, monkeypatch
):
    stale = ((), ())
    monkeypatch.setitem(app.extensions, "lms_catalogue_filters", (time.monotonic() + 3600, stale))
    monkeypatch.setitem(app.config, "CATALOGUE_FILTERS_SECONDS", 0)
    make_course(by=trainer, title="Kursus A", category="Etika")
    with count_queries() as statements:
        assert "Etika" in learning.catalogue_filters()[0]  # what another setting left is not used
    assert len(statements) == 1


# ---------------------------------------------------------------- assignment


def test_assign_to_unit_enrols_sub_units_with_due_date_idempotently(ctx, make_agency, make_user, make_course):
    agency = make_agency(units=("INDUK",))
    parent = agency.units[0]
    child = agencies.add_unit(agency, "ANAK", "Sub Bagian", parent.id, by=None)
    sibling = agencies.add_unit(agency, "LAIN", "Bagian Lain", None, by=None)
    db.session.commit()
    hr = make_user(agency=agency, roles=(Role.AGENCY_ADMIN,))
    trainer = make_user(roles=(Role.TRAINER,))
    in_parent, in_child = make_user(agency=agency, unit=parent), make_user(agency=agency, unit=child)
    elsewhere = make_user(agency=agency, unit=sibling)
    inactive = make_user(agency=agency, unit=child)
    inactive.active = False
    course = make_course(by=trainer)
    due = date.today() + timedelta(days=30)
    already = learning.enrol(in_parent, course)

    result = learning.assign_to_unit(course, parent, due, by=hr)
    assert result == learning.AssignmentResult(enrolled=2, updated=1, unchanged=0)  # hr + in_child new
    assert already.due_date == due and already.assigned_by_id == hr.id
    assert learning.assign_to_unit(course, parent, due, by=hr) == learning.AssignmentResult(0, 0, 3)
    enrolled = set(db.session.scalars(sa.select(Enrolment.user_id).where(Enrolment.course_id == course.id)))
    assert enrolled == {in_parent.id, in_child.id, hr.id}
    assert elsewhere.id not in enrolled and inactive.id not in enrolled


def test_assign_needs_rights_on_that_agency(ctx, make_agency, make_user, make_course):
    agency, other = make_agency(), make_agency()
    hr_other = make_user(agency=other, roles=(Role.AGENCY_ADMIN,))
    make_user(agency=agency)
    course = make_course(by=make_user(roles=(Role.TRAINER,)))
    with pytest.raises(CoursePermissionDenied):
        learning.assign_to_unit(course, agency.units[0], None, by=hr_other)
    with pytest.raises(CourseError):
        learning.assign_to_unit(course, other.units[0], date(2000, 1, 1), by=hr_other)
    count = db.session.scalar(sa.select(sa.func.count(Enrolment.id)).where(Enrolment.course_id == course.id))
    assert count == 0


# ---------------------------------------------------------------- learner summary


def test_learner_summary(trainer, learner, make_course):
    done_course = make_course(by=trainer, modules=1, lessons=1, jp=3)
    open_course = make_course(by=trainer, modules=1, lessons=2, jp=5)
    assigned = make_course(by=trainer, modules=1, lessons=1, jp=2)
    e1 = learning.enrol(learner, done_course)
    learning.mark_lesson_done(e1, lessons_of(done_course)[0])
    e2 = learning.enrol(learner, open_course)
    learning.mark_lesson_done(e2, lessons_of(open_course)[0])
    learning.enrol(learner, assigned, due_date=date.today() + timedelta(days=7), by=trainer)
    summary = learning.learner_summary(learner)
    in_progress = [(s.enrolment.course_id, s.progress.percent) for s in summary.in_progress]
    assert in_progress == [(open_course.id, 50)]
    assert [s.enrolment.course_id for s in summary.assigned] == [assigned.id]
    assert summary.completed_count == 1
    assert not hasattr(summary, "jp_this_year")  # JP comes from the careers ledger only


# ---------------------------------------------------------------- media


def test_upload_media_checks_content_and_stores_under_instance(trainer, make_course):
    course = make_course(by=trainer, modules=1, lessons=1)
    lesson = lessons_of(course)[0]
    services.update_lesson(
        lesson, services.LessonData(title="Gambar", body_md="![Foto](media/foto.png)"), by=trainer
    )
    media = services.upload_media(course, "foto.png", factories.png(40, 30), by=trainer)
    path = Path(current_app.instance_path) / "uploads" / media.stored_name
    assert path.read_bytes() == factories.png(40, 30)
    assert media.stored_name != "foto.png" and media.stored_name.endswith(".png")
    assert (media.content_type, media.width, media.height) == ("image/png", 40, 30)
    assert f'src="{media.url}"' in lesson.body_html and 'width="40" height="30"' in lesson.body_html
    assert 'loading="lazy"' in lesson.body_html

    # Replacing the file under the same name gives a new stored file and re-renders the lesson.
    old_path = path
    replaced = services.upload_media(course, "foto.png", factories.png(8, 8), by=trainer)
    assert replaced.id == media.id and not old_path.exists()
    assert 'width="8" height="8"' in lesson.body_html


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("foto.png", b"<html><script>alert(1)</script></html>"),  # not an image at all
        ("foto.png", factories.PDF),  # a PDF named .png
        ("panduan.pdf", factories.png()),  # a PNG named .pdf
        ("skrip.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("skrip.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("bom.svg", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><svg>&a;</svg>'),
        ("program.exe", b"MZ\x90\x00" + b"\x00" * 100),
        ("kosong.png", b""),
        ("tanpa-ekstensi", factories.png()),
    ],
)
def test_upload_rejects_wrong_content(trainer, make_course, name, data):
    course = make_course(by=trainer, modules=1, lessons=1)
    with pytest.raises(MediaRejected):
        services.upload_media(course, name, data, by=trainer)
    assert course.media == []


def test_upload_rejects_oversized_files(trainer, make_course, app):
    course = make_course(by=trainer, modules=1, lessons=1)
    app.config["COURSE_MEDIA_MAX_BYTES"] = 1000
    try:
        with pytest.raises(MediaRejected) as info:
            services.upload_media(course, "besar.png", factories.png(200, 200) + b"\x00" * 2000, by=trainer)
    finally:
        app.config["COURSE_MEDIA_MAX_BYTES"] = Config.COURSE_MEDIA_MAX_BYTES
    assert "MB" in str(info.value)
    assert course.media == []


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.png", "..\\..\\win.png", "/abs/olut.png", "media/../../x.png"]
)
def test_path_traversal_names_cannot_escape(trainer, make_course, name):
    course = make_course(by=trainer, modules=1, lessons=1)
    media = services.upload_media(course, name, factories.png(), by=trainer)
    assert "/" not in media.original_name and "\\" not in media.original_name
    assert not media.original_name.startswith(".")
    uploads = Path(current_app.instance_path) / "uploads"
    assert (uploads / media.stored_name).resolve().parent == uploads.resolve()


def test_editing_jp_or_competencies_announces_the_change_and_nothing_else_does(trainer, make_course):
    course = make_course(by=trainer, modules=1, lessons=1)
    received = []

    def on_changed(sender, course, by):
        received.append((course.id, by.id, course.jp))

    def data(**over):
        values = {
            "title": course.title,
            "summary": course.summary,
            "category": course.category,
            "jp": course.jp,
            "completion_rule": dict(course.completion_rule or {}),
            "competencies": [(cc.competency.code, cc.level) for cc in course.competencies],
        }
        return services.CourseData(**{**values, **over})

    with course_awards_changed.connected_to(on_changed):
        services.update_course(course, data(title="Judul Baru Saja"), by=trainer)
        assert received == []  # the title earns nothing
        services.update_course(course, data(jp=course.jp + 2), by=trainer)
        assert received == [(course.id, trainer.id, course.jp)]
