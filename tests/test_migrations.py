"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

import os

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from lms import create_app
from lms.extensions import db
from tests.conftest import POSTGRES_URL, postgres_schema


def test_models_and_migrations_agree(app):
    # The session fixture built the schema with `upgrade` from an empty database.
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from migrations: {diff}"


def test_downgrade_to_empty_and_upgrade_again(tmp_path, database_url):
    schema = f"migrations_{os.getpid()}"
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    else:
        url = postgres_schema(POSTGRES_URL, schema)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    try:
        with app.app_context():
            upgrade()
            assert "users" in sa.inspect(db.engine).get_table_names()
            downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert {"users", "agencies", "units", "user_roles"} <= set(
                sa.inspect(db.engine).get_table_names()
            )
            db.engine.dispose()
    finally:
        if not url.startswith("sqlite"):
            postgres_schema(POSTGRES_URL, schema, drop=True)
