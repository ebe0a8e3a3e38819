"""A trainer runs a real webinar in the browser with two participants, each in their own browser.

Q&A (ask, upvote, answered), a poll (draft, open, votes, close, refused after close), moderation
(pin, delete, mute), the present list for the moderator only, the end of the session, and the
attendance report afterwards: both participants present, their earlier intervals (a dropped
phone, a second device) counted once.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.extensions import socketio
from lms.webinars.models import Attendance, ChatMessage, PollVote, WebinarConnection
from tests import factories

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.e2e.steps import PHONE, log_in, submit  # noqa: E402

pytestmark = pytest.mark.e2e

MUTED = "Pemandu menonaktifkan obrolan Anda di webinar ini."


@pytest.fixture
def live_socketio(live_app):
    """Socket.IO keeps one server per process (the last app created); point it at the live app's."""
    previous = socketio.server
    socketio.server = live_app.wsgi_app.engineio_app
    yield
    socketio.server = previous


def seed_webinar():
    """Started ten minutes ago; Ani's phone dropped half a minute ago, Budi used two devices."""
    agency = factories.agency(code="WEBMOD")
    trainer = factories.user(agency, roles=(Role.TRAINER,), name="Drs. Pemandu Utama")
    ani = factories.user(agency, name="Ani Lestari")
    budi = factories.user(agency, name="Budi Santoso")
    starts_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    webinar = factories.webinar(
        trainer, starts_at=starts_at, title="Manajemen Talenta ASN", video_url="https://us02web.zoom.us/j/987"
    )
    for person in (ani, budi):
        factories.registration(webinar, person)
    recent = datetime.now(UTC) - timedelta(seconds=30)
    for person, sid, begin, end in (
        (ani, "ani-phone", starts_at, recent),
        (budi, "budi-laptop", starts_at, recent - timedelta(minutes=3)),
        (budi, "budi-phone", starts_at + timedelta(minutes=2), recent),
    ):
        factories.db.session.add(
            WebinarConnection(
                webinar_id=webinar.id,
                user_id=person.id,
                sid=sid,
                joined_at=begin,
                last_seen_at=end,
                closed_at=end,
                close_reason="left",
            )
        )
    return webinar.id, {"trainer": trainer.email, "ani": ani.email, "budi": budi.email}


def enter(contexts, login: str, webinar_id: int) -> Page:
    page = contexts.new().new_page()
    assert log_in(page, login).status == 302
    page.goto(f"/webinars/{webinar_id}/room")
    expect(page.locator("#room-status")).to_have_text(re.compile("Tersambung"))
    return page


def say_in_chat(page: Page, text: str) -> None:
    page.get_by_label("Pesan Anda").fill(text)
    page.get_by_role("button", name="Kirim", exact=True).click()


def message(page: Page, text: str):
    return page.locator("#messages li").filter(has_text=text)


def test_trainer_runs_a_webinar_with_two_participants(
    contexts, live_app, live_db, live_scalar, live_socketio, monkeypatch
):
    # A test types faster than people do; the per-person message limit has its own tests.
    monkeypatch.setitem(live_app.config, "WEBINAR_MESSAGE_RATE_LIMIT", "1000 per 10 seconds")
    webinar_id, logins = live_db(seed_webinar)
    trainer = enter(contexts, logins["trainer"], webinar_id)

    # The trainer prepares a poll before the others come in (the form reloads the page).
    trainer.get_by_text("Siapkan jajak pendapat baru").click()
    trainer.get_by_label("Pertanyaan", exact=True).fill("Sudahkah Anda memenuhi 20 JP tahun ini?")
    trainer.get_by_label("Pilihan jawaban").fill("Sudah\nBelum\n")
    assert submit(trainer, trainer.get_by_role("button", name="Simpan sebagai draf")).status == 302
    expect(trainer.locator(".flash-success")).to_contain_text("Jajak pendapat disimpan")
    expect(trainer.locator("#room-status")).to_have_text(re.compile("Tersambung"))

    ani = enter(contexts, logins["ani"], webinar_id)
    budi = enter(contexts, logins["budi"], webinar_id)
    expect(ani.get_by_role("link", name="Buka video di aplikasinya")).to_have_attribute(
        "href", "https://us02web.zoom.us/j/987"
    )

    # Who is present: the moderator sees both participants; participants see no such list.
    expect(trainer.locator("#present")).to_contain_text("Ani Lestari")
    expect(trainer.locator("#present")).to_contain_text("Budi Santoso")
    for page in (ani, budi):
        expect(page.get_by_role("heading", name=re.compile("Hadir sekarang"))).to_have_count(0)
        expect(page.locator("#present")).to_have_count(0)
    # A draft poll is the moderator's alone.
    expect(ani.locator("#poll-list")).not_to_contain_text("20 JP")

    # ---- Q&A: Ani asks, Budi supports it, everyone sees the count, the trainer answers it.
    ani.get_by_label("Pertanyaan Anda").fill("Apakah webinar ini dihitung **2 JP**?")
    ani.get_by_role("button", name="Ajukan pertanyaan").click()
    question = {
        name: page.locator("#questions li").filter(has_text="dihitung")
        for name, page in (("trainer", trainer), ("ani", ani), ("budi", budi))
    }
    expect(question["budi"].locator("strong")).to_have_text("2 JP")
    expect(question["ani"].get_by_role("button", name="Dukung")).to_have_count(0)  # not her own
    question["budi"].get_by_role("button", name="Dukung").click()
    for item in question.values():
        expect(item.locator(".votes")).to_have_text("1")
    expect(question["budi"].get_by_role("button", name="Dukung")).to_have_count(0)  # once is enough
    expect(question["ani"].get_by_role("button", name="Tandai terjawab")).to_have_count(0)
    question["trainer"].get_by_role("button", name="Tandai terjawab").click()
    for item in question.values():
        expect(item).to_contain_text("terjawab")
        expect(item).to_have_class(re.compile("answered"))

    # ---- Poll: the trainer opens it, both vote, the trainer watches, then closes it.
    trainer.locator(".poll").filter(has_text="20 JP").get_by_role("button", name="Buka").click()
    poll = {
        name: page.locator(".poll").filter(has_text="20 JP")
        for name, page in (("trainer", trainer), ("ani", ani), ("budi", budi))
    }
    poll["ani"].get_by_role("button", name="Sudah").click()
    expect(poll["ani"]).to_contain_text("suara Anda tercatat")
    poll["budi"].get_by_role("button", name="Belum").click()
    expect(poll["budi"]).to_contain_text("suara Anda tercatat")
    expect(poll["trainer"].locator("li").filter(has_text="Sudah")).to_contain_text("1 suara")
    expect(poll["trainer"].locator("li").filter(has_text="Belum")).to_contain_text("1 suara")
    expect(poll["ani"]).not_to_contain_text("1 suara")  # participants see results at the close
    poll["trainer"].get_by_role("button", name="Tutup").click()
    for item in poll.values():
        expect(item.locator("li").filter(has_text="Sudah")).to_contain_text("1 suara")
        expect(item.locator("li").filter(has_text="Belum")).to_contain_text("1 suara")
        expect(item).to_contain_text("ditutup")
    expect(poll["trainer"].get_by_role("button", name="Tutup")).to_have_count(0)
    expect(poll["budi"].get_by_role("button")).to_have_count(0)
    # A late vote (a stale page, a crafted event) is refused by the server.
    refused = budi.evaluate(
        """([webinarId, pollId, optionId]) => new Promise((resolve) => {
             const s = io("/webinar", { forceNew: true });
             s.on("connect", () => s.emit("join", { webinar_id: webinarId }, () =>
               s.emit("vote", { webinar_id: webinarId, poll_id: pollId, option_id: optionId },
                 (reply) => { s.disconnect(); resolve(reply); })));
           })""",
        [
            webinar_id,
            int(poll["budi"].get_attribute("data-poll-id")),
            int(poll["budi"].locator("li").first.get_attribute("data-option-id")),
        ],
    )
    assert refused == {"ok": False, "error": "Jajak pendapat ini tidak sedang dibuka."}
    assert live_scalar(sa.select(sa.func.count()).select_from(PollVote)) == 2

    # ---- Moderation: pin, delete, mute.
    say_in_chat(ani, "Materi slide bisa diunduh di tautan panitia.")
    say_in_chat(budi, "Promo pulsa murah, hubungi saya!")
    for page in (trainer, ani, budi):
        expect(message(page, "Promo pulsa")).to_have_count(1)
        expect(message(page, "Materi slide")).to_have_count(1)
    expect(message(ani, "Promo pulsa").get_by_role("button")).to_have_count(0)  # no tools for her

    message(trainer, "Materi slide").get_by_role("button", name="Sematkan").click()
    for page in (trainer, ani, budi):
        expect(page.locator("#pinned")).to_be_visible()
        expect(page.locator("#pinned")).to_contain_text("Ani Lestari: Materi slide bisa diunduh")

    message(trainer, "Promo pulsa").get_by_role("button", name="Hapus").click()
    for page in (trainer, ani, budi):
        expect(message(page, "Promo pulsa")).to_have_count(0)
    expect(ani.locator("#pinned")).to_contain_text("Materi slide")  # the pin stays

    message(trainer, "Materi slide").get_by_role("button", name="Hapus").click()  # a pinned one
    for page in (trainer, ani, budi):
        expect(message(page, "Materi slide")).to_have_count(0)
        expect(page.locator("#pinned")).to_be_hidden()

    say_in_chat(budi, "Maaf, tadi salah kirim.")
    expect(message(trainer, "salah kirim")).to_have_count(1)
    message(trainer, "salah kirim").get_by_role("button", name="Bisukan").click()
    expect(message(trainer, "salah kirim").get_by_role("button", name="Izinkan bicara")).to_be_visible()
    say_in_chat(budi, "Saya masih ingin bertanya.")
    expect(budi.locator("#chat-form [role=alert]")).to_have_text(MUTED)
    expect(budi.get_by_label("Pesan Anda")).to_have_value("Saya masih ingin bertanya.")  # kept to copy
    say_in_chat(ani, "Terima kasih, Bapak.")
    expect(message(budi, "Terima kasih, Bapak.")).to_have_count(1)
    expect(message(ani, "masih ingin")).to_have_count(0)
    assert live_scalar(sa.select(sa.func.count()).where(ChatMessage.body.contains("masih ingin"))) == 0

    # ---- The trainer ends the session: everyone is told, the room is read-only.
    trainer.once("dialog", lambda dialog: dialog.accept())
    trainer.get_by_role("button", name="Akhiri webinar").click()
    for page in (ani, budi):
        expect(page.locator("#room-status")).to_have_text(re.compile("Webinar telah diakhiri oleh pemandu"))
        expect(page.get_by_label("Pesan Anda")).to_be_hidden()
        expect(page.get_by_label("Pertanyaan Anda")).to_be_hidden()
        expect(page.get_by_role("button", name="Dukung")).to_have_count(0)
    expect(trainer.get_by_role("button", name="Hapus")).to_have_count(0)
    expect(trainer.get_by_role("button", name="Akhiri webinar")).to_be_hidden()
    ani.reload()
    expect(ani.get_by_text("Webinar ini sudah selesai")).to_be_visible()
    expect(ani.locator("#questions")).to_contain_text("dihitung")  # the history stays
    expect(ani.get_by_label("Pesan Anda")).to_have_count(0)

    # ---- The attendance report: both present, with their minutes, once each.
    trainer.get_by_role("link", name="Laporan kehadiran").click()
    expect(trainer.get_by_text("Kehadiran final dihitung")).to_be_visible()
    for name in ("Ani Lestari", "Budi Santoso"):
        row = trainer.locator("tbody tr").filter(has_text=name)
        expect(row.locator("td").nth(7)).to_contain_text("Ya")
        minutes = int(row.locator("td").nth(5).inner_text())
        assert 9 <= minutes <= 11
    expect(trainer.locator("tbody tr")).to_have_count(2)  # the trainer is not a participant

    with trainer.expect_download() as download:
        trainer.get_by_role("link", name="Unduh CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text("utf-8-sig")), delimiter=";"))
    assert rows[0][-3:] == ["Menit", "Persentase kehadiran", "Hadir"]
    by_name = {r[1]: r for r in rows[1:]}
    assert set(by_name) == {"Ani Lestari", "Budi Santoso"}
    for r in by_name.values():
        assert r[7] == "Ya" and 9 <= int(r[5]) <= 11 and r[3] and r[4]

    with trainer.expect_download() as download:
        trainer.get_by_role("link", name="Unduh XLSX").click()
    with zipfile.ZipFile(download.value.path()) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count("<t>Ya</t>") == 2 and "Ani Lestari" in sheet and "Budi Santoso" in sheet

    present = sa.select(sa.func.count()).where(Attendance.webinar_id == webinar_id, Attendance.present)
    assert live_scalar(present) == 2


def seed_two_devices():
    agency = factories.agency(code="WEBDEV")
    trainer = factories.user(agency, roles=(Role.TRAINER,), name="Drs. Pemandu Utama")
    budi = factories.user(agency, name="Budi Santoso")
    webinar = factories.webinar(trainer, title="Webinar Dua Perangkat")
    factories.registration(webinar, budi)
    return webinar.id, budi.id, {"trainer": trainer.email, "budi": budi.email}


def test_one_person_on_two_devices_is_present_once(contexts, live_app, live_db, live_scalar, live_socketio):
    webinar_id, budi_id, logins = live_db(seed_two_devices)
    trainer = enter(contexts, logins["trainer"], webinar_id)
    laptop = enter(contexts, logins["budi"], webinar_id)
    phone_context = contexts.new(**PHONE)
    phone = phone_context.new_page()
    assert log_in(phone, logins["budi"]).status == 302
    phone.goto(f"/webinars/{webinar_id}/room")
    expect(phone.locator("#room-status")).to_have_text(re.compile("Tersambung"))

    present = trainer.locator("#present li").filter(has_text="Budi Santoso")
    expect(present).to_have_count(1)
    open_budi = sa.select(sa.func.count()).where(
        WebinarConnection.webinar_id == webinar_id,
        WebinarConnection.user_id == budi_id,
        WebinarConnection.closed_at.is_(None),
    )
    assert live_scalar(open_budi) == 2

    # A closed websocket is noticed at once; a page that closes while still on its first
    # transport (long polling, before the upgrade) only at the ping timeout, 45 s later. On a
    # busy machine the upgrade can come after "Tersambung": wait for it (this journey's flake).
    # The phone connected last, so its engine.io socket is the newest.
    engine = live_app.wsgi_app.engineio_app.eio
    wait_until(lambda: list(engine.sockets.values())[-1].upgraded)
    phone.close()  # the phone leaves; the laptop is still in the room
    wait_until(lambda: live_scalar(open_budi) == 1)
    say_in_chat(laptop, "Saya masih di sini dari laptop.")
    expect(message(trainer, "masih di sini")).to_have_count(1)
    expect(present).to_have_count(1)

    laptop.close()  # now nobody of Budi's is in the room
    expect(present).to_have_count(0)
    assert live_scalar(open_budi) == 0

    again = contexts.new(**PHONE).new_page()
    assert log_in(again, logins["budi"]).status == 302
    again.goto(f"/webinars/{webinar_id}/room")
    expect(present).to_have_count(1)

    trainer.once("dialog", lambda dialog: dialog.accept())
    trainer.get_by_role("button", name="Akhiri webinar").click()
    expect(again.locator("#room-status")).to_have_text(re.compile("Webinar telah diakhiri"))
    trainer.goto(f"/webinars/{webinar_id}/attendance")
    expect(trainer.locator("tbody tr")).to_have_count(1)
    expect(trainer.locator("tbody tr")).to_contain_text("Budi Santoso")
    records = sa.select(sa.func.count()).where(
        Attendance.webinar_id == webinar_id, Attendance.user_id == budi_id
    )
    assert live_scalar(records) == 1
    assert live_scalar(sa.select(sa.func.count()).where(WebinarConnection.closed_at.is_(None))) == 0


def wait_until(condition, seconds: float = 10) -> None:
    """Poll the live database until the server has done its part (not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the server did not get there in time"
        time.sleep(0.1)


def seed_with_history():
    agency = factories.agency(code="WEBNOJS")
    trainer = factories.user(agency, roles=(Role.TRAINER,), name="Drs. Pemandu Utama")
    citra = factories.user(agency, name="Citra Dewi")
    webinar = factories.webinar(
        trainer, title="Webinar Tanpa Skrip", video_url="https://us02web.zoom.us/j/555"
    )
    for i in range(60):
        factories.db.session.add(
            ChatMessage(webinar_id=webinar.id, user_id=trainer.id, body=f"Catatan ke-{i}")
        )
    return webinar.id, citra.email


def test_without_javascript_a_participant_registers_and_follows_the_room(contexts, live_db):
    webinar_id, citra_email = live_db(seed_with_history)
    page = contexts.new(java_script_enabled=False).new_page()
    assert log_in(page, citra_email).status == 302
    page.goto("/webinars/")
    page.get_by_role("link", name="Webinar Tanpa Skrip").click()
    assert submit(page, page.get_by_role("button", name="Daftar", exact=True)).status == 302
    expect(page.locator(".flash-success")).to_contain_text("Anda terdaftar")
    page.goto("/")
    page.get_by_role("link", name="Masuk ruang").click()

    expect(page).to_have_url(re.compile(f"/webinars/{webinar_id}/room$"))
    expect(page.get_by_role("link", name="Buka video di aplikasinya")).to_have_attribute(
        "href", "https://us02web.zoom.us/j/555"
    )
    expect(page.locator("#room-status")).to_have_text(re.compile("memerlukan JavaScript"))
    expect(page.get_by_label("Pesan Anda")).to_be_hidden()
    expect(page.locator("#messages li")).to_have_count(50)
    expect(page.locator("#messages")).to_contain_text("Catatan ke-59")
    page.get_by_role("link", name="Pesan sebelumnya").click()  # history in pages, as plain links
    expect(page.locator("#messages li")).to_have_count(10)
    expect(page.locator("#messages")).to_contain_text("Catatan ke-0")
    page.get_by_role("link", name="Pesan terbaru").click()
    expect(page.locator("#messages")).to_contain_text("Catatan ke-59")
