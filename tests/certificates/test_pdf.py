"""The printable certificate: its text (extracted) and its QR code (decoded from a rendering)."""

import io

import pypdf
import pypdfium2
import pytest
import sqlalchemy as sa
import zxingcpp

from lms.certificates import pdf, services
from lms.certificates.models import Certificate
from lms.extensions import db


def text_of(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595), "A4 landscape"
    return " ".join(reader.pages[0].extract_text().split())


def qr_codes(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=2, grayscale=True).to_pil()
    finally:
        document.close()
    return [result.text for result in zxingcpp.read_barcodes(image)]


def download(client, login, learner, number):
    login(learner)
    response = client.get(f"/certificates/{number}/sertifikat.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{number}.pdf"'
    return response.data


def test_pdf_says_what_was_certified_and_its_qr_opens_the_verify_page(
    client, login, app, issued, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://belajar.example.go.id/")
    learner, course, number = issued
    data = download(client, login, learner, number)
    assert len(data) < 60_000
    text = text_of(data)
    for expected in (
        "SERTIFIKAT",
        f"Nomor {number}",
        "Siti Rahmawati",
        "Komunikasi Publik",
        "dengan bobot 4 JP",
        "BADAN KEPEGAWAIAN UJI",
        "Komunikasi (KOM) level 3",
        "Integritas (INT) level 2",
        "diberikan kepada",
        "menyelesaikan kursus",
    ):
        assert expected in text, expected
    nip = learner.nip
    assert f"NIP {nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}" in text
    assert qr_codes(data) == [f"https://belajar.example.go.id/verify/{number}"]


def test_qr_falls_back_to_the_request_host(client, login, issued):
    learner, _course, number = issued
    assert qr_codes(download(client, login, learner, number)) == [f"http://localhost/verify/{number}"]


def test_a_revoked_certificate_prints_as_revoked(client, login, app, issued):
    learner, _course, number = issued
    with app.test_request_context():
        cert = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
        services.revoke(cert, "Nilai akhir dibatalkan", by=None)
        db.session.commit()
    text = text_of(download(client, login, learner, number))
    assert "DICABUT" in text and "Nilai akhir dibatalkan" in text


def test_dates_are_in_indonesian(app, issued):
    with app.test_request_context():
        cert = db.session.scalar(sa.select(Certificate).where(Certificate.number == issued[2]))
        cert.competencies = [
            {"code": f"T{i}", "name": f"Teknis {i}", "type": "technical", "level": 1} for i in range(6)
        ]
        data = pdf.render(cert, "https://x.example/verify/1", site_name="Ruang Belajar ASN")
    text = text_of(data)
    month = cert.issued_on.month
    names = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ]
    assert f"Diterbitkan pada {cert.issued_on.day} {names[month - 1]} {cert.issued_on.year}" in text
    assert "dan 3 lainnya" in text


def test_letters_the_font_lacks_are_simplified_not_lost():
    assert pdf.printable("Ni Luh Ṣari Dewi") == "Ni Luh Sari Dewi"
    assert pdf.printable("Ma'ruf Çelik Ñoño") == "Ma'ruf Çelik Ñoño"
    assert pdf.printable("名字") == "??"


def test_a_missing_font_says_how_to_install_it(app, tmp_path, monkeypatch, issued):
    monkeypatch.setitem(app.config, "CERT_FONT_DIR", str(tmp_path / "none"))
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    with app.test_request_context(), pytest.raises(pdf.FontMissing, match="fonts-dejavu-core"):
        pdf.font_files()
