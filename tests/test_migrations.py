"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

import os
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from lms import create_app
from lms.accounts.models import Role, User
from lms.careers.models import (
    CompetencyRecord,
    ExternalLearning,
    ExternalLearningCompetency,
    ExternalStatus,
    LearningKind,
    RecordSource,
    RevokeCause,
)
from lms.competencies import services as competencies
from lms.courses import learning
from lms.courses.models import Course
from lms.extensions import db, in_models
from lms.notifications import reminders as notification_reminders
from lms.notifications.models import Notification
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
    columns = {column["name"] for column in sa.inspect(db.session.connection()).get_columns("users")}
    with_token = "session_token" in columns  # dropped by 0010
    insert = (
        "INSERT INTO users (nip, name, email, agency_id, active, session_token, created_at, updated_at) "
        "VALUES (:nip, 'Pengguna Lama', :email, :agency, :active, :session_token, :now, :now) RETURNING id"
    )
    if not with_token:
        insert = insert.replace(", session_token", "").replace(", :session_token", "")
    user_id = db.session.execute(
        sa.text(insert),
        {
            "nip": factories.unique_nip(),
            "email": f"lama-{factories.unique_nip()}@uji.go.id",
            "agency": agency.id,
            "active": True,
            "session_token": "0" * 32,
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
            trainer = old_user(factories.agency(code="MIG15"), Role.TRAINER)  # users gained a column (0018)
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


def test_0018_reminders_already_mailed_become_read_notices(tmp_path, database_url):
    """A webinar reminder mailed before 0018 is carried over as a read, mailed notice, so the
    notifications scan does not mail it again; the bell count starts at zero."""
    schema = f"migrations_0018_{os.getpid()}"
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrate-0018.sqlite3'}"
    else:
        url = postgres_schema(POSTGRES_URL, schema)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    try:
        with app.test_request_context():
            upgrade(revision="0021")  # main's head, the revision before 0018
            agency = factories.agency(code="MIG18")
            host, learner = old_user(agency, Role.TRAINER), old_user(agency, Role.LEARNER)
            starts = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=20)
            coming = factories.webinar(host, starts_at=starts, title="Webinar Mendatang")
            past = factories.webinar(host, starts_at=starts - timedelta(days=30), title="Webinar Lalu")
            for webinar in (coming, past):
                factories.registration(webinar, learner)
                db.session.execute(
                    sa.text(
                        "INSERT INTO webinar_reminders (webinar_id, user_id, sent_at) VALUES (:w, :u, :t)"
                    ),
                    {"w": webinar.id, "u": learner.id, "t": datetime.now(UTC)},
                )
            db.session.commit()

            upgrade(revision="0018")
            db.session.expire_all()
            notices = db.session.scalars(sa.select(Notification)).all()
            assert [(n.user_id, n.kind, n.params["webinar"]) for n in notices] == [
                (learner.id, "webinar_tomorrow", "Webinar Mendatang")
            ]
            assert notices[0].read_at is not None and notices[0].mailed_at is not None
            assert db.session.scalar(sa.select(User.unread_notifications).where(User.id == learner.id)) == 0
            assert notification_reminders.notice_webinars(datetime.now(UTC)) == 0  # mailed already
            db.session.commit()

            downgrade(revision="0021")
            assert "webinar_reminders" in sa.inspect(db.engine).get_table_names()
            db.session.remove()
            db.engine.dispose()
    finally:
        if not url.startswith("sqlite"):
            postgres_schema(POSTGRES_URL, schema, drop=True)


def test_0023_approved_reports_get_their_records_and_go_back_down_as_assessments(tmp_path, database_url):
    """Reports of learning elsewhere approved before 0023 get a record per claimed competency, as
    the approval now makes them; waiting or revoked ones get none. Going down, 'external' records
    become assessments without a source id and the 'external' cause becomes 'hr'."""
    schema = f"migrations_0023_{os.getpid()}"
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrate-0023.sqlite3'}"
    else:
        url = postgres_schema(POSTGRES_URL, schema)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    try:
        with app.test_request_context():
            upgrade(revision="0018")
            agency = factories.agency(code="MIG23")
            hr = factories.user(agency, roles=(Role.AGENCY_ADMIN,), name="SDM")
            learner = factories.user(agency, name="Pelapor")
            kom, pb = (competencies.competency_by_code(c).id for c in ("KOM", "PB"))
            answered_at = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)

            def item(status, number, claims):
                reported = ExternalLearning(
                    user_id=learner.id,
                    kind=LearningKind.CLASSROOM,
                    title="Diklat Lama",
                    organizer="LAN",
                    started_on=date(2026, 5, 4),
                    ended_on=date(2026, 5, 6),
                    jp=24,
                    certificate_number=number,
                    status=status,
                    answered_by_id=hr.id if status is not ExternalStatus.PENDING else None,
                    answered_at=answered_at if status is not ExternalStatus.PENDING else None,
                    competencies=[ExternalLearningCompetency(competency_id=c, level=n) for c, n in claims],
                )
                db.session.add(reported)
                return reported

            approved = item(ExternalStatus.APPROVED, "LAN-1", [(kom, 3), (pb, 2)])
            item(ExternalStatus.PENDING, "LAN-2", [(kom, 4)])
            item(ExternalStatus.REVOKED, "LAN-3", [(pb, 5)])
            db.session.commit()

            upgrade(revision="0023")
            db.session.expire_all()
            rows = db.session.scalars(sa.select(CompetencyRecord).order_by(CompetencyRecord.level)).all()
            assert [(r.competency_id, r.level, r.source, r.source_id) for r in rows] == [
                (pb, 2, RecordSource.EXTERNAL, approved.id),
                (kom, 3, RecordSource.EXTERNAL, approved.id),
            ]
            assert {(r.user_id, r.achieved_on, r.recorded_by_id, r.revoked_at) for r in rows} == {
                (learner.id, date(2026, 5, 6), hr.id, None)
            }
            assert (
                rows[0].evidence
                == f"Laporan pegawai No. {approved.id}: Diklat Lama (LAN), sertifikat No. LAN-1"
            )
            rows[0].revoked_at, rows[0].revoked_cause = datetime.now(UTC), RevokeCause.EXTERNAL
            db.session.commit()

            downgrade(revision="0018")
            after = db.session.execute(
                sa.text("SELECT source, source_id, revoked_cause FROM competency_records ORDER BY level")
            ).all()
            assert [tuple(r) for r in after] == [("assessment", None, "hr"), ("assessment", None, None)]
            db.session.remove()
            db.engine.dispose()
    finally:
        if not url.startswith("sqlite"):
            postgres_schema(POSTGRES_URL, schema, drop=True)
