import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.certificates.models import Certificate, CertificateSource
from lms.courses import learning
from lms.courses.models import Lesson
from lms.extensions import db
from tests import factories


def complete(learner, course):
    """Enrol a learner and mark every lesson done (in the current app context); the enrolment."""
    enrolment = learning.enrol(learner, course)
    lessons = db.session.scalars(sa.select(Lesson).where(Lesson.course_id == course.id)).all()
    for lesson in lessons:
        learning.mark_lesson_done(enrolment, lesson)
    return enrolment


def certificate_of(enrolment):
    return db.session.scalar(
        sa.select(Certificate).where(
            Certificate.source == CertificateSource.COURSE, Certificate.source_id == enrolment.id
        )
    )


@pytest.fixture
def make_course(app, db):
    return factories.bind(app, factories.course)


@pytest.fixture
def issued(app, db, make_agency, make_user, make_course):
    """A learner of an agency who completed a course owned by that agency: (learner, course, number)."""
    agency = make_agency(code="BKN", name="Badan Kepegawaian Uji")
    trainer = make_user(agency, roles=(Role.TRAINER,))
    learner = make_user(agency, name="Siti Rahmawati", nip=factories.make_nip(gender=2, seq=7))
    course = make_course(by=trainer, title="Komunikasi Publik", jp=4, competencies=[("KOM", 3), ("INT", 2)])
    with app.test_request_context():
        enrolment = complete(db.session.merge(learner), db.session.merge(course))
        db.session.commit()
        number = certificate_of(enrolment).number
    return learner, course, number
