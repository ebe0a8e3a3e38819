"""`flask lms generate`, `careers-refresh`, `import-competencies`, `import-positions`, seed-demo."""

import sqlalchemy as sa

from lms import create_app
from lms.accounts.models import Agency, User
from lms.careers import summaries
from lms.careers.models import (
    Appraisal,
    CareerSummary,
    CompetencyRecord,
    Position,
    StaffPosition,
    behaviour_rating_for,
)
from lms.courses.models import Course, Enrolment
from lms.reports import compliance, talent
from tests.reports.test_reports import snapshot


def test_generate_writes_the_planned_data_and_the_analytics(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "lms",
            "generate",
            "--users",
            "60",
            "--positions",
            "8",
            "--courses",
            "12",
            "--enrolments",
            "300",
            "--records",
            "400",
            "--units",
            "6",
            "--seed",
            "7",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "users 60" in result.output and "records 400" in result.output
    with app.app_context():
        agency = db.session.scalar(sa.select(Agency).where(Agency.code == "GEN7-1"))
        people = sa.select(User.id).where(User.agency_id == agency.id)
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.agency_id == agency.id))
            == 60
        )
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.user_id.in_(people))
            )
            == 300
        )
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(CompetencyRecord)
                .where(CompetencyRecord.user_id.in_(people))
            )
            == 400
        )
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Position).where(Position.agency_id == agency.id)
            )
            == 8
        )
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(StaffPosition).where(StaffPosition.user_id.in_(people))
            )
            == 60
        )
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(CareerSummary).where(CareerSummary.user_id.in_(people))
            )
            == 60
        )
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Course).where(Course.slug.like("gen-7-%"))
            )
            == 12
        )
        appraisals = db.session.scalars(sa.select(Appraisal).where(Appraisal.user_id.in_(people))).all()
        assert appraisals and all(
            None not in (ratings := {code: r for code, _name, r in a.behaviour_values}).values()
            and a.behaviour_rating == behaviour_rating_for(ratings)
            for a in appraisals
        )
        # the supervisors form a tree inside the agency; everyone has a valid, unique NIP
        users = db.session.scalars(sa.select(User).where(User.agency_id == agency.id)).all()
        ids = {u.id for u in users}
        assert all(u.supervisor_id is None or u.supervisor_id in ids for u in users)
        assert sum(u.supervisor_id is None for u in users) >= 1
        from lms.accounts.nip import parse_employee_number

        assert len({parse_employee_number(u.nip).number for u in users}) == 60
        generated = snapshot(agency.id)
        summaries.rebuild(db.session, agency.id)
        assert snapshot(agency.id) == generated
        assert talent.ninebox(agency.id).total == 60
        report = compliance.compliance(agency.id, 2026, 20)
        assert report.total.staff == 60
    again = runner.invoke(
        args=[
            "lms",
            "generate",
            "--users",
            "5",
            "--positions",
            "2",
            "--courses",
            "2",
            "--enrolments",
            "5",
            "--records",
            "5",
            "--units",
            "2",
            "--seed",
            "7",
        ]
    )
    assert again.exit_code == 0, again.output  # a second run adds another agency
    with app.app_context():
        assert db.session.scalar(sa.select(Agency.id).where(Agency.code == "GEN7-2")) is not None


def test_refresh_and_imports(app, db, tmp_path, make_agency):
    agency = make_agency(code="IMPOR")
    runner = app.test_cli_runner()
    bad = tmp_path / "jabatan.csv"
    bad.write_text("kode;nama;jenis;kompetensi;jabatan_berikutnya\nA;Jabatan A;fungsional;INT:7;B\n")
    result = runner.invoke(args=["lms", "import-positions", "impor", str(bad)])
    assert result.exit_code == 1
    assert "row 2, column kompetensi" in result.output and "row 2, column jabatan_berikutnya" in result.output
    good = tmp_path / "kompetensi.csv"
    good.write_text(
        "kode;nama;level;deskriptor\n" + "".join(f"TK-1;Teknis Satu;{n};Level {n}\n" for n in range(1, 6))
    )
    result = runner.invoke(args=["lms", "import-competencies", "IMPOR", str(good)])
    assert result.exit_code == 0 and "1 created" in result.output
    assert runner.invoke(args=["lms", "import-competencies", "NOPE", str(good)]).exit_code == 1
    result = runner.invoke(args=["lms", "careers-refresh", "--agency", "IMPOR"])
    assert result.exit_code == 0 and "rebuilt" in result.output
    assert agency.id


def test_seed_demo_is_idempotent(app, db):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["lms", "seed-demo"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        siti = db.session.scalar(sa.select(User).where(User.email == "siti@contoh.go.id"))
        staff = db.session.get(StaffPosition, siti.id)
        assert staff.position.code == "PERAWAT-PERTAMA" and staff.target_position.code == "PERAWAT-MUDA"
        assert siti.position_title == "Perawat Ahli Pertama"
        assert db.session.get(CareerSummary, siti.id).predikat.value == "butuh_perbaikan"


def test_the_generator_is_a_development_command_only(app):
    production_like = create_app("test", DEV_COMMANDS=False)
    result = production_like.test_cli_runner().invoke(args=["lms", "generate", "--help"])
    assert result.exit_code != 0 and "No such command" in result.output
    create_app("test")  # the tests' own app offers it again
    assert "generate" in app.test_cli_runner().invoke(args=["lms", "--help"]).output
