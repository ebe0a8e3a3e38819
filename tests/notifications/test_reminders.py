"""Scheduled notices with a frozen clock: due dates in the person's own day, webinars soon."""

from datetime import date, timedelta

import sqlalchemy as sa

from lms.core.mail import send_mail  # noqa: F401 - the mail job's sender, replaced in one test
from lms.courses import learning
from lms.extensions import db
from lms.jobs import scheduler
from lms.jobs import services as job_services
from lms.jobs.models import Job, JobState
from lms.notifications import jobs, kinds, reminders
from tests import factories
from tests.notifications.conftest import T0, deliver, mails_to, notices


def assigned(people, user, due: date):
    enrolment = learning.enrol(user, people.course, by=people.hr, due_date=due)
    deliver()
    return enrolment


def test_due_dates_seven_days_one_day_and_overdue_each_once(people, outbox):
    assigned(people, people.ani, date(2026, 3, 9))  # T0 is 2 March in Jakarta: 7 days ahead
    outbox.clear()
    assert reminders.notice_due_dates(T0) == 1
    assert reminders.notice_due_dates(T0 + timedelta(hours=1)) == 0  # the same day again
    deliver()
    [mail] = mails_to(outbox, people.ani)
    assert mail["Subject"] == "Tenggat kursus Etika ASN: 7 hari lagi"
    assert reminders.notice_due_dates(T0 + timedelta(days=3)) == 0  # 4 days ahead: already told
    assert reminders.notice_due_dates(T0 + timedelta(days=6)) == 1  # tomorrow
    assert reminders.notice_due_dates(T0 + timedelta(days=7)) == 0  # the day itself
    assert reminders.notice_due_dates(T0 + timedelta(days=8)) == 1  # overdue
    assert reminders.notice_due_dates(T0 + timedelta(days=9)) == 0
    deliver()
    subjects = [m["Subject"] for m in mails_to(outbox, people.ani)]
    assert subjects[1:] == ["Tenggat kursus Etika ASN besok", "Kursus Etika ASN melewati tenggat"]
    assert [n.kind for n in notices(people.ani)][1:] == [
        kinds.DUE_IN_7_DAYS,
        kinds.DUE_TOMORROW,
        kinds.OVERDUE,
    ]


def test_the_day_is_the_persons_own(people):
    people.budi.timezone = "Asia/Jayapura"  # 9 hours ahead of UTC
    assigned(people, people.ani, date(2026, 3, 4))
    assigned(people, people.budi, date(2026, 3, 4))
    evening = T0.replace(hour=16)  # 2 March 23:00 WIB, but already 3 March 01:00 WIT
    reminders.notice_due_dates(evening)
    assert [n.kind for n in notices(people.ani)][1:] == [kinds.DUE_IN_7_DAYS]
    assert [n.kind for n in notices(people.budi)][1:] == [kinds.DUE_TOMORROW]


def test_completed_courses_and_moved_due_dates(people):
    enrolment = assigned(people, people.ani, date(2026, 3, 3))
    enrolment.completed_at = T0
    assert reminders.notice_due_dates(T0) == 0
    enrolment.completed_at = None
    assert reminders.notice_due_dates(T0) == 1
    enrolment.due_date = date(2026, 3, 6)  # HR moved it: a new date is noticed again
    assert reminders.notice_due_dates(T0 + timedelta(days=3)) == 1


def webinar_with(people, starts_at):
    webinar = factories.webinar(people.trainer, starts_at=starts_at, title="Webinar Integritas")
    factories.registration(webinar, people.ani)
    factories.registration(webinar, people.budi)
    db.session.commit()
    return webinar


def test_webinar_tomorrow_and_in_one_hour_each_once_in_the_persons_zone(people, outbox):
    people.ani.timezone = "Asia/Jayapura"
    webinar = webinar_with(people, T0 + timedelta(days=1))
    assert reminders.notice_webinars(T0 - timedelta(hours=1)) == 0  # 25 hours ahead: too early
    assert reminders.notice_webinars(T0 + timedelta(hours=1)) == 2  # tomorrow
    assert reminders.notice_webinars(T0 + timedelta(hours=2)) == 0
    deliver()
    to_ani = mails_to(outbox, people.ani)[0]
    assert to_ani["Subject"] == "Webinar besok: Webinar Integritas"
    assert "11.00 WIT" in to_ani.get_content() or "11:00 WIT" in to_ani.get_content()
    assert f"http://lms.test/webinars/{webinar.id}" in to_ani.get_content()
    assert reminders.notice_webinars(T0 + timedelta(hours=23, minutes=10)) == 2  # within the hour
    assert reminders.notice_webinars(T0 + timedelta(hours=23, minutes=40)) == 0
    deliver()
    soon = mails_to(outbox, people.budi)[1]
    assert soon["Subject"] == "Webinar satu jam lagi: Webinar Integritas"
    assert f"http://lms.test/webinars/{webinar.id}/room" in soon.get_content()
    assert len(outbox) == 4


def test_a_webinar_set_up_within_the_hour_gets_only_the_hour_notice(people):
    webinar_with(people, T0 + timedelta(minutes=40))
    assert reminders.notice_webinars(T0) == 2
    assert {n.kind for n in notices(people.ani)} == {kinds.WEBINAR_SOON}


def test_a_cancelled_webinar_reminds_nobody(people):
    webinar = webinar_with(people, T0 + timedelta(hours=5))
    webinar.cancelled_at = T0 - timedelta(hours=1)
    assert reminders.notice_webinars(T0) == 0 and notices(people.ani) == []


def test_the_scheduler_scans_once_per_period(people):
    webinar_with(people, T0 + timedelta(hours=5))
    assert scheduler.run_due(T0, only={jobs.SCAN}) == [jobs.SCAN]
    assert scheduler.run_due(T0 + timedelta(minutes=1), only={jobs.SCAN}) == []
    assert len(notices(people.ani)) == 1
    assert scheduler.run_due(T0 + timedelta(minutes=6), only={jobs.SCAN}) == [jobs.SCAN]
    assert len(notices(people.ani)) == 1


def test_a_failed_mail_is_retried_and_sent_once(people, outbox, monkeypatch):
    calls = []
    real = jobs.send_mail

    def flaky(to, subject, body):
        calls.append(to)
        if len(calls) == 1:
            raise ConnectionError("SMTP down")
        real(to, subject, body)

    monkeypatch.setattr(jobs, "send_mail", flaky)
    before = db.session.scalar(sa.select(sa.func.max(Job.id))) or 0  # other tests' committed jobs
    learning.enrol(people.ani, people.course, by=people.hr)
    deliver()
    job = db.session.scalar(sa.select(Job).where(Job.id > before))
    db.session.refresh(job)
    assert job.state is JobState.QUEUED and "SMTP down" in job.error and outbox == []
    job_services.run(job.id, now=job.run_after)
    db.session.refresh(job)
    assert job.state is JobState.DONE and len(outbox) == 1
    [notice] = notices(people.ani)
    assert notice.mailed_at is not None

    job.state = JobState.QUEUED  # delivered once more (a lost acknowledgement): no second mail
    db.session.commit()
    job_services.run(job.id, now=job.run_after)
    assert len(outbox) == 1


def test_the_command_scans_now(app, people):
    webinar_with(people, T0 + timedelta(hours=5))
    result = app.test_cli_runner().invoke(args=["lms", "send-reminders"])
    assert result.exit_code == 0 and "notice(s)" in result.output
