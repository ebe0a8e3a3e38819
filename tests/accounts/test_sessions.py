"""Sessions that end (issue 12, finding 2): logout, ending sessions, reset links, lockout (finding 5)."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts import login_limits
from lms.accounts.models import AccountToken, Role, UserSession
from tests.factories import PASSWORD

ANDROID = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
NEW_PASSWORD = "baru-sekali-123"


@pytest.fixture
def agency(make_agency):
    return make_agency(code="SESI")


@pytest.fixture
def user(make_user, agency):
    return make_user(agency, name="Rina Wati")


def device(app, user, *, remember=False, ua=WINDOWS, ip="10.1.1.1"):
    """A browser of its own that logs the user in."""
    browser = app.test_client()
    browser.environ_base.update({"HTTP_USER_AGENT": ua, "REMOTE_ADDR": ip})
    data = {"login": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert browser.post("/login", data=data).status_code == 302
    return browser


def replay(app, **cookies):
    """A fresh browser that only carries copies of the given cookies."""
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


class TestLogout:
    def test_replaying_both_cookies_after_logout_is_refused(self, app, user):
        browser = device(app, user, remember=True)
        session = browser.get_cookie("session").value
        remember = browser.get_cookie("remember_token").value
        assert replay(app, session=session, remember_token=remember).get("/account").status_code == 200

        assert browser.post("/logout").status_code == 302

        for cookies in (
            {"session": session, "remember_token": remember},
            {"session": session},
            {"remember_token": remember},
        ):
            assert replay(app, **cookies).get("/account").status_code == 302, cookies

    def test_ingat_saya_browser_is_really_logged_out(self, app, user):
        browser = device(app, user, remember=True)
        response = browser.post("/logout")
        assert "remember_token=;" in " ".join(response.headers.getlist("Set-Cookie"))
        assert browser.get_cookie("remember_token") is None
        assert browser.get("/account").status_code == 302
        assert "Selamat datang" not in browser.get("/").text

    def test_logout_ends_only_this_session(self, app, user):
        phone, laptop = device(app, user, ua=ANDROID), device(app, user)
        phone.post("/logout")
        assert laptop.get("/account").status_code == 200


class TestAccountSessions:
    def test_account_page_lists_sessions_with_device_address_and_time(self, app, user):
        device(app, user, ua=ANDROID, ip="10.9.8.7")
        laptop = device(app, user, ua=WINDOWS, ip="10.1.1.1")
        page = laptop.get("/account").text
        assert "Chrome di Android" in page and "10.9.8.7" in page
        assert "Firefox di Windows" in page and "10.1.1.1" in page
        assert "WIB" in page  # last seen, in the user's zone
        assert "Sesi ini" in page

    def test_end_one_session(self, app, db, user):
        phone = device(app, user, ua=ANDROID)
        laptop = device(app, user)
        page = laptop.get("/account").text
        ends = re.findall(r'action="(/account/sessions/[0-9a-f]{64}/end)"', page)
        assert len(ends) == 1  # the current session is ended by "Keluar", not listed with a button
        assert laptop.post(ends[0]).status_code == 302
        assert phone.get("/account").status_code == 302
        assert laptop.get("/account").status_code == 200

    def test_cannot_end_someone_elses_session(self, app, db, user, make_user, agency):
        other = make_user(agency)
        theirs = device(app, other)
        with app.app_context():
            their_id = db.session.scalar(sa.select(UserSession.id).where(UserSession.user_id == other.id))
        mine = device(app, user)
        assert mine.post(f"/account/sessions/{their_id}/end").status_code == 404
        assert theirs.get("/account").status_code == 200

    def test_end_all_other_sessions(self, app, user):
        phone = device(app, user, ua=ANDROID, remember=True)
        tablet = device(app, user, ua=ANDROID, remember=True)
        laptop = device(app, user)
        remember = phone.get_cookie("remember_token").value
        assert laptop.post("/account/sessions/end-others").status_code == 302
        assert phone.get("/account").status_code == 302
        assert tablet.get("/account").status_code == 302
        assert replay(app, remember_token=remember).get("/account").status_code == 302
        assert laptop.get("/account").status_code == 200

    def test_password_change_ends_other_sessions_and_keeps_this_one(self, app, user):
        phone = device(app, user, ua=ANDROID, remember=True)
        remember = phone.get_cookie("remember_token").value
        laptop = device(app, user)
        response = laptop.post(
            "/account/password",
            data={"current_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
        )
        assert response.status_code == 302
        assert laptop.get("/account").status_code == 200
        assert phone.get("/account").status_code == 302
        assert replay(app, remember_token=remember).get("/account").status_code == 302


class TestOneQueryPerRequest:
    def test_user_and_session_load_in_one_statement_and_last_seen_is_not_written_every_time(
        self, app, db, user, count_queries
    ):
        browser = device(app, user)
        browser.get("/account")
        with count_queries() as statements:
            browser.get("/healthz-user-probe-does-not-exist")
        loads = [s for s in statements if "user_sessions" in s]
        assert len(loads) == 1, statements
        assert "JOIN user_sessions" in loads[0] and "users" in loads[0]
        assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]

    def test_roles_come_with_the_user_and_no_statement_reads_them_apart(
        self, app, make_user, agency, count_queries
    ):
        """Issue 15: the roles are a column of the user's statement, not role rows of their own
        (which cost the ORM more than the statement): the menu for a trainer and HR admin shows
        their pages, and no statement of the request reads `user_roles` but the user's."""
        both = make_user(agency, roles=(Role.TRAINER, Role.AGENCY_ADMIN))
        browser = device(app, both)
        with count_queries() as statements:
            page = browser.get("/")
        assert 'href="/teach/"' in page.text and ">Kelola<" in page.text and ">Analitik SDM<" in page.text
        assert len([s for s in statements if "user_roles" in s]) == 1, statements
        assert "user_sessions" in next(s for s in statements if "user_roles" in s)
        learner_page = device(app, make_user(agency)).get("/").text
        assert 'href="/teach/"' not in learner_page and ">Kelola<" not in learner_page

    def test_last_seen_is_written_after_a_few_minutes(self, app, db, user):
        browser = device(app, user)
        old = datetime.now(UTC) - timedelta(minutes=10)
        with app.app_context():
            db.session.execute(
                sa.update(UserSession).where(UserSession.user_id == user.id).values(last_seen_at=old)
            )
            db.session.commit()
        browser.get("/account")
        with app.app_context():
            seen = db.session.scalar(
                sa.select(UserSession.last_seen_at).where(UserSession.user_id == user.id)
            )
        assert seen.replace(tzinfo=UTC) > old + timedelta(minutes=9)


def reset_link(outbox):
    return re.search(r"http://\S+/password/reset/(\S+)", outbox[-1].get_content())


class TestResetLinks:
    def request_link(self, client, user, outbox):
        assert client.post("/password/forgot", data={"email": user.email}).status_code == 302
        match = reset_link(outbox)
        return match.group(0).split("localhost", 1)[1], match.group(1)

    def test_link_carries_a_random_token_stored_hashed(self, app, db, client, user, outbox):
        path, token = self.request_link(client, user, outbox)
        with app.app_context():
            row = db.session.scalar(sa.select(AccountToken).where(AccountToken.user_id == user.id))
            assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
            assert token not in repr(db.session.execute(sa.select(AccountToken.__table__)).all())
            session_ids = db.session.scalars(sa.select(UserSession.id)).all()
        assert all(token not in sid for sid in session_ids)
        assert len(token) >= 40

    def test_link_works_once(self, app, client, user, outbox):
        path, _token = self.request_link(client, user, outbox)
        form = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
        assert client.post(path, data=form).status_code == 302
        again = client.get(path, follow_redirects=True)
        assert "sudah pernah dipakai" in again.text
        assert (
            client.post(
                path, data={"password": "lain-lagi-456", "password_confirm": "lain-lagi-456"}
            ).status_code
            == 302
        )
        login = client.post("/login", data={"login": user.email, "password": NEW_PASSWORD})
        assert login.status_code == 302

    def test_link_expires_after_60_minutes(self, app, db, client, user, outbox):
        path, _token = self.request_link(client, user, outbox)
        with app.app_context():
            row = db.session.scalar(sa.select(AccountToken).where(AccountToken.user_id == user.id))
            assert abs(
                (row.expires_at.replace(tzinfo=UTC) - row.created_at.replace(tzinfo=UTC))
                - timedelta(minutes=60)
            ) < timedelta(seconds=1)
            db.session.execute(
                sa.update(AccountToken)
                .where(AccountToken.id == row.id)
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
            db.session.commit()
        page = client.get(path, follow_redirects=True)
        assert "sudah kedaluwarsa" in page.text
        form = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
        client.post(path, data=form)
        assert client.post("/login", data={"login": user.email, "password": NEW_PASSWORD}).status_code == 200

    def test_a_reset_ends_all_sessions(self, app, client, user, outbox):
        phone = device(app, user, ua=ANDROID, remember=True)
        remember = phone.get_cookie("remember_token").value
        path, _token = self.request_link(client, user, outbox)
        form = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
        assert client.post(path, data=form).status_code == 302
        assert phone.get("/account").status_code == 302
        assert replay(app, remember_token=remember).get("/account").status_code == 302


class TestLockout:
    def attempt(self, client, user, ip, password="salah-sekali"):  # noqa: S107
        return client.post(
            "/login", data={"login": user.nip, "password": password}, environ_base={"REMOTE_ADDR": ip}
        )

    def test_owner_still_logs_in_while_a_stranger_hammers_the_account(self, app, client, user):
        codes = [self.attempt(client, user, "203.0.113.66").status_code for _ in range(12)]
        assert codes == [200] * 10 + [429] * 2
        owner = app.test_client()
        response = self.attempt(owner, user, "10.20.30.40", password=PASSWORD)
        assert response.status_code == 302
        assert owner.get("/account").status_code == 200

    def test_the_message_says_how_long_to_wait(self, client, user):
        for _ in range(10):
            self.attempt(client, user, "203.0.113.66")
        response = self.attempt(client, user, "203.0.113.66", password=PASSWORD)  # right password too
        assert response.status_code == 429
        assert re.search(r"Coba lagi dalam (1[0-5]|[1-9]) menit", response.text)
        assert "per 15 minute" not in response.text

    def test_a_slower_limit_per_account_whatever_the_address(self, client, user):
        for n in range(5):
            for _ in range(10):
                assert self.attempt(client, user, f"198.51.100.{n}").status_code == 200
        response = self.attempt(client, user, "198.51.100.99")
        assert response.status_code == 429
        assert "Coba lagi dalam" in response.text

    def test_successful_logins_are_not_counted(self, app, user):
        for _ in range(12):
            browser = app.test_client()
            assert self.attempt(browser, user, "10.0.0.5", password=PASSWORD).status_code == 302

    def test_a_storage_outage_lets_people_in_when_errors_are_swallowed(self, app, client, user, monkeypatch):
        class Broken(login_limits.FixedWindowRateLimiter):
            def test(self, *args, **kwargs):
                raise ConnectionError("redis is down")

            hit = test

        monkeypatch.setattr(login_limits, "FixedWindowRateLimiter", Broken)  # only the login limits
        monkeypatch.setitem(app.config, "RATELIMIT_SWALLOW_ERRORS", True)
        assert self.attempt(client, user, "10.0.0.9").status_code == 200  # wrong password, not counted
        assert self.attempt(client, user, "10.0.0.9", password=PASSWORD).status_code == 302


class TestDeactivation:
    def test_deactivating_a_person_ends_their_sessions(self, app, db, make_user, agency, user, login, client):
        phone = device(app, user, ua=ANDROID, remember=True)
        remember = phone.get_cookie("remember_token").value
        login(make_user(agency, roles=(Role.AGENCY_ADMIN,)))
        response = client.post(f"/admin/people/{user.id}", data={"roles": ["learner"], "unit_id": ""})
        assert response.status_code == 302
        assert phone.get("/account").status_code == 302
        with app.app_context():
            assert (
                db.session.scalar(
                    sa.select(sa.func.count()).where(
                        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
                    )
                )
                == 0
            )
        assert replay(app, remember_token=remember).get("/account").status_code == 302
