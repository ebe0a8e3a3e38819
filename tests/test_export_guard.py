"""Every export of the platform neutralises text a spreadsheet would run as a formula.

A person, a unit, a course, a position and a competency are all named =HYPERLINK(...): in every
CSV and XLSX file HR, trainers, moderators and verifiers can download (reports, careers, the
competency catalogue, quiz results, webinar attendance, bulk certificate verification, course
completion, evaluation results), each such value comes out prefixed with an apostrophe (shown as
text), never as a formula. A new export belongs in this list.
"""

import csv
import io
from datetime import date, timedelta

import openpyxl
import sqlalchemy as sa

from lms.accounts.models import Role, Unit
from lms.careers import appraisals, positions
from lms.certificates.models import Certificate
from lms.competencies import services as catalogue
from lms.courses import learning
from lms.evaluations import surveys
from lms.evaluations.models import Survey
from lms.extensions import db
from lms.quizzes import attempts
from tests import factories
from tests.careers.conftest import build_org, complete
from tests.quizzes.conftest import build_quiz

HOSTILE = '=HYPERLINK("http://x","y")'
LEVELS = {n: f"Deskriptor {n}" for n in range(1, 6)}


def fetch(response) -> tuple[int, bytes]:
    """The status and body of a (streamed) download, read whole and closed at once."""
    data = response.get_data()
    response.close()
    return response.status_code, data


def csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,")
    return [cell for row in csv.reader(io.StringIO(text), dialect) for cell in row]


def xlsx_cells(data: bytes) -> list[str]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [
            value
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if isinstance(value, str)
        ]
    finally:
        workbook.close()


def test_every_export_neutralises_formulas(app, client, login):
    with app.app_context():
        org = build_org("GUARD")
        for person in (org.staff, org.junior):
            person.name = HOSTILE
        db.session.execute(sa.update(Unit).where(Unit.agency_id == org.agency.id).values(name=HOSTILE))
        org.pertama.name = HOSTILE
        catalogue.save_technical(
            org.agency, catalogue.CompetencyData("TK-GUARD", HOSTILE, HOSTILE, LEVELS), by=org.hr
        )
        course = factories.course(by=None, title=HOSTILE, modules=1, lessons=1, jp=6)
        complete(org.staff, course)
        positions.assign_position(org.staff, org.pertama, by=org.hr)
        appraisals.record_appraisal(
            org.staff,
            appraisals.AppraisalData(
                year=2025, period="annual", work_rating="meets", behaviour=appraisals.all_values("meets")
            ),
            by=org.head,
        )
        trainer = factories.user(roles=(Role.TRAINER,), name="Pengajar Kuis")
        quiz_course = factories.course(by=trainer, title=HOSTILE, modules=1, lessons=1)
        quiz = build_quiz(quiz_course, gift="::jp::Satu JP sama dengan 45 menit. {T}", title=HOSTILE)
        learning.enrol(org.staff, quiz_course, by=org.hr, due_date=date.today() + timedelta(days=7))
        attempts.finish_attempt(attempts.start_attempt(quiz, org.staff))
        evaluated = factories.course(by=trainer, title=HOSTILE, modules=1, lessons=1)
        complete(org.staff, evaluated)
        survey = db.session.scalar(sa.select(Survey).where(Survey.course_id == evaluated.id))
        ratings = dict.fromkeys(("relevance", "trainer", "materials", "apply"), "4")
        surveys.submit(survey, org.staff, surveys.Reaction(ratings=ratings, comment=HOSTILE))
        webinar = factories.webinar(org.hr, title=HOSTILE)
        factories.registration(webinar, org.staff)
        db.session.commit()
        certificate = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == org.staff.id))
        agency, muda, hr, number = org.agency.id, org.muda.id, org.hr.email, certificate.number
        webinar_id, quiz_id, trainer_email = webinar.id, quiz.id, trainer.email
        evaluated_id = evaluated.id
    login(type("U", (), {"email": trainer_email}))
    downloads = {"quizzes results.csv": fetch(client.get(f"/teach/quizzes/{quiz_id}/results.csv"))}
    for fmt in ("csv", "xlsx"):
        downloads[f"evaluations results.{fmt}"] = fetch(
            client.get(f"/evaluations/course/{evaluated_id}/results.{fmt}")
        )
    client.post("/logout")
    login(type("U", (), {"email": hr}))
    for kind, query in (
        ("jp", ""),
        ("heatmap", ""),
        ("talent", ""),
        ("readiness", f"?position={muda}"),
        ("training-history", ""),
        ("completion", ""),
    ):
        for fmt in ("csv", "xlsx"):
            downloads[f"reports {kind}.{fmt}"] = fetch(client.get(f"/hr/{agency}/export/{kind}.{fmt}{query}"))
    downloads["careers positions.csv"] = fetch(client.get(f"/hr/{agency}/positions.csv"))
    downloads["careers staff-positions.csv"] = fetch(client.get(f"/hr/{agency}/staff-positions.csv"))
    downloads["competencies competencies.csv"] = fetch(client.get(f"/hr/{agency}/competencies.csv"))
    downloads["webinars attendance.csv"] = fetch(client.get(f"/webinars/{webinar_id}/attendance.csv"))
    downloads["webinars attendance.xlsx"] = fetch(client.get(f"/webinars/{webinar_id}/attendance.xlsx"))
    downloads["certificates verify-many.csv"] = fetch(
        client.post("/certificates/verify-many", data={"numbers": number, "format": "csv"})
    )

    unsafe = {}
    for name, (status, data) in downloads.items():
        assert status == 200, name
        cells = xlsx_cells(data) if name.endswith(".xlsx") else csv_cells(data)
        assert "'" + HOSTILE in cells or any(c.startswith("'" + HOSTILE[:10]) for c in cells), name
        formulas = [c for c in cells if c[:1] in ("=", "+", "-", "@")]
        if formulas:
            unsafe[name] = formulas
    assert unsafe == {}
