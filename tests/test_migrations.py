"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

import os
from datetime import UTC, date, datetime
from types import SimpleNamespace

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from lms import create_app
from lms.accounts.models import Role
from lms.courses import learning
from lms.courses.models import Course
from lms.extensions import db, in_models
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Quiz
from tests import factories
from tests.conftest import POSTGRES_URL, postgres_schema
from tests.quizzes.conftest import build_quiz


def test_models_and_migrations_agree(app):
    # The session fixture built the schema with `upgrade` from an empty database.
    with app.app_context(), db.engine.connect() as connection:
        opts = {"compare_type": True, "include_name": in_models}
        context = MigrationContext.configure(connection, opts=opts)
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


def columns_the_models_write():
    """Lessons and webinars written by the services at an old revision: add the columns that later
    revisions bring (0021: lessons.body_text, webinars.cancelled_at), which the models write."""
    db.session.execute(sa.text("ALTER TABLE lessons ADD COLUMN body_text TEXT NOT NULL DEFAULT ''"))
    db.session.execute(sa.text("ALTER TABLE webinars ADD COLUMN cancelled_at TIMESTAMP"))
    db.session.commit()


def old_user(agency, role):
    """A user row written with SQL: the User model may have columns an old revision lacks."""
    now = datetime.now(UTC)
    user_id = db.session.execute(
        sa.text(
            "INSERT INTO users (nip, name, email, agency_id, active, session_token, created_at, updated_at) "
            "VALUES (:nip, 'Pengguna Lama', :email, :agency, :active, :token, :now, :now) RETURNING id"
        ),
        {
            "nip": factories.unique_nip(),
            "email": f"lama-{factories.unique_nip()}@uji.go.id",
            "agency": agency.id,
            "active": True,
            "token": "0" * 32,
            "now": now,
        },
    ).scalar_one()
    db.session.execute(
        sa.text("INSERT INTO user_roles (user_id, role) VALUES (:user, :role)"),
        {"user": user_id, "role": str(role)},
    )
    return SimpleNamespace(
        id=user_id,
        agency_id=agency.id,
        is_authenticated=True,
        is_admin=False,
        has_role=lambda *roles: role in roles,
    )


def test_0009_final_webinars_keep_what_they_awarded_and_the_new_cause_goes_back_down(tmp_path, database_url):
    """A webinar whose attendance is final gets its course's competencies (what its participants
    were awarded and their signed certificates list); a webinar not final yet gets none. Going
    down, the 'webinar' revoke cause becomes the old 'course'."""
    schema = f"migrations_0009_{os.getpid()}"
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrate-0009.sqlite3'}"
    else:
        url = postgres_schema(POSTGRES_URL, schema)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    try:
        with app.app_context():
            upgrade(revision="0008")
            columns_the_models_write()
            trainer = old_user(factories.agency(code="MIG"), Role.TRAINER)
            course = factories.course(by=trainer, title="Kursus Lama", competencies=[("KOM", 3), ("PB", 2)])
            final = factories.webinar(trainer, course_id=course.id, title="Sudah final")
            factories.webinar(trainer, course_id=course.id, title="Belum final")
            factories.webinar(trainer, title="Tanpa kursus").finalized_at = datetime.now(UTC)
            final.finalized_at = final.ends_at
            db.session.commit()
            record = sa.text(
                "INSERT INTO competency_records (user_id, competency_id, level, source, source_id, evidence, "
                "achieved_on, created_at, updated_at, revoked_at, revoked_cause) "
                "SELECT :user, id, 1, 'webinar', 1, '', :today, :now, :now, :now, :cause FROM competencies "
                "WHERE code = :code"
            )
            values = {"user": trainer.id, "today": date.today(), "now": datetime.now(UTC)}
            db.session.execute(record, values | {"cause": "course", "code": "KOM"})
            db.session.commit()

            upgrade(revision="0009")
            awarded = db.session.execute(
                sa.text(
                    "SELECT w.title, c.code, wc.level FROM webinar_competencies wc "
                    "JOIN webinars w ON w.id = wc.webinar_id JOIN competencies c ON c.id = wc.competency_id"
                )
            ).all()
            assert sorted(awarded) == [("Sudah final", "KOM", 3), ("Sudah final", "PB", 2)]
            db.session.execute(record, values | {"cause": "webinar", "code": "PB"})
            db.session.commit()

            downgrade(revision="0008")
            causes = db.session.execute(sa.text("SELECT revoked_cause FROM competency_records")).scalars()
            assert sorted(causes) == ["course", "course"]
            assert "webinar_competencies" not in sa.inspect(db.engine).get_table_names()
            db.session.remove()
            db.engine.dispose()
    finally:
        if not url.startswith("sqlite"):
            postgres_schema(POSTGRES_URL, schema, drop=True)


def test_0010_existing_accounts_are_verified_unless_they_look_self_registered(tmp_path, database_url):
    schema = f"migrations_0010_{os.getpid()}"
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrate-0010.sqlite3'}"
    else:
        url = postgres_schema(POSTGRES_URL, schema)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    try:
        with app.app_context():
            upgrade(revision="0009")
            agency = factories.agency(code="MIG10")
            trainer = old_user(agency, Role.TRAINER)
            learner = old_user(agency, Role.LEARNER)  # password, nothing from HR: self-registered
            imported = old_user(agency, Role.LEARNER)
            staff = old_user(agency, Role.LEARNER)
            boss = old_user(agency, Role.LEARNER)
            update = (
                "UPDATE users SET password_hash = :hash, position_title = :title, supervisor_id = :boss "
                "WHERE id = :id"
            )
            db.session.execute(sa.text(update), {"hash": "x", "title": None, "boss": None, "id": learner.id})
            db.session.execute(
                sa.text(update), {"hash": None, "title": None, "boss": None, "id": imported.id}
            )
            db.session.execute(
                sa.text(update), {"hash": "x", "title": "Analis", "boss": boss.id, "id": staff.id}
            )
            db.session.execute(sa.text(update), {"hash": "x", "title": None, "boss": None, "id": boss.id})
            db.session.commit()

            upgrade(revision="0010")
            rows = dict(
                db.session.execute(
                    sa.text(
                        "SELECT id, identity_verified_at IS NOT NULL FROM users "
                        "WHERE email_confirmed_at IS NOT NULL"
                    )
                ).all()
            )
            assert {k: bool(v) for k, v in rows.items()} == {
                trainer.id: True,
                learner.id: False,
                imported.id: True,
                staff.id: True,
                boss.id: True,  # somebody's supervisor
            }
            db.session.commit()

            downgrade(revision="0009")
            tokens = db.session.execute(sa.text("SELECT session_token FROM users")).scalars().all()
            assert len(tokens) == 5 and all(len(t) == 32 for t in tokens)
            db.session.remove()
            db.engine.dispose()
    finally:
        if not url.startswith("sqlite"):
            postgres_schema(POSTGRES_URL, schema, drop=True)


def test_0015_rules_count_the_items_marked_required(tmp_path, database_url):
    """A rule that left out a required published quiz (or a required webinar) gains its criterion;
    a rule with only optional quizzes is left as it was."""
    schema = f"migrations_0015_{os.getpid()}"
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrate-0015.sqlite3'}"
    else:
        url = postgres_schema(POSTGRES_URL, schema)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    try:
        with app.app_context():
            upgrade(revision="0011")  # the revision before 0015
            columns_the_models_write()
            trainer = factories.user(factories.agency(code="MIG15"), roles=(Role.TRAINER,))
            with_quiz = factories.course(by=trainer, title="Kuis wajib", modules=1, lessons=1)
            build_quiz(with_quiz, gift="::q::Benar? {T}\n", title="Kuis Akhir")
            optional = factories.course(by=trainer, title="Kuis pilihan", modules=1, lessons=1)
            quiz_services.update_quiz(
                build_quiz(optional, gift="::q::Benar? {T}\n"), _optional(optional), by=None
            )
            with_webinar = factories.course(by=trainer, title="Webinar wajib", modules=1, lessons=1)
            factories.webinar(trainer, course_id=with_webinar.id, required_for_course=True)
            ids = (with_quiz.id, optional.id, with_webinar.id)
            db.session.commit()
            for course_id in ids:  # the rules as main stored them before 0015
                db.session.execute(
                    sa.update(Course)
                    .where(Course.id == course_id)
                    .values(completion_rule={"lessons": "required"})
                )
            db.session.commit()

            upgrade(revision="0015")
            db.session.expire_all()
            rules = [db.session.get(Course, course_id).completion_rule for course_id in ids]
            assert rules == [
                {"lessons": "required", "quizzes": "required"},
                {"lessons": "required"},
                {"lessons": "required", "webinars": "required"},
            ]
            downgrade(revision="0012")
            db.session.remove()
            db.engine.dispose()
    finally:
        if not url.startswith("sqlite"):
            postgres_schema(POSTGRES_URL, schema, drop=True)


def _optional(course):
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))
    data = quiz_services.quiz_data(quiz)
    data.required = False
    return data


def test_0021_fills_the_search_document_of_existing_courses(tmp_path, database_url):
    """Courses written before 0021 are found by their lesson text (its Markdown read as words);
    going down removes the search document and the column again."""
    schema = f"migrations_0021_{os.getpid()}"
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrate-0021.sqlite3'}"
    else:
        url = postgres_schema(POSTGRES_URL, schema)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    try:
        with app.app_context():
            upgrade(revision="0019")  # the revision before 0021
            now = datetime.now(UTC)
            values = {"now": now, "rule": '{"lessons": "required"}'}
            db.session.execute(
                sa.text(
                    "INSERT INTO courses (id, slug, title, summary, category, jp, status, completion_rule, "
                    "version, created_at, updated_at) VALUES (1, 'lama', 'Kursus Lama', 'Ringkas.', '', 2, "
                    "'published', :rule, 1, :now, :now)"
                ),
                values,
            )
            db.session.execute(
                sa.text(
                    "INSERT INTO modules (id, course_id, position, title, summary) VALUES (1, 1, 1, 'M', '')"
                )
            )
            db.session.execute(
                sa.text(
                    "INSERT INTO lessons (course_id, module_id, position, title, body_md, body_html, "
                    "required, duration_minutes, source_file, created_at, updated_at) VALUES (1, 1, 1, "
                    "'Pengantar', 'Tentang **akuntabilitas** kinerja.', '', true, 5, 'lessons/a.md', "
                    ":now, :now)"
                ),
                values,
            )
            db.session.commit()

            upgrade(revision="0021")
            page = learning.catalogue(learning.CatalogueFilter(search="akuntabilitas"))
            assert [c.title for c in page.items] == ["Kursus Lama"]
            assert "<mark>akuntabilitas</mark>" in str(page.snippets[1]) and "**" not in str(page.snippets[1])
            db.session.commit()

            downgrade(revision="0019")
            names = set(sa.inspect(db.engine).get_table_names())
            assert not {n for n in names if n.startswith("course_search")}
            assert "body_text" not in {c["name"] for c in sa.inspect(db.engine).get_columns("lessons")}
            db.session.remove()
            db.engine.dispose()
    finally:
        if not url.startswith("sqlite"):
            postgres_schema(POSTGRES_URL, schema, drop=True)
