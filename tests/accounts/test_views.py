import io
import re

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.extensions import limiter
from tests.factories import PASSWORD, make_nip


@pytest.fixture
def agency(make_agency):
    return make_agency(code="DINAS")


def user_count(app, db):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(User.id)))


def registration(agency, **over):
    data = {
        "nip": "19900517 201503 1 123",
        "name": "Rina Wati, S.E.",
        "email": "rina@uji.go.id",
        "unit_id": str(agency.units[0].id),
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    data.update(over)
    return data


class TestLogin:
    def test_login_page_in_indonesian(self, client):
        page = client.get("/login")
        assert page.status_code == 200
        assert '<html lang="id">' in page.text
        assert "NIP atau email" in page.text

    def test_login_with_nip_then_logout(self, client, make_user, agency):
        user = make_user(agency)
        response = client.post("/login", data={"login": user.nip, "password": PASSWORD})
        assert response.status_code == 302
        assert "Selamat datang" in client.get("/").text
        client.post("/logout")
        assert client.get("/account").status_code == 302

    def test_wrong_password_shows_generic_message(self, client, make_user, agency):
        user = make_user(agency)
        response = client.post("/login", data={"login": user.email, "password": "salah-sekali"})
        assert response.status_code == 200
        assert "NIP/email atau kata sandi salah" in response.text
        assert client.get("/account").status_code == 302

    def test_session_is_replaced_at_login(self, client, make_user, agency):
        user = make_user(agency)
        with client.session_transaction() as session:
            session["planted"] = "by-attacker"
        client.post("/login", data={"login": user.email, "password": PASSWORD})
        with client.session_transaction() as session:
            assert "planted" not in session
            user_id, token = session["_user_id"].split(":")
        assert user_id == str(user.id) and len(token) >= 40

    def test_next_only_goes_to_local_paths(self, client, make_user, agency):
        user = make_user(agency)
        data = {"login": user.email, "password": PASSWORD}
        assert client.post("/login?next=/account", data=data).location == "/account"
        client.post("/logout")
        assert client.post("/login?next=https://evil.example/", data=data).location == "/"

    def test_rate_limited_per_address(self, client, make_user, agency, monkeypatch):
        make_user(agency)
        monkeypatch.setattr(limiter, "enabled", True)
        codes = [
            client.post("/login", data={"login": f"orang{n}@uji.go.id", "password": "x" * 8}).status_code
            for n in range(61)
        ]
        assert codes == [200] * 60 + [429]
        assert "Terlalu banyak percobaan" in client.post("/login", data={"login": "a"}).text
        assert client.get("/login").status_code == 200  # reading the page is not limited

    def test_failed_logins_are_limited_per_account(self, client, make_user, agency, monkeypatch):
        # Per account and address, and more slowly per account from anywhere: see test_sessions.
        user = make_user(agency)
        codes = [
            client.post(
                "/login",
                data={"login": user.nip, "password": "x" * 8},
                environ_base={"REMOTE_ADDR": "10.0.0.1"},
            ).status_code
            for n in range(11)
        ]
        assert codes == [200] * 10 + [429]
        other = client.post(
            "/login",
            data={"login": "lain@uji.go.id", "password": "x" * 8},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )
        assert other.status_code == 200  # other accounts are not affected


class TestRegister:
    def test_registration_creates_an_unverified_learner(self, client, app, db, agency, outbox):
        response = client.post("/register", data=registration(agency))
        assert response.status_code == 302
        assert response.location == "/login"
        assert "tautan konfirmasi" in client.get("/login").text
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.email == "rina@uji.go.id"))
            assert user.nip == "199005172015031123"
            assert user.roles == {Role.LEARNER}
            assert user.agency_id == agency.id
            assert user.email_confirmed_at is None and user.identity_verified_at is None
        assert outbox[0]["To"] == "rina@uji.go.id"

    @pytest.mark.parametrize(
        ("over", "message"),
        [
            ({"nip": "1990051720150"}, "18 angka"),
            ({"nip": "199013172015031123"}, "Tanggal lahir"),
            ({"email": "rina"}, "Alamat email tidak valid"),
            ({"password_confirm": "lain-sekali-123"}, "tidak sama"),
            ({"password": "pendek", "password_confirm": "pendek"}, "minimal 8"),
            ({"unit_id": ""}, "Wajib diisi"),
            ({"unit_id": "999999"}, "Unit kerja tidak ditemukan"),
        ],
    )
    def test_bad_input_shows_message_and_creates_nothing(self, client, app, db, agency, over, message):
        before = user_count(app, db)
        response = client.post("/register", data=registration(agency, **over))
        assert response.status_code == 200
        assert message in response.text
        assert user_count(app, db) == before

    def test_duplicates_are_refused(self, client, make_user, agency):
        existing = make_user(agency, nip=make_nip(seq=321), email="ada@uji.go.id")
        response = client.post("/register", data=registration(agency, nip=existing.nip))
        assert "NIP ini sudah terdaftar" in response.text
        assert "hubungi bagian kepegawaian (SDM)" in response.text
        response = client.post("/register", data=registration(agency, email="ADA@uji.go.id"))
        assert "Email ini sudah terdaftar" in response.text

    def test_html_in_a_name_is_shown_as_text(self, client, agency, make_user, login):
        name = '<img src=x onerror="alert(1)">Rina'
        login(make_user(agency, name=name))
        page = client.get("/account").text
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;Rina" in page
        assert "<img src=x" not in page

    def test_closed_registration(self, client, app, agency, monkeypatch):
        monkeypatch.setitem(app.config, "REGISTRATION_OPEN", False)
        assert client.get("/register").status_code == 404


class TestPasswords:
    def test_change_password_ends_other_sessions(self, app, client, make_user, agency, login):
        user = make_user(agency)
        other_device = app.test_client()
        other_device.post("/login", data={"login": user.email, "password": PASSWORD})
        login(user)
        response = client.post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "password": "baru-sekali-123",
                "password_confirm": "baru-sekali-123",
            },
        )
        assert response.status_code == 302
        assert client.get("/account").status_code == 200  # this session lives on
        assert other_device.get("/account").status_code == 302  # the other one is gone

    def test_reset_by_mail(self, client, make_user, agency, outbox):
        user = make_user(agency, password=None)  # e.g. imported by HR
        response = client.post("/password/forgot", data={"email": user.email.upper()})
        assert response.status_code == 302
        assert len(outbox) == 1
        assert outbox[0]["To"] == user.email
        link = re.search(r"http://\S+/password/reset/\S+", outbox[0].get_content()).group(0)
        path = link.split("localhost", 1)[1]
        assert client.get(path).status_code == 200
        response = client.post(
            path, data={"password": "baru-sekali-123", "password_confirm": "baru-sekali-123"}
        )
        assert response.status_code == 302
        assert (
            client.post("/login", data={"login": user.email, "password": "baru-sekali-123"}).status_code
            == 302
        )
        client.post("/logout")
        assert client.get(path).status_code == 302  # used once

    def test_reset_does_not_reveal_unknown_addresses(self, client, outbox):
        response = client.post(
            "/password/forgot", data={"email": "tidak.ada@uji.go.id"}, follow_redirects=True
        )
        assert "Jika email tersebut terdaftar" in response.text
        assert outbox == []


class TestLanguage:
    def test_anonymous_choice_is_kept_in_a_cookie(self, client):
        response = client.post("/language", data={"lang": "en", "next": "/login"})
        assert response.location == "/login"
        page = client.get("/login").text
        assert '<html lang="en">' in page
        assert "NIP or email" in page

    def test_user_choice_is_remembered_on_the_account(self, app, client, make_user, agency, login):
        user = make_user(agency)
        login(user)
        client.post("/language", data={"lang": "en", "next": "/"})
        fresh = app.test_client()
        fresh.post("/login", data={"login": user.email, "password": PASSWORD})
        assert '<html lang="en">' in fresh.get("/").text

    def test_unknown_language_is_ignored(self, client):
        client.post("/language", data={"lang": "xx", "next": "//evil.example"})
        assert '<html lang="id">' in client.get("/").text


class TestAdminPages:
    def test_agency_admin_sees_only_own_staff(self, client, make_agency, make_user, login):
        one, two = make_agency(code="SATU"), make_agency(code="DUA")
        hr = make_user(one, roles=(Role.AGENCY_ADMIN,))
        make_user(one, name="Orang Satu")
        make_user(two, name="Orang Dua")
        login(hr)
        page = client.get(f"/admin/agencies/{one.id}/people")
        assert "Orang Satu" in page.text and "Orang Dua" not in page.text
        assert client.get(f"/admin/agencies/{two.id}/people").status_code == 403
        assert client.get(f"/admin/agencies/{two.id}/import").status_code == 403

    def test_import_through_the_browser_form(self, client, app, db, make_user, agency, login):
        login(make_user(agency, roles=(Role.AGENCY_ADMIN,)))
        data = f"nip;nama;email;unit\r\n{make_nip(seq=77)};Ana;ana@uji.go.id;UMUM\r\n".encode()

        response = client.post(
            f"/admin/agencies/{agency.id}/import",
            data={"file": (io.BytesIO(b"\xef\xbb\xbf" + data), "pegawai.csv")},
        )
        assert response.status_code == 200
        assert "1 pegawai baru" in response.text
        bad = data.replace(b"ana@uji.go.id", b"bukan-email")
        response = client.post(
            f"/admin/agencies/{agency.id}/import", data={"file": (io.BytesIO(bad), "pegawai.csv")}
        )
        assert response.status_code == 422
        assert "Alamat email tidak valid" in response.text

    def test_upload_too_large_gets_a_clear_message(self, client, make_user, agency, login):

        login(make_user(agency, roles=(Role.AGENCY_ADMIN,)))
        body = (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="besar.csv"\r\n\r\n'
            + b"x" * (50 * 1024 * 1024)
            + b"\r\n--b--\r\n"
        )
        response = client.post(
            f"/admin/agencies/{agency.id}/import",
            data=body,
            content_type="multipart/form-data; boundary=b",
        )
        assert response.status_code == 413
        assert "melebihi batas 5 MB" in response.text

    def test_roles_form(self, client, app, db, make_user, agency, login):
        login(make_user(agency, roles=(Role.AGENCY_ADMIN,)))
        staff = make_user(agency)
        response = client.post(
            f"/admin/people/{staff.id}",
            data={
                "roles": ["learner", "trainer"],
                "unit_id": str(agency.units[1].id),
                "active": "y",
            },
        )
        assert response.status_code == 302
        response = client.post(
            f"/admin/people/{staff.id}", data={"roles": ["learner", "admin"], "active": "y"}
        )
        assert response.status_code == 200
        assert "tidak boleh memberikan" in response.text
        with app.app_context():
            fresh = db.session.get(User, staff.id)
            assert fresh.roles == {Role.LEARNER, Role.TRAINER}
            assert fresh.unit_id == agency.units[1].id
