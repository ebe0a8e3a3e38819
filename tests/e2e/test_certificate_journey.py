"""Done when: complete a course in the browser -> certificate appears -> the PDF downloads with the
holder's name -> its QR code opens the verification page (SAH) -> a third-party JOSE library verifies
the credential against the published key set -> an admin revokes -> the page says DICABUT."""

import io

import jwt as pyjwt
import pypdf
import pypdfium2
import pytest
import zxingcpp

from lms.accounts.models import Role
from lms.extensions import db, limiter
from tests import factories

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(live_app):
    limiter.reset()
    with live_app.test_request_context():
        agency = factories.agency(code="E2E", name="Badan Uji Peramban")
        trainer = factories.user(agency, roles=(Role.TRAINER,))
        learner = factories.user(agency, name="Rina Wulandari", email="rina@uji.go.id")
        admin = factories.user(agency, roles=(Role.AGENCY_ADMIN,), email="admin-e2e@uji.go.id")
        course = factories.course(by=trainer, title="Etika Pelayanan Publik", modules=1, lessons=2, jp=2)
        db.session.commit()
        return {"learner": learner.email, "admin": admin.email, "slug": course.slug}


def log_in(page, base, email):
    page.goto(f"{base}/login")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def qr_url(pdf_bytes):
    document = pypdfium2.PdfDocument(pdf_bytes)
    try:
        image = document[0].render(scale=2, grayscale=True).to_pil()
    finally:
        document.close()
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_certificate_journey(contexts, live_server, people, tmp_path):
    page = contexts.new(accept_downloads=True).new_page()
    base = live_server.url
    log_in(page, base, people["learner"])

    # Complete the course in the browser.
    page.goto(f"{base}/courses/{people['slug']}")
    page.click("text=Daftar kursus")
    page.click("text=Tandai selesai")
    page.click("text=Tandai selesai")
    assert "Selamat! Anda telah menyelesaikan kursus" in page.content()

    # The certificate appears on the learner's page.
    page.goto(f"{base}/certificates/")
    assert "Etika Pelayanan Publik" in page.content()
    number = page.locator("section.cert code").first.inner_text()
    assert number.startswith("ASN-")

    # The PDF downloads and says whose it is.
    with page.expect_download() as info:
        page.click("text=Unduh PDF")
    pdf_path = tmp_path / info.value.suggested_filename
    info.value.save_as(pdf_path)
    assert pdf_path.name == f"{number}.pdf"
    data = pdf_path.read_bytes()
    text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Rina Wulandari" in text and number in text

    # Its QR code opens the verification page, which says SAH.
    [url] = qr_url(data)
    assert url == f"{base}/verify/{number}"
    page.goto(url)
    assert page.locator(".verdict-word").inner_text() == "SAH"
    assert "Rina Wulandari" in page.content()
    page.screenshot(path=str(tmp_path / "verify-valid.png"), full_page=True)

    # A third-party JOSE library verifies the downloaded credential with the published keys.
    page.goto(f"{base}/certificates/")
    with page.expect_download() as info:
        page.click("text=Unduh kredensial digital")
    token = tmp_path / "credential.jwt"
    info.value.save_as(token)
    # Open Badges 3.0 section 8.2: the header's kid is a URL that serves the public JWK.
    header = pyjwt.get_unverified_header(token.read_text())
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    jwk = page.request.get(header["kid"].replace(header["kid"].split("/.well-known/")[0], base)).json()
    jwks = page.request.get(f"{base}/.well-known/jwks.json").json()
    assert jwk in jwks["keys"]
    claims = pyjwt.decode(token.read_text(), pyjwt.PyJWK(jwk).key, algorithms=[jwk["alg"]])
    assert claims["credentialSubject"]["achievement"]["name"] == "Etika Pelayanan Publik"

    # The issuing agency's admin revokes it; the page says DICABUT with the reason.
    page.click("text=Keluar")
    log_in(page, base, people["admin"])
    page.goto(f"{base}/certificates/manage")
    page.click(f"text={number}")
    page.fill("textarea[name=reason]", "Peserta terbukti tidak mengikuti kursus")
    page.click("main form button[type=submit]")
    assert "telah dicabut" in page.content()
    page.goto(url)
    assert page.locator(".verdict-word").inner_text() == "DICABUT"
    assert "Peserta terbukti tidak mengikuti kursus" in page.content()
    page.screenshot(path=str(tmp_path / "verify-revoked.png"), full_page=True)
