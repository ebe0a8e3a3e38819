"""The logged-in user, loaded in one statement of plain columns (sessions.load_user), behaves as
an object the ORM loaded: persistent in the request's session, no changes pending, its agency
read with it, other relationships loaded on first use, changes saved at commit."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from lms.accounts import sessions
from lms.accounts.models import Role, User, UserRole
from lms.extensions import db
from tests import factories


def _logged_in(user: User) -> str:
    sessions.start_session(user, ip="10.0.0.1", user_agent="uji", at=datetime.now(UTC))
    cookie_id = user.get_id()
    db.session.commit()
    db.session.expunge_all()  # the next request's session holds nothing yet
    return cookie_id


def _load(cookie_id: str) -> User | None:
    return sessions.load_user(cookie_id, now=datetime.now(UTC), idle=timedelta(days=30))


def test_the_user_and_agency_are_persistent_unchanged_and_read_in_one_statement(ctx, count_queries):
    agency = factories.agency(name="Badan Kepegawaian Uji", timezone="Asia/Makassar")
    person = factories.user(agency, name="Siti Aminah", roles=(Role.LEARNER, Role.TRAINER))
    cookie_id = _logged_in(person)
    with count_queries() as statements:
        user = _load(cookie_id)
        assert user.name == "Siti Aminah" and user.email == person.email and user.nip == person.nip
        assert user.agency.name == "Badan Kepegawaian Uji"
        assert user.effective_timezone == "Asia/Makassar"
        assert user.roles == {Role.LEARNER, Role.TRAINER}
    assert len(statements) == 1
    state = sa.inspect(user)
    assert state.persistent and not state.modified
    assert sa.inspect(user.agency).persistent
    assert not db.session.dirty and not db.session.new
    assert db.session.get(User, user.id) is user  # the session's one instance, found without SQL
    assert _load(cookie_id) is user


def test_other_relationships_load_on_first_use(ctx):
    agency = factories.agency(units=("KEU",))
    cookie_id = _logged_in(factories.user(agency, roles=(Role.LEARNER, Role.AGENCY_ADMIN)))
    user = _load(cookie_id)
    assert "unit" not in user.__dict__
    assert user.unit.name == "Bagian Keu"
    assert sorted(row.role for row in user.role_rows) == sorted([Role.LEARNER, Role.AGENCY_ADMIN])


def test_a_user_without_an_agency_has_none_without_a_statement(ctx, count_queries):
    cookie_id = _logged_in(factories.user(name="Tanpa Instansi"))
    user = _load(cookie_id)
    with count_queries() as statements:
        assert user.agency is None
        assert user.effective_timezone == "Asia/Jakarta"
    assert statements == []


def test_changes_to_the_loaded_user_are_saved_at_commit(ctx):
    cookie_id = _logged_in(factories.user(name="Nama Lama"))
    user = _load(cookie_id)
    user.name = "Nama Baru"
    user.role_rows.append(UserRole(role=Role.TRAINER))
    assert user.has_role(Role.TRAINER)  # the roles read at login give way to the change
    db.session.commit()
    db.session.expunge_all()
    again = _load(cookie_id)
    assert again.name == "Nama Baru"
    assert again.roles == {Role.LEARNER, Role.TRAINER}


def test_an_ended_session_or_inactive_user_loads_nothing(ctx):
    person = factories.user()
    cookie_id = _logged_in(person)
    assert (
        sessions.load_user(cookie_id, now=datetime.now(UTC) + timedelta(days=31), idle=timedelta(days=30))
        is None
    )
    db.session.execute(sa.update(User).where(User.id == person.id).values(active=False))
    assert _load(cookie_id) is None
    assert not db.session.identity_map  # nothing half-made was left in the session
