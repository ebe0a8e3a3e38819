from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from lms.accounts.models import Role, UserSession
from lms.extensions import db
from tests import factories

# A fixed, whole-minute start keeps the arithmetic of the attendance tests readable.
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 WIB


def last_used_an_hour_ago(app, user) -> datetime:
    """Date back the user's login sessions, so that recording their use is due; the time set."""
    long_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with app.app_context():
        db.session.execute(
            sa.update(UserSession).where(UserSession.user_id == user.id).values(last_seen_at=long_ago)
        )
        db.session.commit()
    return long_ago


def unreachable(*args, **kwargs):
    """Stands in for anything that reads the database while the database is gone."""
    raise OperationalError("SELECT", {}, Exception("connection refused"))


def at(minutes: float, start: datetime = T0) -> datetime:
    return start + timedelta(minutes=minutes)


@pytest.fixture
def browser(app):
    """A logged-in browser of the user (its own login session)."""

    def log_in(user, **form):
        http = app.test_client()
        response = http.post("/login", data={"login": user.email, "password": factories.PASSWORD, **form})
        assert response.status_code == 302
        return http

    return log_in


@pytest.fixture
def make_webinar(app, db):
    return factories.bind(app, factories.webinar)


@pytest.fixture
def make_registration(app, db):
    return factories.bind(app, factories.registration)


@pytest.fixture
def people(make_agency, make_user):
    """An agency with a trainer (host), a co-host-able trainer and three learners."""
    agency = make_agency(code="WEBI")
    return {
        "trainer": make_user(agency, roles=(Role.TRAINER, Role.LEARNER), name="Drs. Pemandu Utama"),
        "trainer2": make_user(agency, roles=(Role.TRAINER,), name="Pemandu Kedua"),
        "ani": make_user(agency, name="Ani Lestari"),
        "budi": make_user(agency, name="Budi Santoso"),
        "citra": make_user(agency, name="Citra Dewi"),
    }


@pytest.fixture
def room(people, make_webinar, make_registration):
    """A webinar of the trainer that started 10 minutes ago and lasts an hour; ani and budi registered."""
    webinar = make_webinar(people["trainer"])
    for name in ("ani", "budi"):
        make_registration(webinar, people[name])
    return webinar


@pytest.fixture(autouse=True)
def fresh_heartbeat_buffer(app):
    """The app lives for the whole run; each test starts with an empty heartbeat buffer, no
    shared room payloads (ids come back after a test's rollback) and no arrivals left to tell."""
    for key in ("webinar_beats", "webinar_snapshots", "webinar_arrivals"):
        app.extensions.pop(key, None)
    yield
    for key in ("webinar_beats", "webinar_snapshots", "webinar_arrivals"):
        app.extensions.pop(key, None)
