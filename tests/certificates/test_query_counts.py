"""Certificate lists cost the same number of queries for 2 or 10 certificates (no N+1)."""

from __future__ import annotations

from lms.accounts.models import Role
from lms.extensions import db

from .conftest import certificate_of, complete


def test_my_certificates_and_the_admin_list_do_not_grow_with_the_rows(
    app, client, login, make_agency, make_user, make_course, count_queries
):
    agency = make_agency(code="BKN")
    trainer = make_user(agency, roles=(Role.TRAINER,))
    learner = make_user(agency, name="Siti Rahmawati")
    admin = make_user(agency, roles=(Role.AGENCY_ADMIN,))
    counts: dict[str, dict[int, int]] = {"mine": {}, "manage": {}}
    made = 0
    for n in (2, 10):
        while made < n:
            made += 1
            course = make_course(by=trainer, title=f"Kursus {made}", jp=2, competencies=[("KOM", 2)])
            with app.test_request_context():
                complete(db.session.merge(learner), db.session.merge(course))
                db.session.commit()
        login(learner)
        with count_queries() as statements:
            page = client.get("/certificates/")
        assert page.status_code == 200 and page.text.count("Kursus ") >= n
        counts["mine"][n] = len(statements)
        client.post("/logout")
        login(admin)
        with count_queries() as statements:
            page = client.get("/certificates/manage")
        assert page.status_code == 200 and page.text.count("Siti Rahmawati") >= n
        counts["manage"][n] = len(statements)
        client.post("/logout")
    for name, by_rows in counts.items():
        assert by_rows[2] == by_rows[10], (name, by_rows)
    assert counts["mine"][10] <= 12 and counts["manage"][10] <= 12, counts


def test_the_public_verify_page_is_one_statement(
    app, client, make_agency, make_user, make_course, count_queries
):
    agency = make_agency(code="BKN")
    trainer = make_user(agency, roles=(Role.TRAINER,))
    learner = make_user(agency, name="Siti Rahmawati")
    course = make_course(by=trainer, title="Kursus Verifikasi", jp=2, competencies=[("KOM", 2)])
    with app.test_request_context():
        number = certificate_of(complete(db.session.merge(learner), db.session.merge(course))).number
        db.session.commit()
    with count_queries() as statements:
        page = client.get(f"/verify/{number}")
    assert page.status_code == 200 and "Siti Rahmawati" in page.text
    assert len(statements) == 1  # the certificate, its snapshot holding everything the page shows
