import sqlalchemy as sa

from lms.accounts.models import Role, User
from tests.factories import make_nip


def test_create_user_bootstraps_an_admin(app, db):
    runner = app.test_cli_runner()
    nip = make_nip(seq=555)
    result = runner.invoke(
        args=[
            "lms",
            "create-user",
            "--nip",
            nip,
            "--name",
            "Admin Pusat",
            "--email",
            "Admin@Pusat.go.id",
            "--password",
            "sangat-rahasia-1",
            "--role",
            "admin",
            "--role",
            "learner",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.nip == nip))
        assert user.email == "admin@pusat.go.id"
        assert user.roles == {Role.ADMIN, Role.LEARNER}


def test_create_user_reports_bad_input_and_exits_non_zero(app, db):
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(User.id)))  # other tests' users too
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "lms",
            "create-user",
            "--nip",
            "123",
            "--name",
            "X Y",
            "--email",
            "x@y.go.id",
            "--password",
            "sangat-rahasia-1",
        ]
    )
    assert result.exit_code == 1
    assert "nip: NIP atau NI PPPK harus terdiri dari 18 angka" in result.output
    result = runner.invoke(
        args=[
            "lms",
            "create-user",
            "--name",
            "X Y",
            "--email",
            "x@y.go.id",
            "--password",
            "sangat-rahasia-1",
            "--agency",
            "NOPE",
        ]
    )
    assert result.exit_code == 1
    assert "unknown agency" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == before
        assert db.session.scalar(sa.select(User).where(User.email == "x@y.go.id")) is None


def test_seed_demo_is_idempotent(app, db):
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(User.id)))  # other tests' users too
    runner = app.test_cli_runner()
    first = runner.invoke(args=["lms", "seed-demo"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(User.id)))
        hr = db.session.scalar(sa.select(User).where(User.email == "hr@contoh.go.id"))
        assert hr.has_role(Role.AGENCY_ADMIN)
        assert hr.supervisor is not None
    second = runner.invoke(args=["lms", "seed-demo"])
    assert second.exit_code == 0
    assert "admin@contoh.go.id" in second.output and "demo12345" in second.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == count >= before + 7
