import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts import agencies, services, sessions
from lms.accounts.errors import AccountError, PermissionDenied
from lms.accounts.models import Role, User, UserRole
from lms.accounts.nip import EmployeeType
from tests.factories import PASSWORD, make_nip, make_pppk


def new_user(**over):
    data = dict(nip=make_nip(), name="Rina Wati", email="rina@uji.go.id", password=PASSWORD)
    data.update(over)
    return services.NewUser(**data)


def count_users(db):
    """Every user in the database: compare it before and after, as other tests may have committed some."""
    return db.session.scalar(sa.select(sa.func.count(User.id)))


class TestCreateUser:
    def test_records_type_from_the_number(self, ctx, db):
        pns = services.create_user(new_user())
        pppk = services.create_user(new_user(nip=make_pppk(), email="p@uji.go.id"))
        assert pns.employee_type is EmployeeType.PNS
        assert pppk.employee_type is EmployeeType.PPPK
        assert pns.roles == {Role.LEARNER}

    def test_email_is_normalised_and_unique_case_insensitively(self, ctx, db):
        before = count_users(db)
        services.create_user(new_user(email="Rina.Wati@Uji.GO.ID"))
        with pytest.raises(AccountError) as info:
            services.create_user(new_user(nip=make_nip(), email="rina.wati@uji.go.id"))
        assert info.value.field == "email"
        assert count_users(db) == before + 1

    def test_duplicate_nip_is_refused(self, ctx, db):
        nip = make_nip()
        services.create_user(new_user(nip=nip))
        with pytest.raises(AccountError) as info:
            services.create_user(new_user(nip=nip.replace("", " ").strip(), email="lain@uji.go.id"))
        assert info.value.field == "nip"
        assert "sudah terdaftar" in str(info.value)

    @pytest.mark.parametrize(
        ("over", "field"),
        [
            ({"nip": "123"}, "nip"),
            ({"name": " "}, "name"),
            ({"name": "x" * 151}, "name"),
            ({"name": "Nama\x00Aneh"}, "name"),
            ({"email": "bukan-email"}, "email"),
            ({"password": "pendek"}, "password"),
            ({"password": "p" * 129}, "password"),
        ],
    )
    def test_bad_input_changes_nothing(self, ctx, db, over, field):
        before = count_users(db)
        with pytest.raises(AccountError) as info:
            services.create_user(new_user(**over))
        assert info.value.field == field
        assert count_users(db) == before

    def test_password_may_not_equal_nip_or_email(self, ctx, db):
        nip = make_nip()
        for password in (nip, "RINA@uji.go.id"):
            with pytest.raises(AccountError, match="tidak boleh sama"):
                services.create_user(new_user(nip=nip, password=password, email="rina@uji.go.id"))

    def test_html_in_a_name_is_stored_as_text(self, ctx, db):
        user = services.create_user(new_user(name="<b>Budi</b> <script>x</script>"))
        assert user.name == "<b>Budi</b> <script>x</script>"

    def test_password_is_hashed_with_argon2id(self, ctx, db):
        user = services.create_user(new_user())
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


class TestAuthenticate:
    def test_by_nip_with_spaces_or_by_email(self, ctx, db):
        nip = make_nip()
        user = services.create_user(new_user(nip=nip))
        spaced = f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"
        assert services.authenticate(spaced, PASSWORD) is user
        assert services.authenticate("RINA@uji.go.id", PASSWORD) is user
        assert user.last_login_at is not None

    @pytest.mark.parametrize("login", ["rina@uji.go.id", "nobody@uji.go.id", "199001012015031999"])
    def test_wrong_login_gets_one_generic_message(self, ctx, db, login):
        services.create_user(new_user())
        with pytest.raises(AccountError, match="NIP/email atau kata sandi salah"):
            services.authenticate(login, "salah-sekali")

    def test_inactive_account_is_refused(self, ctx, db):
        user = services.create_user(new_user())
        user.active = False
        with pytest.raises(AccountError, match="dinonaktifkan"):
            services.authenticate(user.email, PASSWORD)

    def test_account_without_password_cannot_log_in(self, ctx, db):
        user = services.create_user(new_user(password=None))
        with pytest.raises(AccountError):
            services.authenticate(user.email, "")

    def test_old_parameters_are_rehashed_at_login(self, ctx, db, app, monkeypatch):
        user = services.create_user(new_user())
        old_hash = user.password_hash
        monkeypatch.setitem(
            app.config,
            "PASSWORD_HASH_PARAMS",
            {"time_cost": 2, "memory_cost": 1024, "parallelism": 1},
        )
        services.authenticate(user.email, PASSWORD)
        assert user.password_hash != old_hash
        assert "t=2" in user.password_hash


def start(user, at=None):
    return sessions.start_session(user, ip="10.0.0.1", user_agent="uji", at=at or datetime.now(UTC))


def load(cookie_id):
    return sessions.load_user(cookie_id, now=datetime.now(UTC), idle=timedelta(days=30))


class TestPasswords:
    def test_change_checks_current_and_ends_other_sessions(self, ctx, db):
        user = services.create_user(new_user())
        start(user)
        other_id = user.get_id()
        with pytest.raises(AccountError) as info:
            services.change_password(user, "salah", "kata-sandi-baru-1")
        assert info.value.field == "current_password"
        assert load(other_id) is not None
        start(user)  # the session in use
        services.change_password(user, PASSWORD, "kata-sandi-baru-1")
        assert load(other_id) is None
        assert load(user.get_id()) is user
        assert services.authenticate(user.email, "kata-sandi-baru-1") is user

    def test_reset_token_works_once(self, ctx, db):
        user = services.create_user(new_user(password=None))
        token = services.make_reset_token(user)
        services.reset_password(token, "kata-sandi-baru-1")
        assert services.authenticate(user.email, "kata-sandi-baru-1") is user
        with pytest.raises(AccountError, match="sudah pernah dipakai"):
            services.reset_password(token, "kata-sandi-lain-2")

    def test_reset_token_expires_after_the_configured_age(self, ctx, db):
        user = services.create_user(new_user())
        now = datetime.now(UTC)
        token = services.make_reset_token(user, at=now)
        services.user_for_reset_token(token, at=now + timedelta(minutes=59))
        with pytest.raises(AccountError, match="kedaluwarsa"):
            services.reset_password(token, "kata-sandi-baru-1", at=now + timedelta(minutes=60))

    def test_a_bad_password_does_not_use_up_the_link(self, ctx, db):
        user = services.create_user(new_user())
        token = services.make_reset_token(user)
        with pytest.raises(AccountError, match="minimal 8"):
            services.reset_password(token, "pendek")
        services.reset_password(token, "kata-sandi-baru-1")

    def test_unknown_and_forged_tokens_are_refused(self, ctx, db):
        user = services.create_user(new_user())
        real = services.make_reset_token(user)
        for forged in ("", "abc", real[:-1] + ("A" if real[-1] != "A" else "B"), "x" * 5000):
            with pytest.raises(AccountError, match="tidak valid"):
                services.reset_password(forged, "kata-sandi-baru-1")

    def test_a_new_reset_link_voids_nothing_but_a_reset_voids_every_link(self, ctx, db):
        user = services.create_user(new_user())
        first, second = services.make_reset_token(user), services.make_reset_token(user)
        services.reset_password(second, "kata-sandi-baru-1")
        with pytest.raises(AccountError, match="sudah pernah dipakai"):
            services.reset_password(first, "kata-sandi-lain-2")

    def test_session_loader_refuses_garbage(self, ctx, db):
        user = services.create_user(new_user())
        start(user)
        for value in ("", "abc", "1", "1:", "x:y", "999999:token", f"{user.id}:" + "x" * 500, None):
            assert load(value) is None
        assert load(f"{user.id + 1}:{user.login_token}") is None  # the token is this user's only

    def test_roles_read_with_the_user_give_way_to_a_change_in_the_request(self, ctx, db):
        """The loader reads the roles as a column (issue 15), not as role rows; a change of the
        rows afterwards (an admin editing their own roles) is what `roles` answers, before and
        after the commit that expires the rows."""
        user = services.create_user(new_user())
        start(user)
        cookie = user.get_id()
        db.session.commit()
        for commit in (False, True):
            db.session.expunge_all()
            loaded = load(cookie)
            assert "role_rows" not in loaded.__dict__ and loaded.login_roles == {Role.LEARNER}
            assert loaded.roles == {Role.LEARNER} and not loaded.has_role(Role.TRAINER)
            loaded.role_rows = [UserRole(role=Role.LEARNER), UserRole(role=Role.TRAINER)]
            if commit:
                db.session.commit()  # the rows expire: read again, never the login's roles
            assert loaded.roles == {Role.LEARNER, Role.TRAINER} and loaded.has_role(Role.TRAINER)
            loaded.role_rows.pop()
            assert loaded.roles == {Role.LEARNER}
            if commit:
                db.session.commit()
            else:
                db.session.rollback()
        db.session.expunge_all()
        assert load(cookie).roles == {Role.LEARNER}

    def test_session_idle_too_long_has_ended(self, ctx, db):
        user = services.create_user(new_user())
        start(user, at=datetime.now(UTC) - timedelta(days=31))
        assert load(user.get_id()) is None

    def test_deactivated_user_has_no_session(self, ctx, db):
        user = services.create_user(new_user())
        start(user)
        user.active = False
        db.session.flush()
        assert load(user.get_id()) is None


class TestPreferences:
    def test_language_and_zone(self, ctx, db):
        user = services.create_user(new_user())
        services.set_preferences(user, locale="en", timezone="Asia/Jayapura")
        assert (user.locale, user.effective_timezone) == ("en", "Asia/Jayapura")
        with pytest.raises(AccountError):
            services.set_preferences(user, locale="fr")
        with pytest.raises(AccountError):
            services.set_preferences(user, timezone="Europe/Paris")


class TestAgencies:
    def test_unit_tree_in_order_with_depth(self, ctx, db):
        agency = agencies.create_agency("dinas-x", "Dinas X", "Asia/Makassar", by=None)
        assert agency.code == "DINAS-X"
        top = agencies.add_unit(agency, "SEK", "Sekretariat", None, by=None)
        agencies.add_unit(agency, "SEK-UM", "Subbagian Umum", top.id, by=None)
        agencies.add_unit(agency, "BID", "Bidang Anggaran", None, by=None)
        tree = [(unit.code, depth) for unit, depth in agencies.unit_tree(agency.id)]
        assert tree == [("BID", 0), ("SEK", 0), ("SEK-UM", 1)]

    @pytest.mark.parametrize(
        ("code", "name", "field"),
        [
            ("", "Unit", "code"),
            ("A B", "Unit", "code"),
            ("X" * 33, "Unit", "code"),
            ("OK", "", "name"),
        ],
    )
    def test_bad_unit_input(self, ctx, db, code, name, field):
        agency = agencies.create_agency("AG", "Instansi", "Asia/Jakarta", by=None)
        with pytest.raises(AccountError) as info:
            agencies.add_unit(agency, code, name, None, by=None)
        assert info.value.field == field

    def test_duplicate_codes_and_foreign_parent(self, ctx, db):
        one = agencies.create_agency("AG1", "Satu", "Asia/Jakarta", by=None)
        two = agencies.create_agency("AG2", "Dua", "Asia/Jakarta", by=None)
        unit = agencies.add_unit(one, "U1", "Unit Satu", None, by=None)
        with pytest.raises(AccountError, match="sudah dipakai"):
            agencies.create_agency("ag1", "Lagi", "Asia/Jakarta", by=None)
        with pytest.raises(AccountError, match="sudah dipakai"):
            agencies.add_unit(one, "u1", "Unit Lagi", None, by=None)
        with pytest.raises(AccountError, match="induk"):
            agencies.add_unit(two, "U2", "Unit Dua", unit.id, by=None)
        agencies.add_unit(two, "U1", "Kode sama di instansi lain", None, by=None)


class TestStaffRights:
    @pytest.fixture
    def world(self, ctx, db, make_agency, make_user):
        one, two = make_agency(code="ONE"), make_agency(code="TWO")
        return {
            "one": one,
            "two": two,
            "admin": make_user(roles=(Role.ADMIN,)),
            "hr_one": make_user(one, roles=(Role.AGENCY_ADMIN,)),
            "staff_one": make_user(one),
            "staff_two": make_user(two),
            "admin_in_one": make_user(one, roles=(Role.ADMIN,)),
        }

    def test_agency_admin_manages_only_own_non_admin_people(self, world):
        hr = world["hr_one"]
        assert agencies.can_manage_user(hr, world["staff_one"])
        assert not agencies.can_manage_user(hr, world["staff_two"])
        assert not agencies.can_manage_user(hr, world["admin_in_one"])
        assert not agencies.can_manage_user(world["staff_one"], world["staff_one"])
        assert agencies.can_manage_user(world["admin"], world["staff_two"])
        with pytest.raises(PermissionDenied):
            agencies.require_agency(hr, world["two"].id)

    def test_agency_admin_cannot_grant_admin(self, world, db):
        hr, staff = world["hr_one"], world["staff_one"]
        with pytest.raises(AccountError, match="peran"):
            agencies.update_staff(hr, staff, roles={Role.LEARNER, Role.ADMIN}, unit_id=None, active=True)
        assert staff.roles == {Role.LEARNER}
        agencies.update_staff(hr, staff, roles={Role.LEARNER, Role.TRAINER}, unit_id=None, active=True)
        assert staff.roles == {Role.LEARNER, Role.TRAINER}

    def test_no_self_lockout(self, world):
        admin = world["admin"]
        with pytest.raises(AccountError, match="sendiri"):
            agencies.update_staff(admin, admin, roles={Role.LEARNER}, unit_id=None, active=True)
        with pytest.raises(AccountError, match="sendiri"):
            agencies.update_staff(admin, admin, roles={Role.ADMIN}, unit_id=None, active=False)

    def test_unit_must_belong_to_the_person_agency(self, world):
        foreign_unit = world["two"].units[0]
        with pytest.raises(AccountError, match="Unit"):
            agencies.update_staff(
                world["admin"],
                world["staff_one"],
                roles={Role.LEARNER},
                unit_id=foreign_unit.id,
                active=True,
            )

    def test_staff_search(self, world, db, make_user):
        make_user(world["one"], name="Yosefina Rumbiak")
        names = [u.name for u in db.session.scalars(agencies.staff_query(world["one"].id, "rumbiak"))]
        assert names == ["Yosefina Rumbiak"]
        everyone = db.session.scalars(agencies.staff_query(world["one"].id)).all()
        assert {u.agency_id for u in everyone} == {world["one"].id}
        assert re.match(r"^\d{18}$", everyone[0].nip)
