import gzip
import io
import re
import zipfile
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.webinars import attendance as webinar_attendance
from lms.webinars import room as webinar_room
from lms.webinars.models import Attendance, AttendanceCorrection, ChatMessage, Registration, Webinar
from tests import factories
from tests.webinars.conftest import at

LIVE = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)


def schedule_form(**over):
    data = {
        "title": "Manajemen Talenta ASN",
        "description": "Sesi **tanya jawab**.",
        "timezone": "Asia/Makassar",
        "starts_local": "2030-03-04T09:00",
        "ends_local": "2030-03-04T11:30",
        "jp": "2",
        "present_threshold": "80",
        "video_url": "https://meet.jit.si/ManajemenTalentaASN",
        "course_id": "",
    }
    data.update(over)
    return data


class TestSchedule:
    def test_trainer_schedules_in_their_zone_and_it_is_stored_in_utc(self, app, db, client, login, people):
        login(people["trainer"])
        response = client.post("/webinars/new", data=schedule_form())
        assert response.status_code == 302
        with app.app_context():
            webinar = db.session.scalar(sa.select(Webinar).where(Webinar.host_id == people["trainer"].id))
            assert webinar.starts_at == datetime(2030, 3, 4, 1, 0, tzinfo=UTC)  # 09:00 WITA
            assert webinar.ends_at == datetime(2030, 3, 4, 3, 30, tzinfo=UTC)
            assert webinar.timezone == "Asia/Makassar" and webinar.host_id == people["trainer"].id
            assert "<strong>tanya jawab</strong>" in webinar.description_html
        page = client.get(response.location).text
        assert "Senin, 04 Maret 2030 08.00 WIB" in page  # the trainer's agency reads WIB

    def test_form_errors_are_shown_next_to_the_field(self, client, login, people):
        login(people["trainer"])
        page = client.post("/webinars/new", data=schedule_form(ends_local="2030-03-04T08:00")).text
        assert "Waktu selesai harus sesudah waktu mulai." in page
        page = client.post("/webinars/new", data=schedule_form(present_threshold="120")).text
        assert "Isi angka antara 1 dan 100." in page

    def test_edit_keeps_local_times(self, client, login, people, make_webinar):
        webinar = make_webinar(
            people["trainer"], starts_at=datetime(2030, 1, 1, 2, 0, tzinfo=UTC), timezone="Asia/Jayapura"
        )
        login(people["trainer"])
        page = client.get(f"/webinars/{webinar.id}/edit").text
        assert 'value="2030-01-01T11:00"' in page  # 02:00 UTC is 11:00 WIT


class TestRegistration:
    def test_register_then_open_the_room(self, app, db, client, login, people, make_webinar):
        webinar = make_webinar(people["trainer"], starts_at=LIVE)
        login(people["citra"])
        assert client.get(f"/webinars/{webinar.id}/room").status_code == 403
        client.post(f"/webinars/{webinar.id}/register")
        with app.app_context():
            registered = sa.select(Registration.user_id).where(Registration.webinar_id == webinar.id)
            assert db.session.scalars(registered).all() == [people["citra"].id]
        assert client.get(f"/webinars/{webinar.id}/room").status_code == 200

    def test_home_page_reminds_of_my_webinars(self, client, login, people, make_webinar, make_registration):
        webinar = make_webinar(people["trainer"], starts_at=LIVE, title="Webinar Pagi Ini")
        make_registration(webinar, people["ani"])
        login(people["ani"])
        page = client.get("/").text
        assert "Webinar Pagi Ini" in page and "sedang berlangsung" in page
        assert f"/webinars/{webinar.id}/room" in page


class TestRoom:
    @pytest.fixture
    def room(self, app, db, people, make_webinar, make_registration):
        webinar = make_webinar(
            people["trainer"], starts_at=LIVE, video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"
        )
        make_registration(webinar, people["ani"])
        with app.app_context():
            for i in range(55):
                db.session.add(
                    ChatMessage(webinar_id=webinar.id, user_id=people["ani"].id, body=f"pesan <{i}>")
                )
            db.session.commit()
        return webinar

    def test_page_without_javascript_has_link_schedule_and_history(self, client, login, people, room):
        login(people["ani"])
        response = client.get(f"/webinars/{room.id}/room")
        page = response.text
        assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ" in page
        assert "WIB" in page
        assert "pesan &lt;54&gt;" in page and "pesan &lt;5&gt;" in page and "pesan &lt;4&gt;" not in page
        older = re.search(r'href="([^"]*before=\d+)"', page).group(1).replace("&amp;", "&")
        older_page = client.get(older).text
        assert "pesan &lt;4&gt;" in older_page and "pesan &lt;0&gt;" in older_page
        assert not re.search(r"<script(?![^>]*\bsrc=)", page) and not re.search(r"\son[a-z]+\s*=", page)

    def test_first_visit_stays_light(self, client, login, people, room):
        """HTML, stylesheet and scripts of a first visit, gzipped as sent (55 messages of history)."""
        login(people["ani"])
        gzip_only = {"Accept-Encoding": "gzip"}
        response = client.get(f"/webinars/{room.id}/room", headers=gzip_only)
        assert response.headers["Content-Encoding"] == "gzip"
        sizes = {"html": len(response.data)}
        for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', gzip.decompress(response.data).decode()):
            with client.get(url.replace("&amp;", "&"), headers=gzip_only) as asset:
                assert asset.status_code == 200 and asset.headers.get("Content-Encoding") == "gzip", url
                sizes[url.split("?")[0].rsplit("/", 1)[1]] = len(asset.data)
        # No offline.js: a live room needs the connection anyway (issue 17).
        assert set(sizes) == {"html", "app.css", "socket.io.min.js", "webinar-room.js"}
        assert sizes["webinar-room.js"] <= 5_000 and sum(sizes.values()) <= 28_000, sizes

    def test_a_poll_left_open_shows_its_results_after_the_end(self, app, db, client, login, people, room):
        with app.app_context():
            webinar = db.session.get(Webinar, room.id)
            trainer, ani = (db.session.get(type(people[n]), people[n].id) for n in ("trainer", "ani"))
            poll = webinar_room.create_poll(trainer, webinar, "Materi jelas?", ["Ya", "Belum"], at=LIVE)
            webinar_room.open_poll(trainer, webinar, poll.id, at=LIVE)
            webinar_room.vote(ani, webinar, poll.id, poll.options[0].id)
            webinar.ended_at = LIVE + timedelta(minutes=5)
            db.session.commit()
        login(people["ani"])
        page = client.get(f"/webinars/{room.id}/room").text
        box = page.split("Materi jelas?")[1]
        assert "(ditutup)" in box and re.search(r"Ya</span> — <span class=\"count\">1</span>", box)

    def test_an_open_poll_is_announced_at_the_top_of_the_room(self, app, db, client, login, people, room):
        with app.app_context():
            webinar = db.session.get(Webinar, room.id)
            trainer = db.session.get(type(people["trainer"]), people["trainer"].id)
            poll = webinar_room.create_poll(trainer, webinar, "Materi jelas?", ["Ya", "Belum"], at=LIVE)
            webinar_room.open_poll(trainer, webinar, poll.id, at=LIVE)
            db.session.commit()
            poll_id = poll.id
        login(people["ani"])
        page = client.get(f"/webinars/{room.id}/room").text
        notice = re.search(r'<p id="poll-notice"[^>]*>(.*?)</p>', page, re.S)
        assert notice and "hidden" not in notice.group(0).split(">")[0]
        assert "Materi jelas?" in notice.group(1) and f'href="#poll-{poll_id}"' in notice.group(1)
        assert page.index('id="poll-notice"') < page.index('id="messages"')  # above the chat

    def test_moderator_prepares_polls_before_the_room_opens(self, client, login, people, make_webinar):
        webinar = make_webinar(people["trainer"], starts_at=datetime.now(UTC) + timedelta(days=2))
        login(people["trainer"])
        page = client.get(f"/webinars/{webinar.id}/room").text
        assert "Siapkan jajak pendapat baru" in page and "webinar-room.js" not in page

    def test_embed_only_for_allow_listed_platforms_with_csp_for_this_page(
        self, app, db, client, login, people, room
    ):
        login(people["ani"])
        response = client.get(f"/webinars/{room.id}/room")
        assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in response.text
        assert "frame-src https://www.youtube-nocookie.com" in response.headers["Content-Security-Policy"]
        assert "frame-src" not in client.get(f"/webinars/{room.id}").headers["Content-Security-Policy"]
        with app.app_context():
            db.session.execute(sa.update(Webinar).values(video_url="https://us02web.zoom.us/j/123456789"))
            db.session.commit()
        response = client.get(f"/webinars/{room.id}/room")
        assert "<iframe" not in response.text and "https://us02web.zoom.us/j/123456789" in response.text
        assert "frame-src" not in response.headers["Content-Security-Policy"]

    def test_moderator_ends_the_session_without_javascript(self, app, db, client, login, people, room):
        login(people["ani"])
        assert 'id="end-webinar"' not in client.get(f"/webinars/{room.id}/room").text
        assert client.post(f"/webinars/{room.id}/end").status_code == 403
        client.post("/logout")
        login(people["trainer"])
        assert f'action="/webinars/{room.id}/end"' in client.get(f"/webinars/{room.id}/room").text
        response = client.post(f"/webinars/{room.id}/end", follow_redirects=True)
        assert response.request.path == f"/webinars/{room.id}/attendance"
        assert "Webinar diakhiri." in response.text
        with app.app_context():
            webinar = db.session.get(Webinar, room.id)
            assert webinar.ended_at is not None and webinar.finalized_at is not None
            present = sa.select(Attendance.user_id).where(Attendance.webinar_id == room.id)
            assert db.session.scalars(present).all() == [people["ani"].id]

    def test_a_session_not_started_cannot_be_ended(self, app, db, client, login, people, make_webinar):
        webinar = make_webinar(people["trainer"], starts_at=datetime.now(UTC) + timedelta(days=2))
        login(people["trainer"])
        response = client.post(f"/webinars/{webinar.id}/end", follow_redirects=True)
        assert "Webinar belum dimulai, jadi belum dapat diakhiri." in response.text
        with app.app_context():
            assert db.session.get(Webinar, webinar.id).ended_at is None

    def test_after_the_end_the_history_stays_and_no_script_is_loaded(
        self, app, db, client, login, people, room
    ):
        with app.app_context():
            db.session.execute(sa.update(Webinar).values(ended_at=LIVE + timedelta(minutes=5)))
            db.session.commit()
        login(people["ani"])
        page = client.get(f"/webinars/{room.id}/room").text
        assert "sudah selesai" in page and "pesan &lt;54&gt;" in page
        assert "webinar-room.js" not in page


class TestAttendanceReport:
    @pytest.fixture
    def finished(self, app, db, people, make_webinar, make_registration):
        """Ended yesterday: Ani attended 50 of 60 minutes (two tabs), Budi 20, Citra never came."""
        start = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0) - timedelta(days=1)
        webinar = make_webinar(people["trainer"], starts_at=start)
        for name in ("ani", "budi", "citra"):
            make_registration(webinar, people[name])
        with app.app_context():
            webinar = db.session.get(Webinar, webinar.id)
            users = {name: db.session.get(type(people[name]), people[name].id) for name in ("ani", "budi")}
            for sid, name, begin, end in (("a1", "ani", 0, 30), ("a2", "ani", 10, 50), ("b1", "budi", 5, 25)):
                webinar_attendance.join(users[name], webinar, sid, at=at(begin, start))
                for half in range(begin * 2 + 1, end * 2):
                    webinar_attendance.heartbeat(users[name], webinar, sid, at=at(half / 2, start))
                webinar_attendance.leave(sid, at=at(end, start))
            webinar_attendance.finalize(webinar, at=at(61, start))
            db.session.commit()
        return webinar

    def test_csv_in_the_viewers_zone(self, app, db, client, login, people, finished):
        with app.app_context():
            db.session.execute(sa.update(type(people["trainer"])).values(timezone="Asia/Jayapura"))
            db.session.commit()
        login(people["trainer"])
        response = client.get(f"/webinars/{finished.id}/attendance.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        lines = response.text.lstrip("\ufeff").splitlines()
        assert lines[0] == (
            "NIP;Nama;Unit kerja;Pertama masuk (WIT);Terakhir keluar (WIT);Menit;Persentase kehadiran;Hadir"
        )
        day = (finished.starts_at + timedelta(hours=9)).strftime("%Y-%m-%d")
        ani = people["ani"]
        assert lines[1] == f"{ani.nip};Ani Lestari;{ani.unit.name};{day} 10:00;{day} 10:50;50;83.3%;Ya"
        assert lines[2].endswith(f"{day} 10:05;{day} 10:25;20;33.3%;Tidak")
        assert lines[3].startswith(people["citra"].nip) and lines[3].endswith(";;;0;0.0%;Tidak")
        assert len(lines) == 4

    def test_xlsx_has_the_same_rows(self, client, login, people, finished):
        login(people["trainer"])
        response = client.get(f"/webinars/{finished.id}/attendance.xlsx")
        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(response.data)) as book:
            sheet = book.read("xl/worksheets/sheet1.xml").decode()
        cells = {
            ref: float(value) if value else text
            for ref, text, value in re.findall(
                r'<c r="([A-Z]+\d+)"[^>]*>(?:<is><t>([^<]*)</t></is>|<v>([^<]*)</v>)</c>', sheet
            )
        }
        assert cells["D2"] == "Pertama masuk (WIB)" and cells["H2"] == "Hadir"
        assert (cells["A3"], cells["B3"], cells["F3"], cells["G3"], cells["H3"]) == (
            people["ani"].nip,
            "Ani Lestari",
            50,
            0.8333,
            "Ya",
        )
        first_join_wib = finished.starts_at.replace(tzinfo=None) + timedelta(hours=7)  # Excel serial days
        assert cells["D3"] == pytest.approx((first_join_wib - datetime(1899, 12, 30)) / timedelta(days=1))
        assert (cells["B5"], cells["F5"], cells["H5"]) == ("Citra Dewi", 0, "Tidak") and "D5" not in cells

    def test_exports_neutralise_formulas_in_names(self, app, db, client, login, people, finished):
        hostile = '=HYPERLINK("http://x","y")'
        with app.app_context():
            db.session.execute(
                sa.update(type(people["ani"]))
                .where(type(people["ani"]).id == people["ani"].id)
                .values(name=hostile)
            )
            db.session.commit()
        login(people["trainer"])
        text = client.get(f"/webinars/{finished.id}/attendance.csv").text
        assert '"\'=HYPERLINK(""http://x"",""y"")"' in text
        assert ";=HYPERLINK" not in text and ';"=HYPERLINK' not in text
        response = client.get(f"/webinars/{finished.id}/attendance.xlsx")
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        names = [row[1] for row in book.active.iter_rows(min_row=3, values_only=True)]
        assert "'" + hostile in names and hostile not in names

    def test_page_lists_people_who_never_joined(self, client, login, people, finished):
        login(people["trainer"])
        page = client.get(f"/webinars/{finished.id}/attendance").text
        never = page.split("tidak pernah bergabung")[1]
        assert "Citra Dewi" in never and "Ani Lestari" not in never

    def test_correction_with_reason(self, app, db, client, login, people, finished):
        login(people["trainer"])
        url = f"/webinars/{finished.id}/attendance/{people['budi'].id}"
        client.post(url, data={"present": "1", "minutes": "", "reason": ""})
        client.post(
            url, data={"present": "1", "minutes": "55", "reason": "Ikut dari ruang rapat bersama Ani"}
        )
        with app.app_context():
            budi = db.session.scalar(sa.select(Attendance).where(Attendance.user_id == people["budi"].id))
            assert (budi.present, budi.minutes, budi.corrected) == (True, 55, True)
            [log] = db.session.scalars(
                sa.select(AttendanceCorrection).join(Attendance).where(Attendance.webinar_id == finished.id)
            ).all()
            assert log.reason == "Ikut dari ruang rapat bersama Ani" and log.by_id == people["trainer"].id
        page = client.get(f"/webinars/{finished.id}/attendance").text
        assert "dikoreksi" in page
        log = page.split("Riwayat koreksi")[1]
        assert "Budi Santoso</strong>: Tidak hadir (20 menit) → Hadir (55 menit)" in log
        assert "oleh Drs. Pemandu Utama" in log and "Ikut dari ruang rapat bersama Ani" in log


class TestAgencyAdmin:
    """Agency admins read (never correct) the reports of webinars run for their agency."""

    @pytest.fixture
    def admins(self, make_agency, make_user, people):
        trainer = people["trainer"]
        return {
            "home": make_user(
                trainer.agency,
                unit=trainer.unit,
                roles=(Role.AGENCY_ADMIN, Role.LEARNER),
                name="Admin BKPSDM",
            ),
            "other": make_user(make_agency(code="LAIN"), roles=(Role.AGENCY_ADMIN,), name="Admin Lain"),
        }

    @pytest.fixture
    def finished(self, app, db, people, make_webinar, make_registration):
        start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=1)
        webinar = make_webinar(people["trainer"], starts_at=start, title="Webinar Instansi Sendiri")
        make_registration(webinar, people["ani"])
        with app.app_context():
            webinar_attendance.finalize(db.session.get(Webinar, webinar.id), at=at(61, start))
            db.session.commit()
        return webinar

    def test_reads_the_report_of_their_agency_read_only(
        self, app, db, client, login, people, admins, finished
    ):
        login(admins["home"])
        page = client.get(f"/webinars/{finished.id}/attendance")
        assert page.status_code == 200 and "Ani Lestari" in page.text
        assert "sebagai admin instansi" in page.text
        assert "Simpan koreksi" not in page.text and "Hitung kehadiran sekarang" not in page.text
        assert client.get(f"/webinars/{finished.id}/attendance.csv").text.count("Ani Lestari") == 1
        assert client.get(f"/webinars/{finished.id}/attendance.xlsx").status_code == 200
        assert f"/webinars/{finished.id}/attendance" in client.get(f"/webinars/{finished.id}").text
        correction = {"present": "1", "minutes": "60", "reason": "Saya admin instansi"}
        assert (
            client.post(f"/webinars/{finished.id}/attendance/{people['ani'].id}", data=correction).status_code
            == 403
        )
        assert client.post(f"/webinars/{finished.id}/finalize").status_code == 403
        with app.app_context():
            corrections = sa.select(sa.func.count()).select_from(AttendanceCorrection).join(Attendance)
            assert db.session.scalar(corrections.where(Attendance.webinar_id == finished.id)) == 0

    def test_another_agencys_admin_is_refused(self, client, login, admins, finished):
        login(admins["other"])
        for suffix in ("", ".csv", ".xlsx"):
            assert client.get(f"/webinars/{finished.id}/attendance{suffix}").status_code == 403
        assert "Webinar Instansi Sendiri" not in client.get("/webinars/reports").text
        assert f"/webinars/{finished.id}/attendance" not in client.get(f"/webinars/{finished.id}").text

    def test_a_webinar_of_their_agencys_course_counts_wherever_its_host_works(
        self, app, db, client, login, people, admins, make_user, make_webinar
    ):
        course = factories.bind(app, factories.course)(by=people["trainer"], title="Kursus Instansi")
        other = admins["other"]
        guest = make_user(other.agency, unit=other.unit, roles=(Role.TRAINER,), name="Narasumber Tamu")
        webinar = make_webinar(guest, title="Webinar Narasumber Tamu", course_id=course.id)
        login(admins["home"])
        assert client.get(f"/webinars/{webinar.id}/attendance").status_code == 200
        assert "Webinar Narasumber Tamu" in client.get("/webinars/reports").text

    def test_reports_list_is_scoped(self, client, login, people, admins, make_webinar, finished):
        make_webinar(people["trainer2"], title="Webinar Pemandu Kedua")
        make_webinar(admins["other"], title="Webinar Instansi Lain")  # hosted in another agency
        login(admins["home"])
        page = client.get("/webinars/reports").text
        assert "Webinar Instansi Sendiri" in page and "Webinar Pemandu Kedua" in page
        assert "Webinar Instansi Lain" not in page and "Laporan final" in page
        assert "/webinars/reports" in client.get("/webinars/").text
        client.post("/logout")
        login(people["trainer2"])
        page = client.get("/webinars/reports").text
        assert "Webinar Pemandu Kedua" in page and "Webinar Instansi Sendiri" not in page
        client.post("/logout")
        login(people["ani"])
        assert client.get("/webinars/reports").status_code == 403
        assert "/webinars/reports" not in client.get("/webinars/").text


def test_cron_commands(app, db, people, make_webinar, make_registration, outbox):
    soon = datetime.now(UTC) + timedelta(hours=2)
    webinar = make_webinar(people["trainer"], starts_at=soon)
    make_registration(webinar, people["ani"])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "close-stale-connections"])
    assert result.exit_code == 0 and "finalized 0 webinar(s)" in result.output
