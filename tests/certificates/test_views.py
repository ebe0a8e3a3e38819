"""Certificate pages and the JSON status through the HTTP client."""

import csv
import gzip
import io
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from lms.accounts.models import Agency, Role
from lms.certificates import services
from lms.certificates.models import Certificate
from lms.certificates.numbers import format_number
from lms.extensions import db
from tests import factories
from tests.certificates.conftest import certificate_of, complete
from tests.certificates.test_signing import _tamper
from tests.html import without_site_script

UNKNOWN = format_number("0000000000000000")


def revoke_directly(app, number, reason="Data kelulusan keliru"):
    with app.test_request_context():
        cert = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
        services.revoke(cert, reason, by=None)
        db.session.commit()


# ---------------------------------------------------------------- the public page


def test_verify_page_shows_valid_and_everything_certified(client, issued):
    learner, course, number = issued
    response = client.get(f"/verify/{number}")
    assert response.status_code == 200
    html = response.text
    assert "SAH" in html and "DICABUT" not in html
    for expected in (
        "Siti Rahmawati",
        "Komunikasi Publik",
        "4 JP",
        "Komunikasi (KOM) — level 3",
        "Integritas (INT) — level 2",
        "Badan Kepegawaian Uji",
        number,
    ):
        assert expected in html, expected
    assert learner.nip[:4] + "**********" + learner.nip[-4:] in html
    assert learner.nip not in html, "the full NIP is never public"
    assert "<script" not in without_site_script(html) and "<img" not in html
    assert response.headers["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize(
    "variant", [str.lower, lambda n: n.replace("-", " "), lambda n: n.replace("-", ""), lambda n: n[4:]]
)
def test_verify_page_normalises_typed_numbers(client, issued, variant):
    number = issued[2]
    response = client.get(f"/verify/{variant(number)}")
    assert response.status_code == 200 and "SAH" in response.text and number in response.text


def test_the_verify_form_redirects_to_the_canonical_page(client, issued):
    number = issued[2]
    typed = " " + number.lower().replace("-", " ") + " "
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 302 and response.location == f"/verify/{number}"
    assert "Nomor sertifikat" in client.get("/verify").text


@pytest.mark.parametrize("typed", ["ASN-123", "ASN-7K3M-9QXD-2HTV-5BWA-U", "hello world"])
def test_malformed_numbers_get_a_clear_message(client, db, typed):
    for response in (client.get(f"/verify/{typed}"), client.get("/verify", query_string={"code": typed})):
        assert response.status_code == 400
        assert 'role="alert"' in response.text and "Nomor sertifikat" in response.text


def test_a_typo_is_caught_by_the_check_character(client, issued):
    number = issued[2]
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = client.get(f"/verify/{wrong}")
    assert response.status_code == 400 and "salah ketik" in response.text


def test_unknown_numbers_say_unknown(client, db):
    response = client.get(f"/verify/{UNKNOWN}")
    assert response.status_code == 404 and "TIDAK DIKENAL" in response.text


def test_revoked_shows_date_and_reason(client, app, issued):
    number = issued[2]
    revoke_directly(app, number, "Kelulusan dibatalkan oleh panitia")
    html = client.get(f"/verify/{number}").text
    assert "DICABUT" in html and "Kelulusan dibatalkan oleh panitia" in html
    assert re.search(r"dicabut pada \d{1,2} \w+ \d{4}", html)
    assert ">SAH<" not in html


class Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.urls.append(attrs["href"])
        if tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])


def test_verify_page_weighs_under_10_kb_gzipped_with_its_css(client, issued):
    number = issued[2]
    page = client.get(f"/verify/{number}", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert "SAH" in gzip.decompress(page.data).decode()
    parser = Assets()
    parser.feed(client.get(f"/verify/{number}").text)
    assert len(parser.urls) == 1 and "app.css" in parser.urls[0], "only the stylesheet: no script, no image"
    sizes = {"page": len(page.data)}
    for url in parser.urls:
        asset = client.get(url, headers={"Accept-Encoding": "gzip"})
        sizes[url] = len(asset.get_data())
        asset.close()
    total = sum(sizes.values())
    print(f"verify page weight (gzip): {sizes} total {total} bytes")
    assert total < 10 * 1024


def test_verification_is_rate_limited_per_address(client, app, issued, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "3 per minute")
    number = issued[2]
    assert client.get(f"/verify/{number}").status_code == 200
    assert client.get(f"/api/v1/certificates/{number}").status_code == 200
    assert client.get(f"/verify/{UNKNOWN}").status_code == 404
    assert client.get(f"/verify/{number}").status_code == 429
    assert client.get(f"/api/v1/certificates/{number}").status_code == 429
    other = client.get(f"/verify/{number}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200


# ---------------------------------------------------------------- JSON status


def test_json_status_of_a_valid_then_revoked_certificate(client, app, issued):
    learner, course, number = issued
    response = client.get(f"/api/v1/certificates/{number.lower()}")
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "valid" and data["valid"] is True and data["number"] == number
    assert data["holder_name"] == "Siti Rahmawati" and data["holder_nip_masked"].endswith(learner.nip[-4:])
    assert learner.nip not in response.text
    assert data["jp"] == 4 and {c["code"] for c in data["competencies"]} == {"KOM", "INT"}
    assert data["revokedCredentials"] == [] and data["id"].endswith(f"/api/v1/certificates/{number}")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    revoke_directly(app, number, "Terbit ganda")
    data = client.get(f"/api/v1/certificates/{number}").get_json()
    assert data["status"] == "revoked" and data["valid"] is False
    assert data["revocation_reason"] == "Terbit ganda" and data["revoked_on"]
    assert data["revokedCredentials"] == [{"id": data["verify_url"], "revocationReason": "Terbit ganda"}]


def test_json_status_errors(client, db):
    unknown = client.get(f"/api/v1/certificates/{UNKNOWN}")
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == 404
    malformed = client.get("/api/v1/certificates/ASN-1")
    assert malformed.status_code == 400 and "17 huruf" in malformed.get_json()["error"]["message"]


def test_status_endpoint_is_in_the_openapi_document(client, db):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/certificates/{code}"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert schema.endswith("/CertificateStatus")
    assert "revokedCredentials" in spec["components"]["schemas"]["CertificateStatus"]["properties"]


# ---------------------------------------------------------------- the learner


def test_learner_lists_and_downloads_own_certificates(client, login, app, issued):
    learner, course, number = issued
    login(learner)
    page = client.get("/certificates/")
    assert page.status_code == 200 and number in page.text and "Komunikasi Publik" in page.text
    assert f"/certificates/{number}/sertifikat.pdf" in page.text
    assert f"/certificates/{number}/credential.jwt" in page.text
    jwt = client.get(f"/certificates/{number}/credential.jwt")
    assert jwt.status_code == 200 and jwt.mimetype == "application/vc+jwt"
    assert jwt.headers["Content-Disposition"] == f'attachment; filename="{number}.jwt"'
    with app.app_context():
        stored = db.session.scalar(sa.select(Certificate.credential_jwt).where(Certificate.number == number))
    assert jwt.text == stored
    home = client.get("/").text
    assert "Sertifikat saya" in home and "Komunikasi Publik" in home and "Jumlah sertifikat: 1" in home


def test_others_cannot_download_but_the_issuing_agency_admin_can(client, login, app, issued, make_user):
    learner, course, number = issued
    login(make_user(name="Orang Lain"))
    assert client.get(f"/certificates/{number}/sertifikat.pdf").status_code == 403
    assert client.get(f"/certificates/{number}/credential.jwt").status_code == 403
    assert client.get(f"/certificates/{UNKNOWN}/credential.jwt").status_code == 404
    assert number not in client.get("/certificates/").text
    client.post("/logout")
    with app.app_context():
        agency = db.session.get(
            Certificate, db.session.scalar(sa.select(Certificate.id).where(Certificate.number == number))
        ).issuer_agency
        admin = factories.bind(app, factories.user)(agency, roles=(Role.AGENCY_ADMIN,))
    login(admin)
    assert client.get(f"/certificates/{number}/credential.jwt").status_code == 200


def test_anonymous_is_sent_to_login(client, issued):
    number = issued[2]
    for url in (
        "/certificates/",
        f"/certificates/{number}/sertifikat.pdf",
        "/certificates/verify-many",
        "/certificates/manage",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location, url


# ---------------------------------------------------------------- checking a credential file


def test_credential_check_page(client, app, issued):
    number = issued[2]
    with app.app_context():
        token = db.session.scalar(sa.select(Certificate.credential_jwt).where(Certificate.number == number))
    good = client.post("/verify/credential", data={"token": token})
    assert good.status_code == 200 and "Tanda tangan sah" in good.text and number in good.text
    bad = client.post("/verify/credential", data={"token": _tamper(token)})
    assert bad.status_code == 400 and "telah diubah" in bad.text
    revoke_directly(app, number)
    revoked = client.post("/verify/credential", data={"token": token})
    assert "Tanda tangan sah" in revoked.text and "DICABUT" in revoked.text


# ---------------------------------------------------------------- HR bulk verification


@pytest.fixture
def hr(make_user, make_agency):
    return make_user(make_agency(code="HRD"), roles=(Role.AGENCY_ADMIN,))


def test_bulk_verification_table_and_csv(client, login, app, issued, hr, make_user, make_course):
    number = issued[2]
    with app.test_request_context():
        other = certificate_of(complete(db.session.merge(make_user()), db.session.merge(make_course())))
        revoked_number = other.number
        db.session.commit()
    revoke_directly(app, revoked_number, "Plagiat tugas akhir")
    login(hr)
    typed = [number.lower().replace("-", " "), revoked_number, UNKNOWN, "ASN-12", '=HYPERLINK("x")']
    response = client.post("/certificates/verify-many", data={"numbers": "\n".join(typed) + "\n\n"})
    assert response.status_code == 200
    html = response.text
    for expected in (
        "SAH",
        "DICABUT",
        "TIDAK DIKENAL",
        "NOMOR TIDAK VALID",
        "Siti Rahmawati",
        "Plagiat tugas akhir",
        "Komunikasi Publik",
        "Hasil: 5 nomor",
    ):
        assert expected in html, expected
    download = client.post("/certificates/verify-many", data={"numbers": "\n".join(typed), "format": "csv"})
    assert download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"] == 'attachment; filename="hasil-verifikasi.csv"'
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert [row["status"] for row in rows] == [
        "SAH",
        "DICABUT",
        "TIDAK DIKENAL",
        "NOMOR TIDAK VALID",
        "NOMOR TIDAK VALID",
    ]
    assert rows[0]["nomor_diketik"] == typed[0] and rows[0]["nomor"] == number
    assert rows[0]["pemegang"] == "Siti Rahmawati" and rows[0]["jp"] == "4" and rows[0]["tanggal_terbit"]
    assert rows[1]["alasan_pencabutan"] == "Plagiat tugas akhir"
    assert rows[4]["nomor_diketik"].startswith("'="), "formulas are neutralised for spreadsheets"


def test_bulk_verification_reads_a_csv_upload(client, login, issued, hr):
    number = issued[2]
    login(hr)
    data = f"nama;nomor sertifikat\nSiti;{number}\nBudi;{UNKNOWN}\n".encode("utf-8-sig")
    response = client.post(
        "/certificates/verify-many",
        content_type="multipart/form-data",
        data={"numbers": "", "file": (io.BytesIO(data), "x.csv")},
    )
    assert response.status_code == 200
    assert "Hasil: 2 nomor" in response.text and "SAH" in response.text and "TIDAK DIKENAL" in response.text


def test_bulk_verification_limits_the_batch(client, login, app, hr, monkeypatch):
    monkeypatch.setitem(app.config, "BULK_VERIFY_MAX", 3)
    login(hr)
    response = client.post("/certificates/verify-many", data={"numbers": "\n".join([UNKNOWN] * 4)})
    assert "Maksimal 3 nomor sekali periksa; Anda mengirim 4" in response.text
    assert "Hasil:" not in response.text
    empty = client.post("/certificates/verify-many", data={"numbers": "  \n "})
    assert "Tempelkan nomor sertifikat" in empty.text
    utf16 = client.post(
        "/certificates/verify-many",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO("nomor\n".encode("utf-16")), "x.csv")},
    )
    assert "tersimpan dalam UTF-16" in utf16.text


def test_learners_cannot_bulk_verify_or_manage(client, login, make_user, issued):
    login(make_user())
    assert client.get("/certificates/verify-many").status_code == 403
    assert client.get("/certificates/manage").status_code == 403
    response = client.post(f"/certificates/manage/{issued[2]}/revoke", data={"reason": "Coba-coba"})
    assert response.status_code == 403


# ---------------------------------------------------------------- revocation by admins


def test_issuing_agency_admin_revokes_and_the_page_says_revoked(client, login, app, issued, make_user):
    number = issued[2]
    with app.app_context():
        agency_id = db.session.scalar(
            sa.select(Certificate.issuer_agency_id).where(Certificate.number == number)
        )
    with app.app_context():
        agency = db.session.get(Agency, agency_id)
        admin = factories.bind(app, factories.user)(agency, roles=(Role.AGENCY_ADMIN,), name="Admin BKN")
    login(admin)
    listing = client.get("/certificates/manage")
    assert number in listing.text
    assert number in client.get("/certificates/manage", query_string={"q": "rahmawati"}).text
    detail = client.get(f"/certificates/manage/{number}")
    assert detail.status_code == 200 and "Cabut sertifikat" in detail.text
    refused = client.post(f"/certificates/manage/{number}/revoke", data={"reason": "x"})
    assert refused.status_code == 422 and "5 sampai 500" in refused.text
    done = client.post(f"/certificates/manage/{number}/revoke", data={"reason": "Peserta tidak hadir"})
    assert done.status_code == 302
    assert "Dicabut pada" in client.get(done.location).text and "Admin BKN" in client.get(done.location).text
    public = client.get(f"/verify/{number}").text
    assert "DICABUT" in public and "Peserta tidak hadir" in public
    again = client.post(f"/certificates/manage/{number}/revoke", data={"reason": "Sekali lagi ya"})
    assert again.status_code == 422


def test_another_agency_admin_cannot_revoke(client, login, issued, make_user, make_agency):
    number = issued[2]
    login(make_user(make_agency(code="LAIN"), roles=(Role.AGENCY_ADMIN,)))
    assert number not in client.get("/certificates/manage").text
    assert client.get(f"/certificates/manage/{number}").status_code == 403
    response = client.post(f"/certificates/manage/{number}/revoke", data={"reason": "Bukan hak saya"})
    assert response.status_code == 403
