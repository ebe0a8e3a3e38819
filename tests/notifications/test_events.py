"""Each notification from its event to its mail (memory backend), once even when the event repeats."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.careers import training_requests
from lms.certificates import services as certificates
from lms.competencies.models import Competency
from lms.core.clock import utcnow
from lms.courses import learning
from lms.courses.signals import reminder_requested
from lms.extensions import db
from lms.jobs.models import Job
from lms.notifications import kinds, listeners, services
from lms.reports import reminders as reports_reminders
from tests.certificates.conftest import complete
from tests.notifications.conftest import deliver, mails_to, notices


def test_a_course_assigned_to_a_unit_notifies_and_mails_each_person_once(app, people, outbox):
    due = utcnow().date() + timedelta(days=30)
    learning.assign_to_unit(people.course, people.agency.units[0], due, by=people.hr)
    deliver()
    [notice] = notices(people.ani, kinds.COURSE_ASSIGNED)
    assert notice.params["due_date"] == due.isoformat() and notice.path == f"/courses/{people.course.slug}"
    [mail] = mails_to(outbox, people.ani)
    assert mail["Subject"] == "Kursus ditugaskan: Etika ASN"
    body = mail.get_content()
    assert "Yth. Ani Lestari" in body and "dengan tenggat" in body and str(due.year) in body
    assert f"http://lms.test/courses/{people.course.slug}" in body
    assert "http://lms.test/notifications/settings" in body
    assert people.ani.unread_notifications == 1

    learning.assign_to_unit(people.course, people.agency.units[0], due, by=people.hr)  # the same again
    deliver()
    assert len(notices(people.ani)) == 1 and len(mails_to(outbox, people.ani)) == 1

    later = due + timedelta(days=7)  # a new due date is news
    learning.assign_to_unit(people.course, people.agency.units[0], later, by=people.hr)
    deliver()
    assert len(notices(people.ani, kinds.COURSE_ASSIGNED)) == 2 and len(mails_to(outbox, people.ani)) == 2


def test_enrolling_someone_else_is_an_assignment_enrolling_oneself_is_not(people, outbox):
    learning.enrol(people.ani, people.course, by=people.hr)
    learning.enrol(people.budi, people.course)
    deliver()
    [notice] = notices(people.ani)
    assert notice.kind == kinds.COURSE_ASSIGNED and notice.params["due_date"] is None
    assert 'Anda ditugaskan mengikuti kursus "Etika ASN".' in mails_to(outbox, people.ani)[0].get_content()
    assert notices(people.budi) == [] and mails_to(outbox, people.budi) == []


def test_an_hr_reminder_notifies_once_a_day(app, people, outbox, monkeypatch):
    enrolment = learning.enrol(people.ani, people.course, by=people.hr, due_date=date(2030, 1, 31))
    deliver()
    outbox.clear()
    for _press in range(2):
        reminder_requested.send(app, enrolment=enrolment, by=people.hr)
    deliver()
    [notice] = notices(people.ani, kinds.COURSE_REMINDER)
    [mail] = mails_to(outbox, people.ani)
    assert mail["Subject"] == "Pengingat: selesaikan kursus Etika ASN"
    assert "HR mengingatkan Anda" in mail.get_content() and "2030" in mail.get_content()

    tomorrow = utcnow() + timedelta(days=1)
    monkeypatch.setattr(listeners, "utcnow", lambda: tomorrow)
    reminder_requested.send(app, enrolment=enrolment, by=people.hr)
    deliver()
    assert len(notices(people.ani, kinds.COURSE_REMINDER)) == 2 and len(mails_to(outbox, people.ani)) == 2


def test_a_certificate_issued_notifies_with_its_verification_link(app, people, outbox):
    enrolment = complete(people.ani, people.course)
    deliver()
    [notice] = notices(people.ani, kinds.CERTIFICATE_ISSUED)
    number = notice.params["number"]
    # The reaction survey (lms.evaluations) opens on completion too: its own notice and mail.
    assert [n.kind for n in notices(people.ani)] == [kinds.CERTIFICATE_ISSUED, kinds.EVALUATION]
    mail, survey = mails_to(outbox, people.ani)
    assert mail["Subject"] == "Sertifikat terbit: Etika ASN"
    assert f"http://lms.test/verify/{number}" in mail.get_content()
    assert "http://lms.test/certificates/" in mail.get_content()
    assert survey["Subject"] == "Evaluasi menunggu: Etika ASN"
    assert "http://lms.test/evaluations/" in survey.get_content()

    assert certificates.issue_for_enrolment(enrolment, base_url="http://lms.test").number == number
    deliver()
    assert len(notices(people.ani)) == 2 and len(mails_to(outbox, people.ani)) == 2


def test_a_training_request_answer_notifies_once_per_answer(people, outbox):
    competency = db.session.scalars(sa.select(Competency).where(Competency.agency_id.is_(None))).first()
    request = training_requests.submit(people.ani, competency.id, "Saya perlu pelatihan ini, mohon.")
    training_requests.answer(request, "accepted", "Anda kami daftarkan.", by=people.hr)
    training_requests.answer(request, "accepted", "Anda kami daftarkan bulan depan.", by=people.hr)
    deliver()
    [mail] = mails_to(outbox, people.ani)
    assert mail["Subject"] == "Permintaan pelatihan Anda sudah dijawab"
    assert f'kompetensi "{competency.name}": Disetujui.' in mail.get_content()
    assert "http://lms.test/careers/" in mail.get_content()

    training_requests.answer(request, "declined", "Maaf, kuota habis.", by=people.hr)  # a changed answer
    deliver()
    assert len(notices(people.ani)) == 2
    assert "Belum dapat dipenuhi" in mails_to(outbox, people.ani)[1].get_content()


def test_mail_in_english_for_a_person_who_chose_english(people, outbox):
    people.ani.locale = "en"
    learning.enrol(people.ani, people.course, by=people.hr, due_date=date(2030, 1, 31))
    deliver()
    [mail] = mails_to(outbox, people.ani)
    assert mail["Subject"] == "Course assigned: Etika ASN"
    body = mail.get_content()
    assert body.startswith("Dear Ani Lestari,") and "January 31, 2030" in body


def test_a_kind_switched_off_is_not_mailed_but_still_shown(people, outbox):
    services.set_mail_kinds(people.ani, set(kinds.KINDS) - {kinds.COURSE_ASSIGNED})
    before = db.session.scalar(sa.select(sa.func.max(Job.id))) or 0  # others' jobs (PostgreSQL run)
    learning.enrol(people.ani, people.course, by=people.hr)
    deliver()
    assert len(notices(people.ani)) == 1 and outbox == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.id > before)) == 0


def test_a_kind_switched_off_after_the_mail_was_queued_is_not_mailed(people, outbox):
    learning.enrol(people.ani, people.course, by=people.hr)
    services.set_mail_kinds(people.ani, set(kinds.KINDS) - {kinds.COURSE_ASSIGNED})
    deliver()
    assert len(notices(people.ani)) == 1 and outbox == []


def test_the_evaluation_kind_is_ready_for_lms_evaluations(app, people, outbox):
    listeners.on_evaluation_waiting(
        app, user=people.ani, title="Etika ASN", url="/evaluations/7", key="reaction:7"
    )
    listeners.on_evaluation_waiting(
        app, user=people.ani, title="Etika ASN", url="/evaluations/7", key="reaction:7"
    )
    deliver()
    [mail] = mails_to(outbox, people.ani)
    assert (
        mail["Subject"] == "Evaluasi menunggu: Etika ASN"
        and "http://lms.test/evaluations/7" in mail.get_content()
    )


@pytest.mark.parametrize("kind", sorted(kinds.KINDS))
def test_every_kind_renders_in_both_languages(kind):
    params = {
        "course": "C",
        "due_date": "2030-01-31",
        "days": 3,
        "title": "T",
        "number": "N",
        "verify_path": "/verify/N",
        "competency": "K",
        "status": "accepted",
        "webinar": "W",
        "starts_at": "2030-01-31T02:00:00+00:00",
    }
    for locale in ("id", "en"):
        shown = kinds.render(kind, params, locale=locale, zone="Asia/Jayapura", base_url="http://x")
        assert shown.title and shown.text and "%(" not in shown.title + shown.text


def test_an_old_notice_still_renders():
    assert kinds.render("gone-kind", {}, locale="id", zone="Asia/Jakarta").title == "gone-kind"
    shown = kinds.render(kinds.COURSE_ASSIGNED, {"due_date": "2030-01-31"}, locale="id", zone="Asia/Jakarta")
    assert shown.title == "Kursus ditugaskan: "


def test_a_notice_that_fails_never_undoes_the_certificate(people, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("notices are broken")

    monkeypatch.setattr(services, "notify", broken)
    enrolment = complete(people.ani, people.course)
    deliver()
    assert (
        certificates.certificate_for_source(certificates.CertificateSource.COURSE, enrolment.id) is not None
    )
    assert "could not be added" in caplog.text and notices(people.ani) == []


def test_a_reminder_from_the_completion_report_reaches_the_learner_once_a_day(people, outbox):
    enrolment = learning.enrol(people.ani, people.course, by=people.hr, due_date=date(2030, 1, 31))
    deliver()
    outbox.clear()
    today = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    for moment in (today, today + timedelta(hours=1), today + timedelta(days=1)):
        reports_reminders.remind(people.agency, [enrolment], by=people.hr, now=moment)
    deliver()
    assert len(notices(people.ani, kinds.COURSE_REMINDER)) == 2
    assert [m["Subject"] for m in mails_to(outbox, people.ani)] == [
        "Pengingat: selesaikan kursus Etika ASN"
    ] * 2


def test_an_answer_to_a_report_of_learning_elsewhere_notifies_once_per_answer(people, outbox):
    from lms.careers import external

    def reported(number: str) -> external.ExternalData:
        return external.ExternalData(
            kind="classroom",
            title="Pelatihan Pengadaan Barang/Jasa",
            organizer="LKPP",
            started_on=date(2026, 5, 4),
            ended_on=date(2026, 5, 6),
            jp=24,
            certificate_number=number,
            competencies=[],
        )

    item = external.report(people.ani, reported("LKPP-2026-1"))
    external.send_back(item, "Mohon lampirkan sertifikatnya.", by=people.hr)
    deliver()
    [mail] = mails_to(outbox, people.ani)
    assert mail["Subject"] == "Laporan pelatihan Anda sudah diperiksa: Pelatihan Pengadaan Barang/Jasa"
    assert "dikembalikan untuk diperbaiki. Mohon lampirkan sertifikatnya." in mail.get_content()
    assert "http://lms.test/careers/external" in mail.get_content()

    external.update(item, reported("LKPP-2026-2"), by=people.ani)
    external.send_back(item, "Nomor sertifikat belum sesuai.", by=people.hr)  # returned again: new answer
    external.update(item, reported("LKPP-2026-3"), by=people.ani)
    external.approve(item, by=people.hr)
    deliver()
    assert len(notices(people.ani, kinds.EXTERNAL_LEARNING_ANSWERED)) == 3
    assert "disetujui dan JP-nya sudah tercatat" in mails_to(outbox, people.ani)[-1].get_content()
