"""The webinar room in a real browser: two participants, one chats, the other sees it live."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.extensions import socketio
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


def seed_room():
    agency = factories.agency(code="WEBE2E")
    trainer = factories.user(agency, roles=(Role.TRAINER,), name="Pemandu Webinar")
    ani = factories.user(agency, name="Ani Lestari")
    budi = factories.user(agency, name="Budi Santoso")
    webinar = factories.webinar(trainer, title="Webinar Hak 20 JP", video_url="https://us02web.zoom.us/j/123")
    factories.registration(webinar, ani)
    factories.registration(webinar, budi)
    return webinar.id, ani.email, budi.email


def test_two_participants_chat_live(contexts, live_db, live_scalar, live_socketio):
    webinar_id, ani_email, budi_email = live_db(seed_room)
    pages = {}
    for email in (ani_email, budi_email):
        page = contexts.new().new_page()
        assert log_in(page, email).status == 302
        page.goto(f"/webinars/{webinar_id}/room")
        expect(page.get_by_role("status")).to_have_text(re.compile("Tersambung"))
        pages[email] = page
    ani, budi = pages[ani_email], pages[budi_email]
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
    for page in pages.values():
        page.close()
    deadline = time.monotonic() + 10
    while live_scalar(open_connections) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert live_scalar(open_connections) == 0
