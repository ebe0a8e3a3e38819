"""Verified identities (issue 12, finding 1): registration, email confirmation, HR import conflicts."""

import io
import re

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.accounts.staff_import import ImportConflicts, ImportFailed, import_staff
from tests.factories import PASSWORD, make_nip

SQUATTED = make_nip(seq=611)
STAFF = make_nip(seq=612, gender=2)
NEW_PASSWORD = "punya-saya-sendiri-1"


@pytest.fixture
def agency(make_agency):
    return make_agency(code="IDEN")


@pytest.fixture
def hr(make_user, agency):
    return make_user(agency, roles=(Role.AGENCY_ADMIN,), name="Admin SDM")


def mail_link(outbox, pattern):
    match = re.search(r"http://localhost(\S*" + pattern + r"\S+)", outbox[-1].get_content())
    return match.group(1)


def register(app, agency, outbox, *, nip=SQUATTED, email="penyusup@contoh.id", confirm=True):
    browser = app.test_client()
    response = browser.post(
        "/register",
        data={
            "nip": nip,
            "name": "Bukan Pemilik NIP",
            "email": email,
            "unit_id": str(agency.units[0].id),
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    assert response.status_code == 302, response.text
    if confirm:
        assert browser.post(mail_link(outbox, "/register/confirm/")).status_code == 302
    return browser


def log_in(app, login, password=PASSWORD, remember=False):
    browser = app.test_client()
    data = {"login": login, "password": password}
    if remember:
        data["remember"] = "y"
    return browser, browser.post("/login", data=data)


def fetch(app, db, **where):
    with app.app_context():
        return db.session.scalar(sa.select(User).filter_by(**where))


class TestRegistration:
    def test_email_is_confirmed_by_a_single_use_link_before_login(self, app, db, agency, outbox):
        register(app, agency, outbox, confirm=False)
        assert outbox[-1]["To"] == "penyusup@contoh.id"
        _browser, response = log_in(app, "penyusup@contoh.id")
        assert response.status_code == 200
        assert "belum dikonfirmasi" in response.text

        path = mail_link(outbox, "/register/confirm/")
        browser = app.test_client()
        page = browser.get(path)  # a mail scanner opening the link uses nothing up
        assert page.status_code == 200 and "Konfirmasi email saya" in page.text
        assert browser.post(path).status_code == 302
        assert "sudah pernah dipakai" in browser.post(path, follow_redirects=True).text

        user = fetch(app, db, email="penyusup@contoh.id")
        assert user.email_confirmed_at is not None
        assert user.identity_verified_at is None  # the email is theirs; the NIP is not proven
        _browser, response = log_in(app, SQUATTED)
        assert response.status_code == 302

    def test_a_nip_held_by_a_verified_account_is_refused_politely(self, client, make_user, agency):
        owner = make_user(agency, nip=make_nip(seq=613))
        response = client.post(
            "/register",
            data={
                "nip": owner.nip,
                "name": "Orang Lain",
                "email": "lain@contoh.id",
                "unit_id": str(agency.units[0].id),
                "password": PASSWORD,
                "password_confirm": PASSWORD,
            },
        )
        assert response.status_code == 200
        assert "NIP ini sudah terdaftar" in response.text
        assert "hubungi bagian kepegawaian (SDM) instansi Anda" in response.text

    def test_accounts_made_by_an_admin_or_import_are_verified(self, app, db, make_user, agency):
        user = fetch(app, db, id=make_user(agency).id)
        assert user.identity_verified_at is not None and user.email_confirmed_at is not None


def csv_upload(*rows):
    text = "nip;nama;email;unit;jabatan;nip_atasan\r\n" + "\r\n".join(rows) + "\r\n"
    return {"file": (io.BytesIO(text.encode()), "pegawai.csv")}


ROWS = (
    f"{SQUATTED};Dr. Pemilik Asli, M.Si.;pemilik.asli@instansi.go.id;UMUM;Kepala Bagian;",
    f"{STAFF};Staf Bawahan;staf@instansi.go.id;UMUM;Analis;{SQUATTED}",
)


def decide(client, agency, page, decision):
    content = re.search(r'<textarea[^>]*name="content"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    content = content.replace("&#34;", '"').replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
    content = content.replace("&amp;", "&")
    return client.post(
        f"/admin/agencies/{agency.id}/import",
        data={"content": content, f"decision-{SQUATTED}": decision},
    )


class TestSquattingThenImport:
    @pytest.fixture
    def squatter(self, app, agency, outbox):
        register(app, agency, outbox)
        browser, response = log_in(app, SQUATTED, remember=True)
        assert response.status_code == 302
        cookies = {
            "session": browser.get_cookie("session").value,
            "remember_token": browser.get_cookie("remember_token").value,
        }
        return browser, cookies

    def assert_no_way_in(self, app, cookies):
        for login in (SQUATTED, "penyusup@contoh.id"):
            assert log_in(app, login)[1].status_code != 302, login
        for subset in (
            cookies,
            {"session": cookies["session"]},
            {"remember_token": cookies["remember_token"]},
        ):
            replay = app.test_client()
            for name, value in subset.items():
                replay.set_cookie(name, value)
            assert replay.get("/account").status_code == 302, subset

    def test_the_preview_lists_the_conflict_and_changes_nothing(
        self, app, db, client, hr, agency, squatter, login
    ):
        login(hr)
        response = client.post(f"/admin/agencies/{agency.id}/import", data=csv_upload(*ROWS))
        assert response.status_code == 409
        page = response.text
        assert SQUATTED in page and "penyusup@contoh.id" in page
        assert "Baris" in page and ">2<" in page  # the row in the file
        assert re.search(r"\d{1,2} \w+ 20\d\d", page)  # the registration date
        assert "belum ada data yang diubah" in page.lower()
        squatter_row = fetch(app, db, nip=SQUATTED)
        assert squatter_row.name == "Bukan Pemilik NIP" and squatter_row.email == "penyusup@contoh.id"
        assert squatter_row.identity_verified_at is None
        assert fetch(app, db, nip=STAFF) is None
        browser, _cookies = squatter
        assert browser.get("/account").status_code == 200  # nothing happened yet

    def test_without_a_decision_the_service_writes_nothing(self, app, db, agency, squatter):
        with app.test_request_context():
            data = csv_upload(*ROWS)["file"][0].getvalue()
            with pytest.raises(ImportConflicts) as info:
                import_staff(agency, data, by=None)
            (conflict,) = info.value.conflicts
            assert (conflict.row, conflict.nip, conflict.email) == (2, SQUATTED, "penyusup@contoh.id")
            assert conflict.registered_at is not None
            db.session.rollback()
        assert fetch(app, db, nip=STAFF) is None

    def test_confirm_resets_the_person_and_sends_a_set_password_link_to_hrs_address(
        self, app, db, client, hr, agency, squatter, login, outbox
    ):
        login(hr)
        preview = client.post(f"/admin/agencies/{agency.id}/import", data=csv_upload(*ROWS))
        response = decide(client, agency, preview.text, "confirm")
        assert response.status_code == 200, response.text
        assert "1 pegawai baru" in response.text and "1 akun dikonfirmasi" in response.text
        self.assert_no_way_in(app, squatter[1])

        person = fetch(app, db, nip=SQUATTED)
        assert person.identity_verified_at is not None
        assert (person.name, person.email, person.password_hash) == (
            "Dr. Pemilik Asli, M.Si.",
            "pemilik.asli@instansi.go.id",
            None,
        )
        assert fetch(app, db, nip=STAFF).supervisor_id == person.id
        assert outbox[-1]["To"] == "pemilik.asli@instansi.go.id"
        link = mail_link(outbox, "/password/reset/")
        owner = app.test_client()
        form = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
        assert owner.post(link, data=form).status_code == 302
        assert log_in(app, SQUATTED, NEW_PASSWORD)[1].status_code == 302

    def test_remove_deletes_the_registration_and_imports_the_real_person(
        self, app, db, client, hr, agency, squatter, login
    ):
        login(hr)
        preview = client.post(f"/admin/agencies/{agency.id}/import", data=csv_upload(*ROWS))
        response = decide(client, agency, preview.text, "remove")
        assert response.status_code == 200, response.text
        assert "2 pegawai baru" in response.text and "1 pendaftaran dihapus" in response.text
        self.assert_no_way_in(app, squatter[1])
        person = fetch(app, db, nip=SQUATTED)
        assert person.email == "pemilik.asli@instansi.go.id" and person.identity_verified_at is not None
        assert fetch(app, db, email="penyusup@contoh.id") is None
        assert fetch(app, db, nip=STAFF).supervisor_id == person.id

    def test_an_unverified_account_cannot_be_named_supervisor(self, app, db, agency, squatter):
        row = f"{STAFF};Staf Bawahan;staf@instansi.go.id;UMUM;Analis;{SQUATTED}"
        with app.test_request_context():
            data = csv_upload(row)["file"][0].getvalue()
            with pytest.raises(ImportFailed) as info:
                import_staff(agency, data, by=None)
        assert [(e.row, e.column) for e in info.value.errors] == [(2, "nip_atasan")]
        assert "belum diverifikasi" in info.value.errors[0].message

    def test_a_squatter_in_another_agency_is_a_conflict_too(self, app, db, make_agency, outbox):
        elsewhere, home = make_agency(code="LAIN"), make_agency(code="RUMAH")
        register(app, elsewhere, outbox)
        with app.test_request_context():
            data = csv_upload(ROWS[0])["file"][0].getvalue()
            with pytest.raises(ImportConflicts):
                import_staff(home, data, by=None)


class TestAdminConfirmsOrRemoves:
    def test_agency_admin_confirms_an_unverified_account(self, app, db, client, hr, agency, outbox, login):
        register(app, agency, outbox)
        login(hr)
        page = client.get(f"/admin/agencies/{agency.id}/unverified")
        assert page.status_code == 200 and SQUATTED in page.text and "penyusup@contoh.id" in page.text
        user = fetch(app, db, nip=SQUATTED)
        assert client.post(f"/admin/people/{user.id}/verify").status_code == 302
        assert fetch(app, db, nip=SQUATTED).identity_verified_at is not None
        assert SQUATTED not in client.get(f"/admin/agencies/{agency.id}/unverified").text

    def test_agency_admin_removes_a_registration(self, app, db, client, hr, agency, outbox, login):
        browser = register(app, agency, outbox)
        log_in(app, SQUATTED)
        user = fetch(app, db, nip=SQUATTED)
        login(hr)
        assert client.post(f"/admin/people/{user.id}/remove-registration").status_code == 302
        assert fetch(app, db, nip=SQUATTED) is None
        assert log_in(app, "penyusup@contoh.id")[1].status_code == 200
        assert browser.get("/account").status_code == 302

    def test_only_the_own_agency_and_only_unverified_accounts(
        self, app, db, client, make_agency, make_user, agency, outbox, login
    ):
        register(app, agency, outbox)
        user = fetch(app, db, nip=SQUATTED)
        other_hr = make_user(make_agency(code="ASING"), roles=(Role.AGENCY_ADMIN,))
        login(other_hr)
        assert client.get(f"/admin/agencies/{agency.id}/unverified").status_code == 403
        assert client.post(f"/admin/people/{user.id}/verify").status_code == 403
        assert client.post(f"/admin/people/{user.id}/remove-registration").status_code == 403
        client.post("/logout")
        login(make_user(agency, roles=(Role.AGENCY_ADMIN,)))
        verified = make_user(agency)
        assert client.post(f"/admin/people/{verified.id}/remove-registration").status_code == 409
