"""In the browser: HR opens the completion report of an assigned course, filters the overdue
people, sends one a reminder (and is told politely when it was already sent today), and
downloads the CSV."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from lms.accounts import agencies as agency_services
from lms.accounts.models import Role
from lms.courses import learning
from lms.courses.signals import reminder_requested
from lms.extensions import db, limiter
from tests import factories
from tests.e2e.steps import log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def assigned(live_app):
    limiter.reset()
    with live_app.test_request_context():
        agency = factories.agency(code="TUGAS", name="Badan Penugasan Peramban", units=())
        unit = agency_services.add_unit(agency, "PKM", "Puskesmas Kota", None, by=None)
        hr = factories.user(
            agency, roles=(Role.AGENCY_ADMIN, Role.LEARNER), unit=unit, email="sdm@tugas.go.id"
        )
        course = factories.course(by=None, title="Etika ASN", modules=1, lessons=2, jp=4)
        due = date.today() + timedelta(days=14)
        for name, late in (("Rina Terlambat", True), ("Budi Tepat Waktu", False)):
            person = factories.user(agency, unit=unit, name=name)
            enrolment = learning.enrol(person, course, by=hr, due_date=due)
            if late:
                enrolment.due_date = date.today() - timedelta(days=5)
        db.session.commit()
        return {"agency": agency.id, "email": hr.email, "course": course.id}


def test_hr_filters_overdue_sends_a_reminder_and_downloads_csv(contexts, assigned):
    sent = []

    def receiver(sender, enrolment, by):
        sent.append(enrolment.user.name)

    page = contexts.new(accept_downloads=True).new_page()
    assert log_in(page, assigned["email"]).status == 302
    page.goto(f"/hr/{assigned['agency']}")
    page.get_by_role("link", name="Penyelesaian kursus").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Penyelesaian kursus penugasan")
    row = page.get_by_role("row").filter(has_text="Etika ASN")
    expect(row).to_contain_text("2")
    row.get_by_role("link", name="Etika ASN").click()
    expect(page.get_by_role("cell", name="Budi Tepat Waktu", exact=True)).to_be_visible()

    page.get_by_label("Status").select_option("overdue")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.get_by_role("cell", name="Rina Terlambat", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Budi Tepat Waktu", exact=True)).to_have_count(0)

    with reminder_requested.connected_to(receiver):
        page.get_by_role("button", name="Kirim pengingat kepada Rina Terlambat").click()
        expect(page.get_by_text("1 pengingat dikirim.")).to_be_visible()
        page.get_by_role("button", name="Kirim pengingat ke semua yang terlambat").click()
        expect(page.get_by_text("1 orang sudah diingatkan hari ini.", exact=False)).to_be_visible()
    assert sent == ["Rina Terlambat"]
    # Still the overdue list after the reminder.
    expect(page.get_by_label("Status")).to_have_value("overdue")

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "Rina Terlambat" in text and "Budi Tepat Waktu" not in text
    assert download.value.suggested_filename.endswith(".csv")
