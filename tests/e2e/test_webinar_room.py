"""The webinar room in a real browser: two participants, one chats, the other sees it live."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from flask import request

from lms.accounts.models import Role, User
from lms.extensions import db, socketio
from lms.webinars.events import WebinarNamespace
from lms.webinars.models import WebinarConnection
from tests import factories

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
from playwright.sync_api import expect  # noqa: E402

from tests.e2e.steps import log_in  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_socketio(live_app):
    """Socket.IO keeps one server per process (the last app created); point it at the live app's."""
    previous = socketio.server
    socketio.server = live_app.wsgi_app.engineio_app  # the Socket.IO server its middleware serves
    yield
    socketio.server = previous


def seed_room(code="WEBE2E"):
    agency = factories.agency(code=code)
    trainer = factories.user(agency, roles=(Role.TRAINER,), name="Pemandu Webinar")
    ani = factories.user(agency, name="Ani Lestari")
    budi = factories.user(agency, name="Budi Santoso")
    webinar = factories.webinar(trainer, title="Webinar Hak 20 JP", video_url="https://us02web.zoom.us/j/123")
    factories.registration(webinar, ani)
    factories.registration(webinar, budi)
    return webinar.id, ani.email, budi.email


def enter_room(contexts, webinar_id: int, *emails: str) -> list:
    """A page per person, each logged in on its own browser and connected to the room."""
    pages = []
    for email in emails:
        page = contexts.new().new_page()
        assert log_in(page, email).status == 302
        page.goto(f"/webinars/{webinar_id}/room")
        expect(page.get_by_role("status")).to_have_text(re.compile("Tersambung"))
        pages.append(page)
    return pages


def test_two_participants_chat_live(contexts, live_db, live_scalar, live_socketio):
    webinar_id, ani_email, budi_email = live_db(seed_room)
    ani, budi = enter_room(contexts, webinar_id, ani_email, budi_email)
    expect(ani.get_by_role("link", name="Buka video di aplikasinya")).to_have_attribute(
        "href", "https://us02web.zoom.us/j/123"
    )

    ani.get_by_label("Pesan Anda").fill("Selamat pagi, <b>Bapak/Ibu</b>!")
    ani.get_by_role("button", name="Kirim", exact=True).click()

    message = budi.locator("#messages li").filter(has_text="Selamat pagi")
    expect(message).to_contain_text("Ani Lestari")
    expect(message.locator(".text")).to_have_text("Selamat pagi, Bapak/Ibu!")
    expect(ani.get_by_label("Pesan Anda")).to_have_value("")
    open_connections = sa.select(sa.func.count()).where(
        WebinarConnection.webinar_id == webinar_id, WebinarConnection.closed_at.is_(None)
    )
    assert live_scalar(open_connections) == 2

    # Leaving closes the attendance intervals (and the server is done before the test ends).
    for page in (ani, budi):
        page.close()
    deadline = time.monotonic() + 10
    while live_scalar(open_connections) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert live_scalar(open_connections) == 0


def drop_link(webinar_id: int, user_id: int, live_scalar) -> None:
    """Cut a participant's link under the Socket.IO session (engine.io), as a dropped mobile
    connection does: the page's socket.io connects again by itself."""
    sid = live_scalar(
        sa.select(WebinarConnection.sid).where(
            WebinarConnection.webinar_id == webinar_id,
            WebinarConnection.user_id == user_id,
            WebinarConnection.closed_at.is_(None),
        )
    )
    eio = socketio.server.eio
    # Without waiting for the socket's send queue to drain (`eio.disconnect` does): from this
    # thread, that wait could outlast the test.
    eio.sockets[socketio.server.manager.eio_sid_from_sid(sid, "/webinar")].close(wait=False)


def test_the_page_joins_in_the_connect_once_and_again_after_a_dropped_link(
    contexts, live_db, live_scalar, live_socketio, monkeypatch
):
    """Issue 15: the page names its webinar when it connects, and the connect is the join; no
    second join follows. After a dropped link socket.io connects again with the same auth, which
    joins again; when that connect is refused (here: the account was deactivated meanwhile), the
    page says why and offers nothing more to send."""
    joins = []
    do_join = WebinarNamespace.do_join

    def counted(self, access, user, webinar, data):
        joins.append(user.id)
        return do_join(self, access, user, webinar, data)

    monkeypatch.setattr(WebinarNamespace, "do_join", counted)
    sent = []  # the events the pages send (a join event would be a second join)
    dispatch = WebinarNamespace._dispatch

    def recorded(self, *args):
        sent.append(request.event["message"])
        return dispatch(self, *args)

    monkeypatch.setattr(WebinarNamespace, "_dispatch", recorded)
    webinar_id, ani_email, budi_email = live_db(seed_room, "WEBJOIN")
    ani_id, budi_id = (
        live_scalar(sa.select(User.id).where(User.email == email)) for email in (ani_email, budi_email)
    )
    ani, budi = enter_room(contexts, webinar_id, ani_email, budi_email)
    assert sorted(joins) == sorted([ani_id, budi_id])  # one join each, in the connect
    open_of = sa.select(sa.func.count()).where(
        WebinarConnection.webinar_id == webinar_id, WebinarConnection.closed_at.is_(None)
    )
    assert live_scalar(open_of) == 2

    # The link drops: socket.io connects again, and that connect joins again (once).
    drop_link(webinar_id, ani_id, live_scalar)
    expect(ani.get_by_role("status")).to_have_text(re.compile("Tersambung"), timeout=15_000)
    deadline = time.monotonic() + 10
    # Back after a drop, the page asks for what was said meanwhile (after its `joined`).
    while (joins.count(ani_id) < 2 or "history" not in sent) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # a second join, if the page sent one, would be counted by now
    assert joins.count(ani_id) == 2 and live_scalar(open_of) == 2
    assert "join" not in sent and "history" in sent
    budi.get_by_label("Pesan Anda").fill("Sudah kembali, Bu Ani?")
    budi.get_by_role("button", name="Kirim", exact=True).click()
    expect(ani.locator("#messages li").filter(has_text="Sudah kembali")).to_have_count(1)

    # Refused at the reconnect: the reason is shown and the forms are gone.
    live_db(db_deactivate, ani_id)
    drop_link(webinar_id, ani_id, live_scalar)
    expect(ani.get_by_role("status")).to_have_text(
        "Silakan masuk terlebih dahulu untuk bergabung ke webinar.", timeout=15_000
    )
    expect(ani.get_by_label("Pesan Anda")).to_be_hidden()
    assert joins.count(ani_id) == 2 and "join" not in sent
    for page in (ani, budi):
        page.close()


def db_deactivate(user_id: int) -> None:
    db.session.get(User, user_id).active = False
