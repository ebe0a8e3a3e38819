"""Two completion events at the same moment yield one certificate: real sessions on PostgreSQL."""

import threading

import pytest
import sqlalchemy as sa

from lms.accounts.models import Agency, Role, User
from lms.certificates import services
from lms.certificates.models import Certificate, CertificateSource
from lms.courses.models import Course, Enrolment
from lms.extensions import db
from lms.jobs.models import Job
from tests import factories

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
        db.session.execute(sa.delete(Course).where(Course.id == ids["course"]))
        db.session.execute(sa.delete(User).where(User.id.in_(ids["users"])))
        db.session.execute(sa.delete(Agency).where(Agency.id == ids["agency"]))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # the threads' own connections


def test_two_concurrent_completion_events_issue_one_certificate(app, committed):
    barrier = threading.Barrier(2, timeout=10)
    results, errors = [], []

    def wait_before_insert(conn, cursor, statement, parameters, context, executemany):
        # Both requests have looked for an existing certificate and found none: now insert together.
        if statement.lstrip().upper().startswith("INSERT INTO CERTIFICATES"):
            barrier.wait()

    def complete_in_its_own_session():
        try:
            with app.test_request_context():
                enrolment = db.session.get(Enrolment, committed["enrolment"])
                cert = services.issue_for_enrolment(enrolment, base_url="http://localhost")
                db.session.commit()
                results.append(cert.number)
        except Exception as exc:  # reported below
            errors.append(exc)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", wait_before_insert)
    try:
        threads = [threading.Thread(target=complete_in_its_own_session) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sa.event.remove(engine, "before_cursor_execute", wait_before_insert)
    assert not errors, errors
    assert len(results) == 2 and results[0] == results[1], results
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Certificate)
            .where(Certificate.source_id == committed["enrolment"])
        )
    assert count == 1
