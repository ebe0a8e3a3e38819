"""Learning elsewhere and the transcript through the client: the learner's pages, HR's queue and
review, someone else's report (404), another agency's HR (404), the evidence download, the PDF."""

import io
import re
from datetime import date, timedelta

import pypdf
import sqlalchemy as sa

from lms.careers import evidence
from lms.careers.models import ExternalLearning, ExternalStatus, JpRecord
from lms.extensions import db
from tests import factories
from tests.careers.conftest import build_org
from tests.careers.test_views import as_user, code_id, lesson_id

LAST_MONTH = date.today() - timedelta(days=30)


def form(app, **over):
    values = {
        "kind": "classroom",
        "title": "Pelatihan Pengadaan Barang/Jasa",
        "organizer": "LKPP",
        "started_on": (LAST_MONTH - timedelta(days=2)).isoformat(),
        "ended_on": LAST_MONTH.isoformat(),
        "jp": "24",
        "certificate_number": "",
        "competency_1": str(code_id(app, "PB")),
        "level_1": "2",
    }
    values.update(over)
    return values


def with_pdf(values, name="sertifikat.pdf", data=factories.PDF):
    return {**values, "evidence": (io.BytesIO(data), name)}


def only_item(app, world) -> ExternalLearning:
    """The one report of the world's staff member (other tests may have committed reports of their own)."""
    with app.app_context():
        return db.session.scalars(
            sa.select(ExternalLearning).where(ExternalLearning.user_id == world.staff_id)
        ).one()


def jp_records(app, world) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(JpRecord).where(JpRecord.user_id == world.staff_id)
        )


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_report_return_fix_approve_and_the_transcript(app, client, login, world):
    as_user(client, login, world.staff)
    assert "Laporkan pembelajaran di luar platform" in client.get("/careers/").text
    page = client.get("/careers/external/new")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    sent = client.post("/careers/external/new", data=with_pdf(form(app)), content_type="multipart/form-data")
    assert sent.status_code == 302
    item = only_item(app, world)
    assert item.status is ExternalStatus.PENDING and item.evidence_name == "sertifikat.pdf"
    download = client.get(f"/careers/external/{item.id}/evidence")
    assert download.data == factories.PDF and "attachment" in download.headers["Content-Disposition"]

    as_user(client, login, world.hr)
    queue = client.get(f"/hr/{world.agency}/external").text
    assert "Pelatihan Pengadaan Barang/Jasa" in queue and f"/hr/external/{item.id}" in queue
    assert client.get(f"/hr/external/{item.id}/evidence").data == factories.PDF
    refused = client.post(f"/hr/external/{item.id}", data={"decision": "return", "reason": ""})
    assert refused.status_code == 200 and "Tuliskan alasannya" in refused.text
    returned = client.post(
        f"/hr/external/{item.id}", data={"decision": "return", "reason": "Tanggal di sertifikat berbeda."}
    )
    assert returned.status_code == 302

    as_user(client, login, world.staff)
    mine = client.get("/careers/external").text
    assert "Dikembalikan untuk diperbaiki" in mine and "Tanggal di sertifikat berbeda." in mine
    edit = client.get(f"/careers/external/{item.id}/edit").text
    assert "Tanggal di sertifikat berbeda." in edit and 'value="Pelatihan Pengadaan Barang/Jasa"' in edit
    fixed = client.post(
        f"/careers/external/{item.id}/edit",
        data=form(app, certificate_number="LKPP-2026-77"),
        content_type="multipart/form-data",
    )
    assert fixed.status_code == 302 and only_item(app, world).status is ExternalStatus.PENDING

    as_user(client, login, world.hr)
    approved = client.post(f"/hr/external/{item.id}", data={"decision": "approve", "reason": ""})
    assert approved.status_code == 302
    again = client.post(f"/hr/external/{item.id}", data={"decision": "approve", "reason": ""})
    assert "sudah berubah" in again.text
    assert jp_records(app, world) == 1
    export = client.get(f"/hr/{world.agency}/export/training-history.csv")
    assert "Pelatihan Pengadaan Barang/Jasa" in export.get_data(as_text=True)

    as_user(client, login, world.staff)
    if LAST_MONTH.year == date.today().year:
        assert "24 dari 20 JP" in client.get("/careers/").text
    transcript = client.get("/careers/transcript.pdf")
    assert transcript.status_code == 200 and transcript.mimetype == "application/pdf"
    text = pdf_text(transcript.data)
    assert "TRANSKRIP PEMBELAJARAN" in text and "Pelatihan Pengadaan Barang/Jasa" in text
    assert "Nomor sertifikat: LKPP-2026-77" in text and "Jumlah: 24 JP dari 1 pembelajaran" in text


def test_someone_elses_report_and_another_agencys_hr_are_not_found(app, client, login, world):
    as_user(client, login, world.staff)
    client.post(
        "/careers/external/new", data=form(app, certificate_number="X-1"), content_type="multipart/form-data"
    )
    item = only_item(app, world)
    with app.app_context():
        other = build_org("LAIN")
        peer = factories.user(db.session.get(type(other.agency), world.agency), name="Rekan")
        db.session.commit()
        other_hr, peer_email = other.hr.email, peer.email
    as_user(client, login, peer_email)
    for path in (f"/careers/external/{item.id}/edit", f"/careers/external/{item.id}/evidence"):
        assert client.get(path).status_code == 404
    assert client.post(f"/careers/external/{item.id}/withdraw").status_code == 404
    assert client.get(f"/hr/external/{item.id}").status_code == 403  # a learner is not HR at all
    as_user(client, login, other_hr)
    assert client.get(f"/hr/external/{item.id}").status_code == 404
    assert client.post(f"/hr/external/{item.id}", data={"decision": "approve"}).status_code == 404
    assert client.get(f"/hr/external/{item.id}/evidence").status_code == 404
    assert client.get("/hr/external/2147483647").status_code == 404
    assert client.get("/hr/external/99999999999").status_code == 404
    assert only_item(app, world).status is ExternalStatus.PENDING


def test_bad_input_is_shown_on_the_form(app, client, login, world):
    as_user(client, login, world.staff)
    cases = [
        (form(app, ended_on="2020-01-01", started_on="2020-01-05"), "sebelum tanggal mulai"),
        (form(app, jp="0"), "1 sampai 1000"),
        (form(app, jp="500"), "terlalu banyak"),
        (form(app), "berkas bukti atau"),
        (with_pdf(form(app), "foto.png"), "PDF atau foto"),
        (with_pdf(form(app), "virus.pdf", b"MZ\x90\x00" * 50), "PDF atau foto"),
        (form(app, title="x" * 5000, certificate_number="A"), "Maksimal 200 karakter"),
        (form(app, competency_1="999999", certificate_number="A"), "katalog instansi"),
    ]
    for values, message in cases:
        page = client.post("/careers/external/new", data=values, content_type="multipart/form-data")
        assert page.status_code == 422 and message in page.text, message
    nul = client.post("/careers/external/new", data=form(app, title="a\x00b", certificate_number="A"))
    assert nul.status_code == 400
    with app.app_context():
        reports = sa.select(sa.func.count()).select_from(ExternalLearning)
        assert db.session.scalar(reports.where(ExternalLearning.user_id == world.staff_id)) == 0


def test_an_evidence_file_over_the_limit_is_refused_before_reading(app, client, login, world):
    as_user(client, login, world.staff)
    limit, app.config["EVIDENCE_MAX_BYTES"] = app.config["EVIDENCE_MAX_BYTES"], 2000
    try:
        page = client.post(
            "/careers/external/new",
            data=with_pdf(form(app), data=factories.PDF + b"0" * 100_000),
            content_type="multipart/form-data",
        )
    finally:
        app.config["EVIDENCE_MAX_BYTES"] = limit
    assert page.status_code == 413


def test_withdraw_and_revoke(app, client, login, world):
    as_user(client, login, world.staff)
    client.post(
        "/careers/external/new", data=form(app, certificate_number="A"), content_type="multipart/form-data"
    )
    item = only_item(app, world)
    assert client.post(f"/careers/external/{item.id}/withdraw").status_code == 302
    assert only_item(app, world).status is ExternalStatus.WITHDRAWN
    assert client.get(f"/careers/external/{item.id}/edit").status_code == 302  # no longer editable
    client.post(
        "/careers/external/new", data=form(app, certificate_number="B"), content_type="multipart/form-data"
    )
    with app.app_context():
        second = db.session.scalar(
            sa.select(ExternalLearning.id).where(ExternalLearning.certificate_number == "B")
        )
    as_user(client, login, world.hr)
    client.post(f"/hr/external/{second}", data={"decision": "approve"})
    page = client.get(f"/hr/external/{second}").text
    assert "Cabut persetujuan" in page
    client.post(f"/hr/external/{second}", data={"decision": "revoke", "reason": "Sertifikat palsu."})
    with app.app_context():
        assert db.session.get(ExternalLearning, second).status is ExternalStatus.REVOKED
    assert jp_records(app, world) == 0


def test_transcript_lists_courses_with_absolute_verification_links_in_english(app, client, login, world):
    as_user(client, login, world.staff)
    client.post(f"/courses/{world.course}/enrol")
    client.post(f"/courses/{world.course}/learn/{lesson_id(app, world.course_id)}/done")
    app.config["PUBLIC_BASE_URL"] = "https://belajar.contoh.go.id"
    try:
        text = pdf_text(client.get("/careers/transcript.pdf").data)
        number = re.search(r"Nomor sertifikat: (\S+)", text).group(1)
        assert f"https://belajar.contoh.go.id/verify/{number}" in text
        assert "Komunikasi Efektif" in text and "Kursus daring" in text
        client.post("/language", data={"lang": "en"})
        english = pdf_text(client.get("/careers/transcript.pdf").data)
    finally:
        app.config.pop("PUBLIC_BASE_URL", None)
    assert "LEARNING TRANSCRIPT" in english and f"Certificate number: {number}" in english
    assert "Total: 4 JP (items: 1)" in english


def test_an_approved_report_shows_its_competencies_on_the_profile(app, client, login, world):
    as_user(client, login, world.staff)
    client.post(
        "/careers/external/new",
        data=form(app, certificate_number="LKPP-2026-9", level_1="3"),
        content_type="multipart/form-data",
    )
    item = only_item(app, world)
    assert "Pelatihan di luar platform" not in client.get("/careers/").text  # not while it waits

    as_user(client, login, world.hr)
    assert client.post(f"/hr/external/{item.id}", data={"decision": "approve"}).status_code == 302
    evidence = (
        f"Laporan pegawai No. {item.id}: Pelatihan Pengadaan Barang/Jasa (LKPP), sertifikat No. LKPP-2026-9"
    )
    hr_view = client.get(f"/careers/people/{world.staff_id}").text
    bukti = hr_view.split('id="bukti"')[1].split("</section>")[0]
    assert "Perekat Bangsa" in bukti and "Pelatihan di luar platform" in bukti and evidence in bukti
    assert f'href="/hr/external/{item.id}"' in bukti

    as_user(client, login, world.staff)
    own = client.get("/careers/").text
    bukti = own.split('id="bukti"')[1].split("</section>")[0]
    assert "Pelatihan di luar platform" in bukti and evidence in bukti
    assert f'href="/careers/external#laporan-{item.id}"' in bukti
    assert 'data-label="Level">3<' in bukti

    as_user(client, login, world.hr)
    client.post(f"/hr/external/{item.id}", data={"decision": "revoke", "reason": "Sertifikat palsu."})
    as_user(client, login, world.staff)
    revoked = client.get("/careers/").text.split('id="bukti-dicabut"')[1].split("</ul>")[0]
    assert (
        "Pelatihan di luar platform" in revoked
        and "tidak berlaku: pelatihan di luar platform dicabut" in revoked
    )


def test_withdrawing_by_http_removes_the_file_and_says_so(app, client, login, world):
    as_user(client, login, world.staff)
    client.post("/careers/external/new", data=with_pdf(form(app)), content_type="multipart/form-data")
    item = only_item(app, world)
    with app.app_context():
        stored = evidence.path_of(item.evidence_file)
    assert stored is not None and stored.read_bytes() == factories.PDF
    assert client.post(f"/careers/external/{item.id}/withdraw").status_code == 302
    assert not stored.exists()
    assert only_item(app, world).evidence_file is None
    assert client.get(f"/careers/external/{item.id}/evidence").status_code == 404
    page = client.get("/careers/external").text
    assert "sertifikat.pdf (dihapus karena laporan ditarik)" in page
