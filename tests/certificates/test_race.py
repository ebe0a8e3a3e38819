"""Two completion events at the same moment yield one certificate: real sessions on PostgreSQL."""

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.certificates import services
from lms.certificates.models import Certificate, CertificateSource
from lms.courses.models import Enrolment
from lms.extensions import db
from lms.jobs.models import Job
from tests import factories
from tests.races import twice_at_once

pytestmark = pytest.mark.postgres


@pytest.fixture
def committed(app):
    """A completed enrolment committed for real (no rolled-back test transaction), removed afterwards."""
    with app.test_request_context():
        jobs_before = db.session.scalar(sa.select(sa.func.max(Job.id))) or 0  # the mails it queues go too
        agency = factories.agency(code="RACE", name="Instansi Balapan")
        trainer = factories.user(agency, roles=(Role.TRAINER,))
        learner = factories.user(agency, name="Peserta Balapan")
        course = factories.course(by=trainer, title="Kursus Balapan", modules=1, lessons=1)
        enrolment = Enrolment(
            user_id=learner.id,
            course_id=course.id,
            completed_at=services.utcnow(),
            completed_version=course.version,
        )
        db.session.add(enrolment)
        db.session.commit()
        ids = {
            "agency": agency.id,
            "users": [trainer.id, learner.id],
            "course": course.id,
            "enrolment": enrolment.id,
        }
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(Job).where(Job.id > jobs_before))
        db.session.execute(
            sa.delete(Certificate).where(
                Certificate.source == CertificateSource.COURSE, Certificate.source_id == ids["enrolment"]
            )
        )
        factories.delete_committed(ids)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # the threads' own connections


def test_two_concurrent_completion_events_issue_one_certificate(app, committed):
    def complete():
        # Both requests have looked for an existing certificate and found none: they meet at the INSERT.
        enrolment = db.session.get(Enrolment, committed["enrolment"])
        return services.issue_for_enrolment(enrolment, base_url="http://localhost").number

    results, errors = twice_at_once(app, "INSERT INTO CERTIFICATES", complete)
    assert not errors, errors
    assert len(results) == 2 and results[0] == results[1], results
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Certificate)
            .where(Certificate.source_id == committed["enrolment"])
        )
    assert count == 1
