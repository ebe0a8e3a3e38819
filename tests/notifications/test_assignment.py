"""A course assigned to a whole unit: a fixed number of statements whatever the number of people
(per batch of `learning.ASSIGN_BATCH`), and each person enrolled once, told once, mailed once."""

from datetime import timedelta

import sqlalchemy as sa

from lms.accounts import agencies
from lms.core.clock import utcnow
from lms.courses import learning
from lms.courses.models import Enrolment
from lms.extensions import db
from lms.jobs import services as jobs
from lms.jobs.models import Job, JobState
from lms.notifications import jobs as notification_jobs
from lms.notifications import kinds, services
from lms.notifications.models import Notification
from tests import factories
from tests.notifications.conftest import deliver, mails_to, notices


def _unit_with_staff(agency, n, code):
    """A unit of n active people (and one inactive, never assigned)."""
    unit = agencies.add_unit(agency, code, f"Bagian {code}", None, by=None)
    staff = [factories.user(agency, unit=unit, name=f"Pegawai {code} {i}") for i in range(n)]
    factories.user(agency, unit=unit, name="Pensiunan").active = False
    return unit, staff


def _course(people, title):
    return factories.course(by=people.trainer, title=title, modules=1, lessons=1)


def _jobs_since(before: int) -> list[Job]:
    return list(db.session.scalars(sa.select(Job).where(Job.id > before).order_by(Job.id)))


def _last_job_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(Job.id))) or 0


def test_assigning_a_unit_costs_the_same_statements_for_5_and_50_people(people, count_queries):
    due = utcnow().date() + timedelta(days=30)
    counts = {}
    for n in (5, 50):
        unit, staff = _unit_with_staff(people.agency, n, f"B{n}")
        course = _course(people, f"Kursus {n}")
        learning.enrol(staff[0], course)  # enrolled already: gets the due date (and a notice)
        services.set_mail_kinds(staff[1], set())  # wants no mail
        db.session.commit()
        with count_queries() as statements:
            result = learning.assign_to_unit(course, unit, due, by=people.hr)
            db.session.commit()
        assert result == learning.AssignmentResult(enrolled=n - 1, updated=1, unchanged=0)
        counts[n] = len(statements)
    assert counts[50] == counts[5], counts


def test_each_batch_of_people_adds_the_same_few_statements(people, count_queries, monkeypatch):
    monkeypatch.setattr(learning, "ASSIGN_BATCH", 10)
    counts = {}
    for n in (10, 20, 30):
        unit, _staff = _unit_with_staff(people.agency, n, f"K{n}")
        course = _course(people, f"Kursus Kelompok {n}")
        db.session.commit()
        with count_queries() as statements:
            assert learning.assign_to_unit(course, unit, None, by=people.hr).enrolled == n
            db.session.commit()
        counts[n] = len(statements)
    per_batch = counts[20] - counts[10]
    assert counts[30] - counts[20] == per_batch <= 8, counts


def test_each_person_of_the_unit_is_enrolled_once_told_once_and_mailed_once(people, outbox):
    due = utcnow().date() + timedelta(days=30)
    unit, staff = _unit_with_staff(people.agency, 7, "SEMUA")
    course = _course(people, "Pengadaan Barang")
    self_enrolled, quiet, done = staff[0], staff[1], staff[2]
    learning.enrol(self_enrolled, course)
    services.set_mail_kinds(quiet, set(kinds.KINDS) - {kinds.COURSE_ASSIGNED})
    finished = learning.enrol(done, course)
    finished.completed_at = utcnow()
    services.notify(staff[3], kinds.EVALUATION, "evaluation:x", {"title": "Lain"})  # one unread already
    db.session.commit()
    before = _last_job_id()

    result = learning.assign_to_unit(course, unit, due, by=people.hr)
    deliver()

    assert result == learning.AssignmentResult(enrolled=5, updated=1, unchanged=1)
    enrolled = db.session.execute(
        sa.select(Enrolment.user_id, sa.func.count())
        .where(Enrolment.course_id == course.id)
        .group_by(Enrolment.user_id)
    ).all()
    assert dict(enrolled) == {person.id: 1 for person in staff}
    for person in staff:
        db.session.refresh(person)
        told = notices(person, kinds.COURSE_ASSIGNED)
        if person is done:
            assert told == [] and mails_to(outbox, person) == []
            continue
        [notice] = told
        enrolment = learning.enrolment_for(person, course)
        assert notice.key == f"enrolment:{enrolment.id}:{due.isoformat()}"
        assert notice.params == {"course": "Pengadaan Barang", "due_date": due.isoformat()}
        assert notice.path == f"/courses/{course.slug}"
        assert person.unread_notifications == (2 if person is staff[3] else 1)
        assert enrolment.due_date == due and enrolment.assigned_by_id == people.hr.id
        if person is quiet:
            assert mails_to(outbox, person) == [] and notice.mailed_at is None  # shown, not mailed
        else:
            [mail] = [m for m in mails_to(outbox, person) if m["Subject"].startswith("Kursus ditugaskan")]
            assert mail["Subject"] == "Kursus ditugaskan: Pengadaan Barang"
            assert f"Yth. {person.name}" in mail.get_content()
            assert f"http://lms.test/courses/{course.slug}" in mail.get_content()
            assert notice.mailed_at is not None
    assert [job.name for job in _jobs_since(before)] == [notification_jobs.MAIL_MANY_JOB]
    sent = len(outbox)

    again = learning.assign_to_unit(course, unit, due, by=people.hr)  # the same again: nobody told twice
    deliver()
    assert again == learning.AssignmentResult(enrolled=0, updated=0, unchanged=7)
    assert len(outbox) == sent and all(len(notices(p, kinds.COURSE_ASSIGNED)) <= 1 for p in staff)
    assert _jobs_since(before)[1:] == []


def test_a_person_assigned_already_is_not_told_again_and_a_new_due_date_is_news(people, outbox):
    due = utcnow().date() + timedelta(days=30)
    unit, staff = _unit_with_staff(people.agency, 3, "ULANG")
    course = _course(people, "Etika Lanjut")
    learning.enrol(staff[0], course, by=people.hr, due_date=due)  # assigned alone, told then
    deliver()
    assert len(mails_to(outbox, staff[0])) == 1

    assert learning.assign_to_unit(course, unit, due, by=people.hr) == learning.AssignmentResult(2, 0, 1)
    deliver()
    assert len(notices(staff[0])) == 1 and len(mails_to(outbox, staff[0])) == 1
    assert all(len(mails_to(outbox, p)) == 1 for p in staff)

    later = due + timedelta(days=7)
    assert learning.assign_to_unit(course, unit, later, by=people.hr) == learning.AssignmentResult(0, 3, 0)
    deliver()
    for person in staff:
        db.session.refresh(person)
        assert len(notices(person, kinds.COURSE_ASSIGNED)) == 2 and len(mails_to(outbox, person)) == 2
        assert person.unread_notifications == 2


def test_batches_each_have_one_mail_job(people, outbox, monkeypatch):
    monkeypatch.setattr(learning, "ASSIGN_BATCH", 4)
    unit, staff = _unit_with_staff(people.agency, 10, "BATCH")
    course = _course(people, "Kursus Berkelompok")
    db.session.commit()
    before = _last_job_id()
    assert learning.assign_to_unit(course, unit, None, by=people.hr).enrolled == 10
    deliver()
    assert len(_jobs_since(before)) == 3
    assert sorted(m["To"] for m in outbox) == sorted(p.email for p in staff)
    assert all(len(notices(p, kinds.COURSE_ASSIGNED)) == 1 for p in staff)


def test_a_mail_job_run_again_or_retried_mails_nobody_twice(app, people, outbox, monkeypatch):
    unit, staff = _unit_with_staff(people.agency, 5, "ULANGI")
    course = _course(people, "Kursus Tahan Ulang")
    db.session.commit()
    before = _last_job_id()
    learning.assign_to_unit(course, unit, None, by=people.hr)

    real_send, calls = notification_jobs.send_mail, []

    def flaky(to, subject, body):
        calls.append(to)
        if len(calls) == 3:
            raise ConnectionError("SMTP server went away")
        real_send(to, subject, body)

    monkeypatch.setattr(notification_jobs, "send_mail", flaky)
    deliver()
    [job] = _jobs_since(before)
    db.session.refresh(job)
    assert job.state is JobState.QUEUED and job.attempts == 1  # retried later
    assert len(outbox) == 2

    jobs.run(job.id, now=utcnow() + timedelta(days=1))  # the retry goes on where the failure stopped
    db.session.refresh(job)
    assert job.state is JobState.DONE
    assert sorted(m["To"] for m in outbox) == sorted(p.email for p in staff)

    job.state = JobState.QUEUED  # delivered once more (a lost acknowledgement, a stale worker)
    db.session.commit()
    jobs.run(job.id, now=utcnow() + timedelta(days=2))
    assert sorted(m["To"] for m in outbox) == sorted(p.email for p in staff)
    mailed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id.in_([p.id for p in staff]), Notification.mailed_at.is_not(None))
    )
    assert mailed == 5


def test_no_transaction_is_open_while_a_mail_goes_out(people, outbox, monkeypatch):
    """The claim is committed before the mail server is called: on SQLite an open write would
    stop every other writer of the platform for as long as the mail server takes."""
    unit, staff = _unit_with_staff(people.agency, 3, "KUNCI")
    course = _course(people, "Kursus Tanpa Kunci")
    db.session.commit()
    learning.assign_to_unit(course, unit, None, by=people.hr)
    real_send, open_during_send = notification_jobs.send_mail, []

    def watching(to, subject, body):
        open_during_send.append(db.session().in_transaction())
        real_send(to, subject, body)

    monkeypatch.setattr(notification_jobs, "send_mail", watching)
    deliver()
    assert open_during_send == [False, False, False]
    assert sorted(m["To"] for m in outbox) == sorted(p.email for p in staff)


def test_a_person_who_left_before_the_mail_went_out_is_not_mailed(people, outbox):
    unit, staff = _unit_with_staff(people.agency, 3, "KELUAR")
    course = _course(people, "Kursus Perpisahan")
    learning.assign_to_unit(course, unit, None, by=people.hr)
    staff[0].active = False
    deliver()
    assert mails_to(outbox, staff[0]) == [] and len(outbox) == 2


def test_a_person_who_switched_the_mail_off_before_it_went_out_is_not_mailed(people, outbox):
    unit, staff = _unit_with_staff(people.agency, 3, "BERHENTI")
    course = _course(people, "Kursus Tanpa Surel")
    learning.assign_to_unit(course, unit, None, by=people.hr)
    services.set_mail_kinds(staff[0], set(kinds.KINDS) - {kinds.COURSE_ASSIGNED})  # after queuing
    deliver()
    assert mails_to(outbox, staff[0]) == [] and len(outbox) == 2
    assert len(notices(staff[0], kinds.COURSE_ASSIGNED)) == 1  # still told in the app


def test_one_person_enrolled_by_someone_else_keeps_the_one_notice_mail_job(people, outbox):
    before = _last_job_id()
    learning.enrol(people.ani, people.course, by=people.hr)
    deliver()
    [job] = _jobs_since(before)
    [notice] = notices(people.ani)
    assert job.name == services.MAIL_JOB and job.args == {"notification_id": notice.id}
    assert len(mails_to(outbox, people.ani)) == 1
