"""ORM objects made from plain columns (lms/core/loaded.py) are the session's, as if loaded."""

import pytest
import sqlalchemy as sa

from lms.accounts.models import Agency, User, UserRole
from lms.core.loaded import Columns, placed_in_order
from lms.courses.models import Lesson
from lms.extensions import db
from tests import factories


def _read(*models: Columns, where) -> sa.Row:
    statement = sa.select(*(column for model in models for column in model.columns)).where(where)
    return db.session.connection().execute(statement).one()


def test_columns_put_the_id_first_and_leave_out_what_is_asked_and_what_the_mapping_defers():
    user = Columns.of(User, label="user", leave_out=(User.password_hash,))
    assert user.names[0] == "id"
    assert "password_hash" not in user.names and "email" in user.names
    assert [column.name for column in user.columns][:2] == ["user_id", f"user_{user.names[1]}"]
    lesson = Columns.of(Lesson, label="lesson")
    assert "body_text" not in lesson.names  # deferred in the mapping: only SQL searches it
    agency, placed_user = placed_in_order(Columns.of(Agency, label="agency"), user, start=2)
    assert (agency.at, placed_user.at) == (2, agency.end)
    assert placed_user.end == agency.end + len(user.names)


def test_a_loaded_object_is_persistent_unchanged_and_loads_what_was_left_out(ctx, count_queries):
    agency = factories.agency(name="Badan Uji Muatan")
    person = factories.user(agency, name="Rina Kartika")
    db.session.commit()
    db.session.expunge_all()
    user_columns, agency_columns = placed_in_order(
        Columns.of(User, label="user", leave_out=(User.password_hash,)), Columns.of(Agency, label="agency")
    )
    row = _read(
        user_columns, agency_columns, where=sa.and_(User.id == person.id, Agency.id == User.agency_id)
    )
    user, loaded_agency = user_columns.load(row), agency_columns.load(row)
    state = sa.inspect(user)
    assert state.persistent and not state.modified and not db.session.dirty
    assert (user.name, loaded_agency.name) == ("Rina Kartika", "Badan Uji Muatan")
    assert db.session.get(User, person.id) is user
    assert user_columns.load(row) is user  # the session's one instance
    with count_queries() as statements:
        assert user.password_hash.startswith("$argon2")  # left out: read when used
        assert user.agency is loaded_agency  # a many-to-one found in the session
    assert len(statements) == 1
    user.name = "Rina K."
    db.session.commit()
    db.session.expunge_all()
    assert db.session.get(User, person.id).name == "Rina K."


def test_a_null_id_is_no_object(ctx):
    person = factories.user(name="Tanpa Instansi")
    db.session.commit()
    user_columns, agency_columns = placed_in_order(
        Columns.of(User, label="user"), Columns.of(Agency, label="agency")
    )
    statement = (
        sa.select(*user_columns.columns, *agency_columns.columns)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(User.id == person.id)
    )
    row = db.session.connection().execute(statement).one()
    assert agency_columns.load(row) is None


def test_a_model_with_a_composite_key_is_refused():
    with pytest.raises(TypeError, match="primary key of one column"):
        Columns.of(UserRole, label="role")
