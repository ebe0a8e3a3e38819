"""The completion reports over HTTP: HR's assigned courses, people and reminders, the export, the
trainer's learners; someone else's agency, unit, course or enrolment is never reachable."""

import csv
import io
import re
from datetime import date, timedelta
from types import SimpleNamespace

import openpyxl
import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.courses import learning
from lms.courses.models import Course, Enrolment, Lesson
from lms.courses.signals import reminder_requested
from lms.extensions import db
from lms.jobs import queue_of
from tests import factories
from tests.careers.conftest import build_org, complete
from tests.quizzes.conftest import build_quiz


def as_user(email):
    return SimpleNamespace(email=email)


@pytest.fixture
def site(app):
    """An agency whose HR assigned a course with two lessons and a required quiz (staff did one
    lesson; junior is overdue) and a short course junior completed; another agency."""
    with app.app_context():
        org = build_org()
        trainer = factories.user(roles=(Role.TRAINER,), name="Widyaiswara")
        stranger = factories.user(roles=(Role.TRAINER,), name="Pengajar Lain")
        course = factories.course(by=trainer, title="Kursus Berkuis", modules=1, lessons=2, jp=4)
        build_quiz(course, gift="::jp::Satu JP sama dengan 45 menit. {T}", title="Kuis Akhir")
        short = factories.course(by=trainer, title="Kursus Singkat", modules=1, lessons=1, jp=6)
        due = date.today() + timedelta(days=30)
        staff = learning.enrol(org.staff, course, by=org.hr, due_date=due)
        first = db.session.scalars(sa.select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.id))
        learning.mark_lesson_done(staff, first.first())
        late = learning.enrol(org.junior, course, by=org.hr, due_date=due)
        late.due_date = date.today() - timedelta(days=3)
        learning.enrol(org.junior, short, by=org.hr, due_date=due)
        complete(org.junior, short)
        other = build_org("LAIN")
        theirs = learning.enrol(other.staff, course, by=other.hr, due_date=due)
        db.session.commit()
        return SimpleNamespace(
            agency=org.agency.id,
            other_agency=other.agency.id,
            other_unit=other.units.org.id,
            unit=org.units.org.id,
            hr=org.hr.email,
            other_hr=other.hr.email,
            staff=org.staff.email,
            staff_name=org.staff.name,
            trainer=trainer.email,
            stranger=stranger.email,
            course=course.id,
            short=short.id,
            staff_enrolment=staff.id,
            late_enrolment=late.id,
            their_enrolment=theirs.id,
        )


def test_hr_sees_assigned_courses_per_unit_and_people(client, login, site):
    login(as_user(site.hr))
    page = client.get(f"/hr/{site.agency}/completion")
    assert page.status_code == 200
    assert "Kursus Berkuis" in page.text and "Kursus Singkat" in page.text
    detail = client.get(f"/hr/{site.agency}/completion/{site.course}")
    assert detail.status_code == 200 and "Bagian Organisasi" in detail.text
    late = client.get(f"/hr/{site.agency}/completion/{site.course}?status=overdue")
    assert "Staf Junior" in late.text and "Staf Organisasi" not in late.text
    assert "Kirim pengingat ke semua yang terlambat" in late.text


def test_the_percent_on_the_report_is_the_one_on_the_learners_page(client, login, site):
    login(as_user(site.staff))
    home = client.get("/")
    mine = re.search(r"Kursus Berkuis</a>[^<]*?(\d+)\s?%", home.text)
    assert mine and mine.group(1) == "33"
    client.post("/logout")
    login(as_user(site.hr))
    detail = client.get(f"/hr/{site.agency}/completion/{site.course}?status=in_progress")
    row = re.search(r"Staf Organisasi</a>.*?data-label=\"Kemajuan\">(\d+)\s?%", detail.text, re.S)
    assert row and row.group(1) == mine.group(1)


def test_hr_of_another_agency_and_foreign_ids_are_refused(client, login, site):
    login(as_user(site.other_hr))
    assert client.get(f"/hr/{site.agency}/completion").status_code == 403
    assert client.get(f"/hr/{site.agency}/completion/{site.course}").status_code == 403
    assert client.post(f"/hr/{site.agency}/completion/remind/{site.staff_enrolment}").status_code == 403
    client.post("/logout")
    login(as_user(site.hr))
    assert client.get(f"/hr/{site.agency}/completion?unit={site.other_unit}").status_code == 404
    assert client.get(f"/hr/{site.agency}/completion/{site.course}?unit={site.other_unit}").status_code == 404
    assert client.get(f"/hr/{site.other_agency}/completion").status_code == 403
    assert client.get(f"/hr/{site.agency}/completion/999999").status_code == 404
    assert client.get(f"/hr/{site.agency}/completion/99999999999").status_code == 404
    # a course assigned only in another agency
    with client.application.app_context():
        only_theirs = factories.course(by=None, title="Kursus Lain")
        db.session.commit()
        only_theirs = only_theirs.id
    assert client.get(f"/hr/{site.agency}/completion/{only_theirs}").status_code == 404
    assert client.post(f"/hr/{site.agency}/completion/remind/{site.their_enrolment}").status_code == 404
    assert client.get(f"/hr/{site.agency}/completion?unit=%00").status_code in (200, 400)
    assert client.get(f"/hr/{site.agency}/export/completion.csv?unit={site.other_unit}").status_code == 404


def test_reminders_are_sent_once_a_day_and_counted(app, client, login, site):
    sent = []

    def receiver(sender, enrolment, by):
        sent.append(enrolment.id)

    login(as_user(site.hr))
    with reminder_requested.connected_to(receiver):
        first = client.post(
            f"/hr/{site.agency}/completion/remind/{site.staff_enrolment}?status=in_progress",
            follow_redirects=True,
        )
        again = client.post(
            f"/hr/{site.agency}/completion/remind/{site.staff_enrolment}", follow_redirects=True
        )
        group = client.post(
            f"/hr/{site.agency}/completion/{site.course}/remind-overdue?unit={site.unit}",
            follow_redirects=True,
        )
        group_again = client.post(
            f"/hr/{site.agency}/completion/{site.course}/remind-overdue", follow_redirects=True
        )
    assert "1 pengingat dikirim." in first.text
    assert first.request.path.endswith(f"/completion/{site.course}") and "status=in_progress" in (
        first.request.query_string.decode()
    )
    assert "sudah diingatkan hari ini" in again.text and "pengingat dikirim" not in again.text
    assert "1 pengingat dikirim." in group.text
    assert "sudah diingatkan hari ini" in group_again.text
    assert sent == [site.staff_enrolment, site.late_enrolment]
    with app.app_context():
        assert db.session.get(Enrolment, site.late_enrolment).reminded_at is not None
        assert db.session.get(Enrolment, site.their_enrolment).reminded_at is None


def test_reminders_need_a_post_with_csrf(app, client, login, site):
    login(as_user(site.hr))
    assert client.get(f"/hr/{site.agency}/completion/remind/{site.staff_enrolment}").status_code == 405
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/hr/{site.agency}/completion/remind/{site.staff_enrolment}").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_export_csv_and_xlsx(client, login, site):
    login(as_user(site.hr))
    response = client.get(f"/hr/{site.agency}/export/completion.csv?course={site.course}&status=overdue")
    assert response.status_code == 200
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,")))
    assert rows[0][:4] == ["NIP", "Nama", "Unit kerja", "Kursus"]
    assert [(row[1], row[3], row[5]) for row in rows[1:]] == [("Staf Junior", "Kursus Berkuis", "Terlambat")]
    everything = client.get(f"/hr/{site.agency}/export/completion.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(everything.get_data()), read_only=True)
    names = [row[1] for row in workbook.worksheets[0].iter_rows(values_only=True)][1:]
    workbook.close()
    assert sorted(names) == ["Staf Junior", "Staf Junior", "Staf Organisasi"]


def test_export_as_a_background_job_keeps_the_filters(app, client, login, site):
    queue_of(app).huey.flush()
    login(as_user(site.hr))
    job = client.post(f"/hr/{site.agency}/export/completion.csv/job?course={site.course}&status=overdue")
    assert job.status_code == 302 and "/jobs/" in job.headers["Location"]
    assert queue_of(app).drain() == 1
    with client.get(job.headers["Location"] + "/file") as download:
        assert download.status_code == 200
        background = download.get_data()
    streamed = client.get(f"/hr/{site.agency}/export/completion.csv?course={site.course}&status=overdue")
    assert background == streamed.get_data() and b"Staf Junior" in background


def test_trainer_sees_their_courses_learners_only(client, login, site):
    login(as_user(site.trainer))
    listing = client.get("/teach/learners")
    assert listing.status_code == 200 and "Kursus Berkuis" in listing.text
    page = client.get(f"/teach/{site.course}/learners")
    assert page.status_code == 200
    assert "Staf Organisasi" in page.text and "Kuis Akhir: belum dikerjakan" in page.text
    assert "Staf Organisasi" in client.get(f"/teach/{site.course}/learners?status=in_progress&sort=due").text
    done = client.get(f"/teach/{site.short}/learners?status=completed")
    assert "/verify/" in done.text and "Staf Junior" in done.text
    assert f"/teach/{site.course}/learners" in client.get(f"/teach/{site.course}").text
    assert client.get("/teach/999999/learners").status_code == 404
    client.post("/logout")
    login(as_user(site.stranger))
    assert client.get(f"/teach/{site.course}/learners").status_code == 403
    assert "Kursus Berkuis" not in client.get("/teach/learners").text
    client.post("/logout")
    login(as_user(site.staff))
    assert client.get(f"/teach/{site.course}/learners").status_code == 403
    assert client.get("/teach/learners").status_code == 403


def test_pages_cost_the_same_for_2_and_10_people(app, client, login, site, count_queries):
    login(as_user(site.hr))
    counts = {"hr": [], "trainer": [], "overview": []}
    for n in (2, 10):
        with app.app_context():
            course = db.session.get(Course, site.course)
            hr = db.session.scalar(sa.select(User).where(User.email == site.hr))
            for i in range(n):
                person = factories.user(hr.agency, unit=hr.unit, name=f"Pegawai {n}-{i}")
                learning.enrol(person, course, by=hr, due_date=date.today() + timedelta(days=9))
            db.session.commit()
        for name, url in (
            ("hr", f"/hr/{site.agency}/completion/{site.course}"),
            ("overview", f"/hr/{site.agency}/completion"),
        ):
            with count_queries() as statements:
                assert client.get(url).status_code == 200
            counts[name].append(len(statements))
        client.post("/logout")
        login(as_user(site.trainer))
        with count_queries() as statements:
            assert client.get(f"/teach/{site.course}/learners").status_code == 200
        counts["trainer"].append(len(statements))
        client.post("/logout")
        login(as_user(site.hr))
    assert all(first == second for first, second in counts.values()), counts
