"""Done when, in the browser: HR creates a position with required competency levels, assigns it
(and a supervisor) to an employee by CSV, the supervisor records an appraisal rating each
BerAKHLAK value, and the employee sees it and responds."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lms.accounts.models import Role
from lms.careers.models import Appraisal, Position, StaffPosition
from lms.extensions import db, limiter
from tests import factories
from tests.e2e.steps import log_in, log_out, submit

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(live_app):
    limiter.reset()
    with live_app.test_request_context():
        agency = factories.agency(code="KARIR", name="Badan Karier Peramban")
        hr = factories.user(agency, roles=(Role.AGENCY_ADMIN, Role.LEARNER), email="sdm@karier.go.id")
        head = factories.user(agency, name="Budi Santoso", email="budi@karier.go.id")
        staff = factories.user(agency, name="Sari Lestari", email="sari@karier.go.id")
        db.session.commit()
        return {
            "agency": agency.id,
            "hr": hr.email,
            "head": head.email,
            "head_nip": head.nip,
            "staff": staff.email,
            "staff_nip": staff.nip,
            "staff_id": staff.id,
        }


def test_hr_position_csv_assignment_appraisal_and_response(contexts, live_app, people):
    page = contexts.new().new_page()
    agency = people["agency"]

    # HR creates a position with its required levels in the browser.
    assert log_in(page, people["hr"]).status == 302
    page.goto(f"/hr/{agency}/positions")
    page.get_by_role("link", name="Tambah jabatan").click()
    page.get_by_label("Kode jabatan").fill("ANALIS-SDM")
    page.get_by_label("Nama jabatan").fill("Analis SDM Aparatur Ahli Pertama")
    page.get_by_label("Jenis jabatan").select_option(label="Fungsional")
    page.get_by_label("Integritas", exact=True).select_option("3")
    page.get_by_label("Komunikasi", exact=True).select_option("2")
    assert submit(page, page.get_by_role("button", name="Simpan jabatan")).status == 302
    expect(page.get_by_role("heading", level=1)).to_have_text("Analis SDM Aparatur Ahli Pertama")
    expect(page.locator("main")).to_contain_text("Integritas")
    expect(page.locator("main")).to_contain_text("level 3")

    # ... then assigns it, and the supervisor, by CSV; a bad file first changes nothing.
    page.goto(f"/hr/{agency}/staff-positions")
    bad = f"nip;kode_jabatan;nip_atasan\n{people['staff_nip']};TIDAK-ADA;{people['staff_nip']}\n"
    page.get_by_label("Berkas CSV").set_input_files(
        {"name": "jabatan.csv", "mimeType": "text/csv", "buffer": bad.encode()}
    )
    assert submit(page, page.get_by_role("button", name="Impor jabatan dan atasan")).status == 422
    expect(page.get_by_role("alert")).to_contain_text("tidak ada data yang disimpan")
    expect(page.get_by_role("alert")).to_contain_text("TIDAK-ADA")
    good = f"nip;kode_jabatan;nip_atasan\n{people['staff_nip']};analis-sdm;{people['head_nip']}\n"
    page.get_by_label("Berkas CSV").set_input_files(
        {"name": "jabatan.csv", "mimeType": "text/csv", "buffer": good.encode()}
    )
    assert submit(page, page.get_by_role("button", name="Impor jabatan dan atasan")).status == 302
    expect(page.locator("main")).to_contain_text("1 pegawai diperbarui")
    with live_app.app_context():
        staff_position = db.session.get(StaffPosition, people["staff_id"])
        assert db.session.get(Position, staff_position.position_id).code == "ANALIS-SDM"
    log_out(page)

    # The supervisor records the appraisal, rating each BerAKHLAK value.
    assert log_in(page, people["head"]).status == 302
    page.goto(f"/careers/people/{people['staff_id']}")
    expect(page.locator("main")).to_contain_text("Analis SDM Aparatur Ahli Pertama")
    page.get_by_role("link", name="Catat penilaian kinerja").click()
    page.get_by_label("Tahun").fill("2025")
    page.get_by_label("Periode").select_option("annual")
    page.get_by_label("Rating hasil kerja").select_option("above")
    for value in ("Berorientasi Pelayanan", "Akuntabel", "Kompeten", "Harmonis", "Loyal"):
        page.get_by_label(value, exact=True).select_option("above")
    page.get_by_label("Adaptif", exact=True).select_option("meets")
    page.get_by_label("Kolaboratif", exact=True).select_option("below")
    page.get_by_label("Catatan dan umpan balik").fill("Laporan tepat waktu; tingkatkan kerja sama tim.")
    assert submit(page, page.get_by_role("button", name="Simpan penilaian")).status == 302
    expect(page.locator("main")).to_contain_text("Sangat Baik")
    log_out(page)

    # The employee sees it on their profile, opens it and responds.
    assert log_in(page, people["staff"]).status == 302
    page.goto("/careers/")
    page.get_by_role("link", name=re.compile("Tahunan 2025")).click()
    main = page.locator("main")
    expect(main).to_contain_text("Sangat Baik")
    expect(page.get_by_role("row", name=re.compile("Kolaboratif"))).to_contain_text("Di bawah ekspektasi")
    expect(page.get_by_role("row", name=re.compile("Adaptif"))).to_contain_text("Sesuai ekspektasi")
    expect(main).to_contain_text("tingkatkan kerja sama tim")
    page.get_by_label("Tanggapan Anda").fill("Terima kasih, saya akan lebih aktif dalam tim.")
    assert submit(page, page.get_by_role("button", name="Kirim tanggapan")).status == 302
    expect(main).to_contain_text("Terima kasih, saya akan lebih aktif dalam tim.")
    with live_app.app_context():
        appraisal = db.session.scalar(sa.select(Appraisal).where(Appraisal.user_id == people["staff_id"]))
        assert appraisal.behaviour_kolaboratif.value == "below" and appraisal.response.startswith("Terima")
