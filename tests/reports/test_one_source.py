"""Numbers from one source (issue 14, finding 5): the home page, the career profile, the JP ledger,
HR compliance, the SIASN export and the API agree on a person's JP and completions."""

import re
from datetime import UTC, date, datetime, timedelta

from lms.accounts.models import User
from lms.careers import jp, summaries
from lms.extensions import db
from lms.reports import compliance, training_history
from lms.webinars import attendance
from tests import factories
from tests.careers.conftest import build_org, complete


def _person_with_every_source(app):
    """A person with a completed course (6 JP), a webinar attended (2 JP) and HR-entered JP (5)."""
    with app.test_request_context():
        org = build_org("SATU")
        course = factories.course(by=None, title="Kursus Satu Sumber", modules=1, lessons=1, jp=6)
        complete(org.staff, course)
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
        webinar = factories.webinar(org.head, starts_at=start, minutes=60, jp=2, title="Webinar Satu")
        factories.registration(webinar, org.staff)
        attendance.join(org.staff, webinar, "sid-satu", at=start)
        for minute in range(1, 60):
            attendance.heartbeat(org.staff, webinar, "sid-satu", at=start + timedelta(minutes=minute))
        attendance.leave("sid-satu", at=start + timedelta(minutes=60))
        attendance.finalize(webinar, at=start + timedelta(minutes=61))
        today = date.today()
        jp.record_jp(
            org.staff,
            jp.JpRecordData("coaching", "Coaching Atasan", today, today, jp=5, evidence="Surat tugas 7"),
            by=org.hr,
            today=today,
        )
        db.session.commit()
        year = jp.current_year(org.staff)
        return org.staff.id, org.staff.email, org.agency.id, org.hr.email, year


def _jp_numbers(html):
    return {int(n) for n in re.findall(r"(\d+) dari \d+ JP|JP tahun ini: (\d+)", html) for n in n if n}


def test_every_page_reads_the_ledger(app, client, login):
    staff_id, staff_email, agency_id, hr_email, year = _person_with_every_source(app)
    with app.test_request_context():
        person = db.session.get(User, staff_id)
        ledger = jp.jp_year(person, year)
        assert ledger.total == 13
        assert summaries.jp_total(db.session, staff_id, year) == 13
        people, _more = compliance.under_target(agency_id, year, 20)
        assert {p.user.id: p.jp for p in people}[staff_id] == 13
        history = [
            row for row in training_history.training_history_rows(agency_id, year) if row[1] == person.name
        ]
        assert sum(row[9] for row in history) == 13

    login(type("U", (), {"email": staff_email}))
    home = client.get("/").text
    assert _jp_numbers(home) == {13}, "the home page shows one JP number, the ledger's"
    assert "Anda belum mengikuti kursus." not in home  # one course is complete
    assert "1 kursus selesai" in home
    profile = client.get("/careers/").text
    assert _jp_numbers(profile) == {13}
    assert client.get("/api/v1/me/progress").get_json()["jp_this_year"] == 13
