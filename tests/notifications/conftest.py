from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.extensions import db
from lms.jobs import queue_of
from lms.notifications.models import Notification
from tests import factories

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB, 11:00 WIT


@pytest.fixture(autouse=True)
def _site(app):
    """Mail links come from PUBLIC_BASE_URL; every test starts with an empty queue."""
    old = app.config.get("PUBLIC_BASE_URL")
    app.config["PUBLIC_BASE_URL"] = "http://lms.test"
    queue_of(app).huey.flush()
    yield
    app.config["PUBLIC_BASE_URL"] = old
    queue_of(app).huey.flush()


def deliver() -> int:
    """Commit and run the queued jobs (the mails) here and now."""
    db.session.commit()
    return queue_of().drain()


def notices(user, kind=None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def mails_to(outbox, user) -> list:
    return [m for m in outbox if m["To"] == user.email]


@pytest.fixture
def people(ctx):
    """An agency (WIB) with an HR officer, a trainer, two learners and a course."""
    agency = factories.agency(code="NTF", name="Badan Pemberitahuan")
    hr = factories.user(agency, roles=(Role.AGENCY_ADMIN,), name="Petugas SDM")
    trainer = factories.user(agency, roles=(Role.TRAINER,), name="Pengajar")
    ani = factories.user(agency, name="Ani Lestari")
    budi = factories.user(agency, name="Budi Santoso")
    course = factories.course(by=trainer, title="Etika ASN", modules=1, lessons=1)
    db.session.commit()
    return type("People", (), dict(agency=agency, hr=hr, trainer=trainer, ani=ani, budi=budi, course=course))
