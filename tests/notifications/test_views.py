"""The bell on every page, the notifications page and the mail settings, through HTTP."""

import re

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db
from lms.notifications import kinds, services
from lms.notifications.models import MailOptOut, Notification


@pytest.fixture
def ani(make_agency, make_user):
    return make_user(make_agency(code="BEL"), name="Ani Lestari")


@pytest.fixture
def budi(make_user):
    return make_user(name="Budi Santoso")


def add_notices(app, user, n, *, kind=kinds.COURSE_ASSIGNED, path="/courses/"):
    with app.test_request_context():
        person = db.session.get(User, user.id)
        ids = [
            services.notify(person, kind, f"k{i}", {"course": f"Kursus {i}", "due_date": None}, path=path).id
            for i in range(n)
        ]
        db.session.commit()
    return ids


def unread_of(app, user) -> tuple[int, int]:
    """The counter on the user row and the unread rows: they must agree."""
    with app.app_context():
        counter = db.session.scalar(sa.select(User.unread_notifications).where(User.id == user.id))
        rows = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        return counter, rows


def bell(html: str) -> str:
    return re.search(r'<a href="/notifications/" class="bell"[^>]*>.*?</a>', html, re.S).group(0)


def test_the_bell_shows_the_unread_count_with_a_label(app, client, login, ani):
    login(ani)
    assert 'aria-label="Pemberitahuan, tidak ada yang baru"' in bell(client.get("/").text)
    add_notices(app, ani, 3)
    shown = bell(client.get("/courses/").text)
    assert 'aria-label="Pemberitahuan, 3 belum dibaca"' in shown and ">3</span>" in shown
    client.post("/logout")
    assert 'class="bell"' not in client.get("/login").text


def test_the_bell_adds_no_statement_to_a_page(app, client, login, ani, count_queries):
    login(ani)
    client.get("/certificates/")
    with count_queries() as without:
        client.get("/certificates/")
    add_notices(app, ani, 5)
    with count_queries() as with_five:
        page = client.get("/certificates/").text
    assert ">5</span>" in page
    assert len(with_five) == len(without)
    assert not any(
        "notifications" in statement.replace("unread_notifications", "") for statement in with_five
    )


def test_the_page_lists_newest_first_and_pages(app, client, login, ani):
    add_notices(app, ani, 25)
    login(ani)
    page = client.get("/notifications/").text
    assert page.index("Kursus ditugaskan: Kursus 24") < page.index("Kursus ditugaskan: Kursus 23")
    assert "Kursus ditugaskan: Kursus 4<" not in page and 'rel="next"' in page
    assert "Kursus ditugaskan: Kursus 4<" in client.get("/notifications/?page=2").text
    assert client.get("/notifications/?page=99").status_code == 200


def test_opening_a_notice_marks_it_read_and_goes_to_its_page(app, client, login, ani):
    first, _second = add_notices(app, ani, 2, path="/courses/")
    login(ani)
    response = client.post(f"/notifications/{first}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/courses/"
    assert unread_of(app, ani) == (1, 1)
    client.post(f"/notifications/{first}/open")  # again: nothing changes
    assert unread_of(app, ani) == (1, 1)
    assert 'aria-label="Pemberitahuan, 1 belum dibaca"' in client.get("/notifications/").text


def test_someone_elses_notice_is_not_found(app, client, login, ani, budi):
    [theirs] = add_notices(app, budi, 1)
    login(ani)
    assert client.post(f"/notifications/{theirs}/open").status_code == 404
    assert client.post("/notifications/999999999/open").status_code == 404
    assert client.post("/notifications/99999999999999999999/open").status_code == 404
    assert unread_of(app, budi) == (1, 1)


def test_mark_all_read(app, client, login, ani, budi):
    add_notices(app, ani, 3)
    add_notices(app, budi, 2)
    login(ani)
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "3 pemberitahuan ditandai sudah dibaca" in response.text
    assert unread_of(app, ani) == (0, 0) and unread_of(app, budi) == (2, 2)
    assert "Tandai semua sudah dibaca" not in client.get("/notifications/").text


def test_settings_choose_the_kinds_that_come_by_mail(app, client, login, ani):
    login(ani)
    page = client.get("/notifications/settings").text
    assert page.count('type="checkbox" name="kinds"') == len(kinds.KINDS) and page.count(" checked") == len(
        kinds.KINDS
    )
    response = client.post(
        "/notifications/settings", data={"kinds": [kinds.CERTIFICATE_ISSUED, "no-such-kind\u00e9"]}
    )
    assert response.status_code == 302
    with app.app_context():
        off = set(db.session.scalars(sa.select(MailOptOut.kind).where(MailOptOut.user_id == ani.id)))
    assert off == set(kinds.KINDS) - {kinds.CERTIFICATE_ISSUED}
    assert client.get("/notifications/settings").text.count(" checked") == 1
    assert "/notifications/settings" in client.get("/account").text


def test_anonymous_visitors_are_sent_to_login(client):
    for url in ("/notifications/", "/notifications/settings"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_posts_need_the_csrf_token(app, client, login, ani, monkeypatch):
    [notice] = add_notices(app, ani, 1)
    login(ani)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for url in (f"/notifications/{notice}/open", "/notifications/read-all", "/notifications/settings"):
        assert client.post(url).status_code == 400
    assert unread_of(app, ani) == (1, 1)
    page = client.get("/notifications/").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/notifications/read-all", data={"csrf_token": token}).status_code == 302
    assert unread_of(app, ani) == (0, 0)


def test_english_page(app, client, login, ani):
    add_notices(app, ani, 1)
    login(ani)
    client.post("/language", data={"lang": "en", "next": "/notifications/"})
    page = client.get("/notifications/").text
    assert "Course assigned: Kursus 0" in page and 'aria-label="Notifications, 1 unread"' in page


def test_opening_and_reading_all_read_nothing_after_the_commit(app, client, login, ani, expiring_sessions):
    """With sessions that expire at commit, as production's: the redirect read the opened
    notice's path (a reload of the notice), and "read all"'s message its locale (a reload of the
    user). Both are taken before the commit now."""
    from tests.reloads import recording

    first, _second, _third = add_notices(app, ani, 3, path="/courses/")
    login(ani)
    with recording(app) as statements:
        response = client.post(f"/notifications/{first}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/courses/"
    assert statements.after_commit == []
    # user; the notice; its UPDATE; the counter's UPDATE
    assert len(statements.all) == 4, statements.all
    with recording(app) as statements:
        response = client.post("/notifications/read-all")
    assert response.status_code == 302
    assert statements.after_commit == []
    # user; the notices' UPDATE; the counter's UPDATE
    assert len(statements.all) == 3, statements.all
    assert "2 pemberitahuan ditandai sudah dibaca." in client.get("/notifications/").text
    assert unread_of(app, ani) == (0, 0)
