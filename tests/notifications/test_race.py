"""The same event announced twice at once gives one notice, one queued mail and a count of one;
a course assigned to a unit twice at once enrols, notifies and mails each person once: two real
sessions on PostgreSQL."""

import pytest
import sqlalchemy as sa

from lms.accounts.models import Agency, Role, Unit, User
from lms.courses import learning
from lms.courses.models import Course, Enrolment
from lms.extensions import db
from lms.jobs.models import Job
from lms.notifications import kinds, services
from lms.notifications.models import Notification
from tests import factories
from tests.races import twice_at_once

pytestmark = pytest.mark.postgres


@pytest.fixture
def person(app):
    with app.app_context():
        agency = factories.agency(code="RACEN", name="Instansi Balapan Pemberitahuan")
        user = factories.user(agency, name="Peserta Balapan")
        db.session.commit()
        before = db.session.scalar(sa.select(sa.func.max(Job.id))) or 0  # jobs of other tests
        ids = {"agency": agency.id, "user": user.id, "before": before}
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(Job).where(Job.id > ids["before"], Job.name == services.MAIL_JOB))
        db.session.execute(sa.delete(User).where(User.id == ids["user"]))  # its notices cascade
        db.session.execute(sa.delete(Agency).where(Agency.id == ids["agency"]))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_two_concurrent_announcements_make_one_notice(app, person):
    def announce():
        # Both have looked for the notice and found none: they meet at its INSERT.
        user = db.session.get(User, person["user"])
        return services.notify(user, kinds.COURSE_ASSIGNED, "same-event", {"course": "K"}, path="/")

    results, errors = twice_at_once(app, "INSERT INTO NOTIFICATIONS", announce)

    assert errors == []
    assert sum(result is not None for result in results) == 1
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(Notification).where(Notification.user_id == person["user"])
        )
        unread = db.session.scalar(sa.select(User.unread_notifications).where(User.id == person["user"]))
        mails = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Job)
            .where(Job.name == services.MAIL_JOB, Job.id > person["before"])
        )
    assert (count, unread, mails) == (1, 1, 1)


@pytest.fixture
def unit_staff(app):
    with app.app_context():
        agency = factories.agency(code="RACEU", name="Instansi Balapan Penugasan")
        hr = factories.user(agency, roles=(Role.AGENCY_ADMIN,), name="SDM Balapan")
        trainer = factories.user(agency, roles=(Role.TRAINER,), name="Pengajar Balapan")
        staff = [factories.user(agency, name=f"Pegawai Balapan {i}") for i in range(6)]
        course = factories.course(by=trainer, title="Kursus Balapan Penugasan", modules=1, lessons=1)
        db.session.commit()
        ids = {
            "agency": agency.id,
            "unit": agency.units[0].id,
            "hr": hr.id,
            "users": [hr.id, trainer.id, *(p.id for p in staff)],
            "course": course.id,
            "before": db.session.scalar(sa.select(sa.func.max(Job.id))) or 0,
        }
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(Job).where(Job.id > ids["before"], Job.name == services.MAIL_MANY_JOB))
        factories.delete_committed(ids)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_a_unit_assigned_twice_at_once_enrols_and_tells_each_person_once(app, unit_staff):
    def assign():
        # Both have looked for enrolments and found none: they meet at the INSERT.
        course = db.session.get(Course, unit_staff["course"])
        unit = db.session.get(Unit, unit_staff["unit"])
        hr = db.session.get(User, unit_staff["hr"])
        return learning.assign_to_unit(course, unit, None, by=hr)

    results, errors = twice_at_once(app, "INSERT INTO ENROLMENTS", assign)

    assert errors == []
    assert sorted(r.enrolled for r in results) == [0, 8] and all(
        r.enrolled + r.unchanged == 8 for r in results
    )
    staff = unit_staff["users"]  # the HR officer and the trainer work in the unit too
    with app.app_context():
        enrolments = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrolment)
            .where(Enrolment.course_id == unit_staff["course"])
        )
        told = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id.in_(staff), Notification.kind == kinds.COURSE_ASSIGNED)
        )
        unread = db.session.scalars(sa.select(User.unread_notifications).where(User.id.in_(staff))).all()
        jobs = db.session.scalars(
            sa.select(Job).where(Job.id > unit_staff["before"], Job.name == services.MAIL_MANY_JOB)
        ).all()
    assert (enrolments, told, sorted(unread)) == (8, 8, [1] * 8)
    assert [len(job.args["notification_ids"]) for job in jobs] == [8]
