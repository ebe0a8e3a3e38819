import io
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.webinars import services
from lms.webinars.models import Attendance, AttendanceCorrection, ChatMessage, Registration, Webinar
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
            webinar = db.session.scalar(sa.select(Webinar))
            assert webinar.starts_at == datetime(2030, 3, 4, 1, 0, tzinfo=UTC)  # 09:00 WITA
            assert webinar.ends_at == datetime(2030, 3, 4, 3, 30, tzinfo=UTC)
            assert webinar.timezone == "Asia/Makassar" and webinar.host_id == people["trainer"].id
            assert "<strong>tanya jawab</strong>" in webinar.description_html
        page = client.get(response.location).text
        assert "Senin, 4 Maret 2030 08:00 WIB" in page  # the trainer's agency reads WIB

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
            assert db.session.scalar(sa.select(Registration.user_id)) == people["citra"].id
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
                services.join(users[name], webinar, sid, at=at(begin, start))
                for half in range(begin * 2 + 1, end * 2):
                    services.heartbeat(users[name], webinar, sid, at=at(half / 2, start))
                services.leave(sid, at=at(end, start))
            services.finalize(webinar, at=at(61, start))
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
            [log] = db.session.scalars(sa.select(AttendanceCorrection)).all()
            assert log.reason == "Ikut dari ruang rapat bersama Ani" and log.by_id == people["trainer"].id
        assert "dikoreksi" in client.get(f"/webinars/{finished.id}/attendance").text


def test_cron_commands(app, db, people, make_webinar, make_registration, outbox):
    soon = datetime.now(UTC) + timedelta(hours=2)
    webinar = make_webinar(people["trainer"], starts_at=soon)
    make_registration(webinar, people["ani"])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "send-webinar-reminders"])
    assert result.exit_code == 0 and "Sent 1 webinar reminder(s)" in result.output
    assert f"/webinars/{webinar.id}/room" in outbox[0].get_content()
    assert "Sent 0" in runner.invoke(args=["lms", "send-webinar-reminders"]).output
    result = runner.invoke(args=["lms", "close-stale-connections"])
    assert result.exit_code == 0 and "finalized 0 webinar(s)" in result.output
