"""The SIASN training history carries every JP source, with certificate numbers, and agrees with
the JP ledger person by person, in CSV and XLSX (issue 14, finding 3)."""

from collections import defaultdict
from datetime import date, timedelta

from lms.careers import jp
from lms.certificates import services as certificate_services
from lms.certificates.models import Certificate, CertificateSource
from lms.extensions import db
from lms.webinars import attendance
from tests import factories
from tests.careers.conftest import build_org, complete
from tests.reports.test_exports import rows_of, workbook_rows
from tests.webinars.conftest import T0


def _attend_whole(user, webinar, sid):
    attendance.join(user, webinar, sid, at=T0)
    for minute in range(1, 60):
        attendance.heartbeat(user, webinar, sid, at=T0 + timedelta(minutes=minute))
    attendance.leave(sid, at=T0 + timedelta(minutes=60))


def _world(app):
    with app.test_request_context():
        org = build_org("SIASN")
        course = factories.course(by=None, title="Kursus Arsip Digital", modules=1, lessons=1, jp=6)
        complete(org.staff, course)
        revoked = factories.course(by=None, title="Kursus Dicabut", modules=1, lessons=1, jp=3)
        complete(org.staff, revoked)
        webinar = factories.webinar(org.head, starts_at=T0, minutes=60, jp=2, title="Webinar Talenta")
        for person in (org.staff, org.junior):
            factories.registration(webinar, person)
            _attend_whole(person, webinar, f"sid-{person.id}")
        attendance.finalize(webinar, at=T0 + timedelta(minutes=61))
        jp.record_jp(
            org.staff,
            jp.JpRecordData(
                "classroom",
                "Diklat Kearsipan",
                date(2026, 3, 2),
                date(2026, 3, 4),
                jp=5,
                organizer="ANRI",
                evidence="Sertifikat 12",
                certificate_number="12/ANRI/2026",
            ),
            by=org.hr,
            today=date(2026, 11, 1),
        )
        dropped = db.session.scalar(
            db.select(Certificate).where(Certificate.source == CertificateSource.COURSE, Certificate.jp == 3)
        )
        certificate_services.revoke(dropped, "Salah terbit", by=None)
        db.session.commit()
        people = [org.hr, org.head, org.staff, org.junior, org.peer]
        ledger = {}
        for person in people:
            year = jp.jp_year(person, 2026)
            ledger[person.nip] = (
                year.total,
                sorted((i.title, i.counted, i.certificate or "") for i in year.items if i.counted),
            )
        return org.agency.id, org.hr.email, ledger


def _by_person(rows):
    found = defaultdict(lambda: [0, []])
    for row in rows:
        nip, title, jp_value, certificate = str(row[0]).lstrip("'"), row[3], int(row[9]), row[10] or ""
        found[nip][0] += jp_value
        found[nip][1].append((title, jp_value, certificate))
    return {nip: (total, sorted(items)) for nip, (total, items) in found.items()}


def test_siasn_history_agrees_with_the_jp_ledger(app, client, login):
    agency_id, hr_email, ledger = _world(app)
    login(type("U", (), {"email": hr_email}))
    url = f"/hr/{agency_id}/export/training-history"
    header, *csv_rows = rows_of(client.get(f"{url}.csv?year=2026"))
    assert header[2] == "Jenis diklat" and header[10] == "Nomor sertifikat"
    (xlsx_rows,) = workbook_rows(client.get(f"{url}.xlsx?year=2026").get_data()).values()
    expected = {nip: value for nip, value in ledger.items() if value[0]}
    assert _by_person(csv_rows) == expected
    assert _by_person(xlsx_rows[1:]) == expected
    kinds = {row[3]: row[2] for row in csv_rows}
    assert kinds["Webinar Talenta"] == "Webinar (seminar daring)"
    course_row = next(row for row in csv_rows if row[3] == "Kursus Arsip Digital")
    assert course_row[10].startswith("ASN-")  # the certificate's number, not empty
    assert "Kursus Dicabut" not in kinds  # revoked: no longer counts, as in the ledger
