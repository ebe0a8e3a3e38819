"""The same event announced twice at once gives one notice, one queued mail and a count of one:
two real sessions on PostgreSQL."""

import threading

import pytest
import sqlalchemy as sa

from lms.accounts.models import Agency, User
from lms.extensions import db
from lms.jobs.models import Job
from lms.notifications import kinds, services
from lms.notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.postgres


@pytest.fixture
def person(app):
    with app.app_context():
        agency = factories.agency(code="RACEN", name="Instansi Balapan Pemberitahuan")
        user = factories.user(agency, name="Peserta Balapan")
        db.session.commit()
        ids = {"agency": agency.id, "user": user.id}
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(Job).where(Job.name == services.MAIL_JOB))
        db.session.execute(sa.delete(User).where(User.id == ids["user"]))  # its notices cascade
        db.session.execute(sa.delete(Agency).where(Agency.id == ids["agency"]))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_two_concurrent_announcements_make_one_notice(app, person):
    barrier = threading.Barrier(2, timeout=10)
    results, errors = [], []

    def wait_before_insert(conn, cursor, statement, parameters, context, executemany):
        # Both have looked for the notice and found none: now they insert together.
        if statement.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS"):
            barrier.wait()

    def announce():
        try:
            with app.test_request_context():
                user = db.session.get(User, person["user"])
                notice = services.notify(user, kinds.COURSE_ASSIGNED, "same-event", {"course": "K"}, path="/")
                db.session.commit()
                results.append(notice)
        except Exception as exc:  # reported below
            errors.append(exc)

    with app.app_context():
        engine = db.engine
        before = db.session.scalar(sa.select(sa.func.max(Job.id))) or 0  # jobs of other tests
    sa.event.listen(engine, "before_cursor_execute", wait_before_insert)
    try:
        threads = [threading.Thread(target=announce) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sa.event.remove(engine, "before_cursor_execute", wait_before_insert)

    assert errors == []
    assert sum(result is not None for result in results) == 1
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(Notification).where(Notification.user_id == person["user"])
        )
        unread = db.session.scalar(sa.select(User.unread_notifications).where(User.id == person["user"]))
        mails = db.session.scalar(
            sa.select(sa.func.count()).select_from(Job).where(Job.name == services.MAIL_JOB, Job.id > before)
        )
    assert (count, unread, mails) == (1, 1, 1)
