"""The certificate PDF names the official who signs for the agency, as configured when it was issued."""

from lms.accounts.models import Role
from lms.certificates.models import Certificate
from tests.certificates.conftest import certificate_of, complete
from tests.certificates.test_pdf import download, text_of


def test_the_agency_admin_sets_the_signatory_and_new_pdfs_print_it(
    app, db, client, login, make_agency, make_user, make_course
):
    agency = make_agency(code="SIGN", name="Badan Tanda Tangan")
    admin = make_user(agency, roles=(Role.AGENCY_ADMIN,))
    login(admin)
    response = client.post(
        f"/certificates/signatory/{agency.id}",
        data={"name": "Dr. Ir. Budi Santoso, M.Si.", "position": "Kepala Badan"},
    )
    assert response.status_code == 302
    assert 'value="Dr. Ir. Budi Santoso, M.Si."' in client.get(f"/certificates/signatory/{agency.id}").text

    trainer = make_user(agency, roles=(Role.TRAINER,))
    learner = make_user(agency, name="Siti Rahmawati")
    course = make_course(by=trainer, title="Komunikasi Publik")
    with app.test_request_context():
        enrolment = complete(db.session.merge(learner), db.session.merge(course))
        db.session.commit()
        number = certificate_of(enrolment).number
    client.post("/logout")
    text = text_of(download(client, login, learner, number))
    assert "Ditandatangani secara elektronik oleh Dr. Ir. Budi Santoso, M.Si. Kepala Badan" in text
    assert "Ed25519" not in text

    # A later change names the new official on new certificates only.
    login(admin)
    client.post(f"/certificates/signatory/{agency.id}", data={"name": "Orang Lain", "position": "Kepala"})
    with app.app_context():
        assert (
            db.session.scalar(
                Certificate.__table__.select()
                .with_only_columns(Certificate.signatory_name)
                .where(Certificate.number == number)
            )
            == "Dr. Ir. Budi Santoso, M.Si."
        )


def test_name_and_position_go_together(client, login, make_agency, make_user):
    agency = make_agency(code="SIGN2")
    login(make_user(agency, roles=(Role.AGENCY_ADMIN,)))
    response = client.post(f"/certificates/signatory/{agency.id}", data={"name": "Budi"})
    assert response.status_code == 422
    assert "Isi nama dan jabatan penanda tangan" in response.text


def test_without_a_signatory_the_pdf_has_no_empty_signature_block(client, login, issued):
    learner, _course, number = issued
    assert "Ditandatangani secara elektronik" not in text_of(download(client, login, learner, number))
