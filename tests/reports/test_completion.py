"""Completion reports: progress as the learner's own page counts it, status in the learner's time
zone, JP as the ledger counts it, reminders once a day, and a fixed number of statements."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.errors import HrPermissionDenied
from lms.accounts.models import Role
from lms.careers import jp
from lms.certificates.models import Certificate
from lms.courses import learning
from lms.courses.models import Enrolment, Lesson
from lms.courses.signals import reminder_requested
from lms.extensions import db
from lms.quizzes import attempts
from lms.reports import completion, learners, reminders
from tests import factories
from tests.careers.conftest import build_org, complete
from tests.quizzes.conftest import build_quiz

GIFT = "::jp::Satu JP sama dengan 45 menit. {T}"


def assign(person, course, hr, due=None):
    return learning.enrol(person, course, by=hr, due_date=due or date.today() + timedelta(days=30))


def lessons_of(course):
    return db.session.scalars(
        sa.select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.id)
    ).all()


@pytest.fixture
def setup(ctx, trainer):
    """HR of an organisation assigned a course of two lessons and a required quiz: staff did one
    lesson (1 of 3 required items: 33 %), junior completed another course."""
    org = build_org()
    course = factories.course(by=trainer, title="Kursus Berkuis", modules=1, lessons=2, jp=4)
    quiz = build_quiz(course, gift=GIFT, title="Kuis Akhir")
    other = factories.course(by=trainer, title="Kursus Singkat", modules=1, lessons=1, jp=6)
    staff = assign(org.staff, course, org.hr)
    learning.mark_lesson_done(staff, lessons_of(course)[0])
    assign(org.junior, other, org.hr)
    complete(org.junior, other)
    db.session.flush()
    return org, course, quiz, other, staff


def only(rows, person):
    (row,) = [row for row in rows if row.enrolment.user_id == person.id]
    return row


def test_progress_agrees_with_the_learners_own_page(setup):
    org, course, _quiz, _other, _staff = setup
    (mine,) = learning.learner_summary(org.staff).assigned
    assert (mine.progress.done, mine.progress.total, mine.progress.percent) == (1, 3, 33)
    people, _more = completion.assigned_people(org.agency.id, course.id)
    assert only(people, org.staff).progress.percent == mine.progress.percent == 33
    rows, _more, _counts = learners.course_learners(course)
    assert only(rows, org.staff).progress.percent == 33
    exported = [row for row in completion.export_rows(org.agency.id) if row[1] == org.staff.name]
    assert [row[6] for row in exported] == [33]


def test_trainer_sees_quiz_results_and_certificates(setup):
    org, course, quiz, other, _staff = setup
    for _ in range(2):
        attempts.finish_attempt(attempts.start_attempt(quiz, org.staff))
    rows, has_next, counts = learners.course_learners(course)
    row = only(rows, org.staff)
    assert [(s.title, s.best, s.last, s.attempts) for s in row.scores] == [("Kuis Akhir", 0, 0, 2)]
    assert (counts.enrolled, counts.completed, counts.in_progress, counts.overdue) == (1, 0, 1, 0)
    assert not has_next
    done, _more, done_counts = learners.course_learners(other, status="completed")
    number = db.session.scalar(sa.select(Certificate.number).where(Certificate.user_id == org.junior.id))
    assert only(done, org.junior).certificate == number and done_counts.completed == 1
    assert learners.course_learners(other, status="overdue")[0] == []


def test_completions_and_jp_agree_with_the_jp_ledger(setup):
    org, _course, _quiz, other, _staff = setup
    year = jp.current_year(org.junior)
    ledger = [item for item in jp.jp_year(org.junior, year).items if item.kind == "course"]
    exported = [row for row in completion.export_rows(org.agency.id) if row[1] == org.junior.name]
    assert [(row[3], row[7], row[8], row[9]) for row in exported] == [
        (item.title, item.on.isoformat(), item.counted, item.certificate) for item in ledger
    ]
    assert sum(row[8] for row in exported) == jp.jp_year(org.junior, year).total == other.jp
    overview = {item.course.id: item.counts for item in completion.assigned_courses(org.agency.id)}
    assert overview[other.id].completed == 1 and overview[other.id].enrolled == 1


def test_overdue_follows_the_learners_time_zone(setup, trainer):
    org, course, _quiz, _other, staff = setup
    org.junior.timezone = "Asia/Jayapura"  # UTC+9; staff follows the agency (Asia/Jakarta, UTC+7)
    junior = assign(org.junior, course, org.hr)
    due = date(2026, 5, 10)
    staff.due_date = junior.due_date = due
    db.session.flush()
    # 16:00 UTC on the due date: 23:00 in Jakarta (still due today), 01:00 the next day in Jayapura.
    now = datetime(2026, 5, 10, 16, 0, tzinfo=UTC)
    people, _more = completion.assigned_people(org.agency.id, course.id, now=now)
    assert {row.enrolment.user_id: row.status for row in people} == {
        org.staff.id: "in_progress",
        org.junior.id: "overdue",
    }
    late, _more = completion.assigned_people(org.agency.id, course.id, status="overdue", now=now)
    assert [row.enrolment.user_id for row in late] == [org.junior.id]
    (counts,) = [
        c.counts for c in completion.assigned_courses(org.agency.id, now=now) if c.course.id == course.id
    ]
    assert (counts.enrolled, counts.overdue, counts.in_progress) == (2, 1, 1)
    assert completion.unit_counts(org.agency.id, course.id, now=now)[org.units.org.id].overdue == 1
    assert [e.user_id for e in completion.overdue_enrolments(org.agency.id, course.id, None, now=now)] == [
        org.junior.id
    ]


def test_only_assigned_courses_of_the_agencys_verified_people_count(setup, trainer):
    org, course, _quiz, _other, _staff = setup
    learning.enrol(org.peer, course)  # enrolled by themself: not an assignment
    outsider = build_org("LAIN")
    assign(outsider.staff, course, outsider.hr)
    unverified = factories.user(org.agency, unit=org.units.pkm, name="Belum Diverifikasi")
    unverified.identity_verified_at = None
    assign(unverified, course, org.hr)
    db.session.flush()
    people, _more = completion.assigned_people(org.agency.id, course.id)
    assert [row.enrolment.user_id for row in people] == [org.staff.id]
    assert completion.assigned_enrolment(org.agency.id, only(people, org.staff).enrolment.id)
    other_enrolment = learning.enrolment_for(outsider.staff, course)
    assert completion.assigned_enrolment(org.agency.id, other_enrolment.id) is None
    dinkes = completion.assigned_people(org.agency.id, course.id, unit_ids=[org.units.dinkes.id])
    assert dinkes == ([], False)


def test_a_reminder_is_sent_once_per_enrolment_and_day(setup):
    org, course, _quiz, other, staff = setup
    sent = []

    def receiver(sender, enrolment, by):
        sent.append((enrolment.id, by.id))

    done = learning.enrolment_for(org.junior, other)
    morning = datetime(2026, 5, 10, 1, 0, tzinfo=UTC)  # 08:00 WIB
    with reminder_requested.connected_to(receiver):
        first = reminders.remind(org.agency, [staff, done], by=org.hr, now=morning)
        again = reminders.remind(org.agency, [staff], by=org.hr, now=morning + timedelta(hours=14))
        tomorrow = reminders.remind(org.agency, [staff], by=org.hr, now=morning + timedelta(hours=23))
    assert (first.sent, first.already) == (1, 0)  # the completed enrolment needs no reminder
    assert (again.sent, again.already) == (0, 1)  # 22:00 WIB the same day
    assert (tomorrow.sent, tomorrow.already) == (1, 0)  # 07:00 WIB the next day
    assert sent == [(staff.id, org.hr.id), (staff.id, org.hr.id)]
    assert db.session.get(Enrolment, staff.id).reminded_at == morning + timedelta(hours=23)


def test_reminders_only_for_the_agencys_people_and_by_its_hr(setup):
    org, course, _quiz, _other, staff = setup
    outsider = build_org("LAIN")
    theirs = assign(outsider.staff, course, outsider.hr)
    assert reminders.remind(org.agency, [theirs], by=org.hr) == reminders.Reminded(0, 0)
    with pytest.raises(HrPermissionDenied):
        reminders.remind(org.agency, [staff], by=outsider.hr)
    with pytest.raises(HrPermissionDenied):
        reminders.remind(org.agency, [staff], by=factories.user(org.agency, roles=(Role.TRAINER,)))
    assert db.session.get(Enrolment, staff.id).reminded_at is None


# ---------------------------------------------------------------- statements


def _crowd(org, course, other, n):
    for i in range(n):
        person = factories.user(org.agency, unit=org.units.pkm, name=f"Pegawai {i:02d}")
        assign(person, course, org.hr)
        enrolment = assign(person, other, org.hr)
        if i % 2:
            learning.mark_lesson_done(enrolment, lessons_of(other)[0])
    db.session.flush()


@pytest.mark.parametrize("report", ["overview", "units", "people", "trainer", "export"])
def test_statements_do_not_grow_with_learners_or_courses(setup, trainer, count_queries, report):
    org, course, quiz, other, _staff = setup

    def run():
        if report == "overview":
            completion.assigned_courses(org.agency.id)
        elif report == "units":
            completion.unit_counts(org.agency.id, course.id)
        elif report == "people":
            completion.assigned_people(org.agency.id, course.id)
        elif report == "trainer":
            learners.course_learners(course)
        else:
            list(completion.export_rows(org.agency.id))

    counts = []
    for n in (2, 10):
        _crowd(org, course, other, n)
        db.session.expire_all()
        with count_queries() as statements:
            run()
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
