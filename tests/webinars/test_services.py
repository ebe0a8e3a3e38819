from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.courses.models import Course, Enrolment
from lms.webinars import access as webinar_access
from lms.webinars import attendance as webinar_attendance
from lms.webinars import completion as webinar_completion
from lms.webinars import room as webinar_room
from lms.webinars import services, timeline
from lms.webinars.errors import NotAllowed, WebinarError
from lms.webinars.models import (
    Attendance,
    AttendanceCorrection,
    CloseReason,
    PollStatus,
    Registration,
    WebinarConnection,
)
from lms.webinars.signals import webinar_attended
from tests import factories
from tests.webinars.conftest import T0, at


@pytest.fixture
def w(ctx, db):
    """People and a 60-minute webinar from T0 (09:00 WIB), threshold 80%, 2 JP, in one session."""
    agency = factories.agency(code="SVC")
    trainer = factories.user(agency, roles=(Role.TRAINER, Role.LEARNER), name="Pemandu")
    people = {name: factories.user(agency, name=name) for name in ("Ani", "Budi", "Citra", "Dedi")}
    webinar = factories.webinar(trainer, starts_at=T0, minutes=60, jp=2, threshold=80)
    for person in people.values():
        factories.registration(webinar, person)

    class W:
        pass

    w = W()
    w.db, w.trainer, w.webinar, w.agency = db, trainer, webinar, agency
    w.ani, w.budi, w.citra, w.dedi = (people[n] for n in ("Ani", "Budi", "Citra", "Dedi"))
    return w


def record(w, user) -> Attendance:
    return w.db.session.scalar(
        sa.select(Attendance).where(Attendance.webinar_id == w.webinar.id, Attendance.user_id == user.id)
    )


def attend(w, user, sid, start, end, beat=1.0):
    """A connection from `start` to `end` minutes that sends heartbeats every `beat` minutes, then leaves."""
    webinar_attendance.join(user, w.webinar, sid, at=at(start))
    minute = start + beat
    while minute < end:
        webinar_attendance.heartbeat(user, w.webinar, sid, at=at(minute))
        minute += beat
    webinar_attendance.leave(sid, at=at(end))


# ---------------------------------------------------------------- pure timeline arithmetic


class TestTimeline:
    def test_overlapping_tabs_are_counted_once(self):
        merged = timeline.merge([(at(0), at(30)), (at(10), at(40)), (at(35), at(45))], at(0), at(60))
        assert merged == [(at(0), at(45))]
        assert timeline.total_seconds(merged) == 45 * 60

    def test_gaps_are_not_counted(self):
        merged = timeline.merge([(at(0), at(10)), (at(20), at(30))], at(0), at(60))
        assert timeline.total_seconds(merged) == 20 * 60

    def test_clipped_to_the_window(self):
        merged = timeline.merge([(at(-30), at(5)), (at(55), at(90))], at(0), at(60))
        assert merged == [(at(0), at(5)), (at(55), at(60))]
        assert timeline.merge([(at(-30), at(-1)), (at(61), at(90))], at(0), at(60)) == []

    def test_contained_and_touching_intervals(self):
        merged = timeline.merge([(at(0), at(50)), (at(10), at(20)), (at(50), at(55))], at(0), at(60))
        assert merged == [(at(0), at(55))]


# ---------------------------------------------------------------- attendance through the services


class TestAttendance:
    def test_two_tabs_and_a_phone_are_not_double_counted(self, w):
        opened = {"tab-1": 0, "tab-2": 5, "phone": 20}
        for minute in range(60):  # events arrive in time order, as on the server
            for sid, start in opened.items():
                if minute == start:
                    webinar_attendance.join(w.ani, w.webinar, sid, at=at(minute))
                elif minute > start:
                    webinar_attendance.heartbeat(w.ani, w.webinar, sid, at=at(minute))
        for sid in ("tab-1", "tab-2", "phone"):
            webinar_attendance.leave(sid, at=at(60))
        webinar_attendance.finalize(w.webinar, at=at(70))
        ani = record(w, w.ani)
        assert ani.attended_seconds == 60 * 60
        assert ani.share_bp == 10000

    def test_reconnects_merge_and_gaps_are_not_counted(self, w):
        attend(w, w.budi, "a", 0, 20)
        attend(w, w.budi, "b", 30, 60)  # ten minutes away (train tunnel)
        webinar_attendance.finalize(w.webinar, at=at(61))
        budi = record(w, w.budi)
        assert budi.minutes == 50
        assert budi.share_bp == 8333
        assert budi.present
        assert budi.first_join_at == at(0) and budi.last_leave_at == at(60)

    def test_joining_early_and_staying_late_is_clipped_to_the_schedule(self, w):
        attend(w, w.citra, "early", -20, 30)
        webinar_attendance.finalize(w.webinar, at=at(61))
        assert record(w, w.citra).minutes == 30
        assert record(w, w.citra).first_join_at == at(-20)  # the report shows the real first join

    def test_room_is_closed_before_it_opens_and_after_the_end(self, w):
        with pytest.raises(WebinarError, match="dibuka 30 menit"):
            webinar_attendance.join(w.ani, w.webinar, "x", at=at(-31))
        with pytest.raises(WebinarError, match="sudah selesai"):
            webinar_attendance.join(w.ani, w.webinar, "x", at=at(60))

    def test_silent_connection_is_closed_at_last_heartbeat_plus_grace(self, w):
        webinar_attendance.join(w.dedi, w.webinar, "lost", at=at(0))
        for minute in range(1, 11):
            webinar_attendance.heartbeat(w.dedi, w.webinar, "lost", at=at(minute))
        # Nothing more from Dedi's phone after minute 10; other people's events go on, and every
        # server process sweeps stale connections every few seconds.
        webinar_attendance.join(w.ani, w.webinar, "ani", at=at(11.4))
        assert (
            webinar_attendance.close_stale(None, at(11.4)) == []
        )  # 84 s of silence: within the 90 s timeout
        connection = w.db.session.scalar(sa.select(WebinarConnection).where(WebinarConnection.sid == "lost"))
        assert connection.closed_at is None
        webinar_attendance.heartbeat(w.ani, w.webinar, "ani", at=at(11.6))
        [departure] = webinar_attendance.close_stale(None, at(11.6))  # the next sweep
        assert (departure.user_id, departure.gone) == (w.dedi.id, True)
        w.db.session.refresh(connection)
        assert connection.closed_at == at(10) + timedelta(seconds=30)
        assert connection.close_reason == CloseReason.TIMEOUT
        webinar_attendance.leave("ani", at=at(12))
        webinar_attendance.finalize(w.webinar, at=at(61))
        assert record(w, w.dedi).attended_seconds == 10 * 60 + 30

    def test_heartbeat_after_a_timeout_opens_a_new_interval(self, w):
        webinar_attendance.join(w.dedi, w.webinar, "s", at=at(0))
        webinar_attendance.close_stale(w.webinar.id, at(5))  # the cron: silent since minute 0
        webinar_attendance.heartbeat(w.dedi, w.webinar, "s", at=at(20))  # the phone woke up
        webinar_attendance.leave("s", at=at(30))
        webinar_attendance.finalize(w.webinar, at=at(61))
        assert record(w, w.dedi).attended_seconds == 30 + 10 * 60

    def test_the_cron_finalizes_with_open_connections_closed_at_last_heartbeat(self, w, app):
        webinar_attendance.join(w.ani, w.webinar, "gone", at=at(0))
        for minute in range(1, 56):
            webinar_attendance.heartbeat(w.ani, w.webinar, "gone", at=at(minute))
        webinar_attendance.join(w.budi, w.webinar, "stays", at=at(0))
        for half in range(1, 120):  # Budi's tab beats every 30 s like the room page, to the end
            webinar_attendance.heartbeat(w.budi, w.webinar, "stays", at=at(half / 2))
        assert webinar_attendance.finalize_due(at(61)) == []  # not yet a timeout past the end
        assert webinar_attendance.finalize_due(at(62)) == [w.webinar]
        assert record(w, w.ani).attended_seconds == 55 * 60 + 30  # last heartbeat + grace
        assert record(w, w.budi).attended_seconds == 60 * 60  # clipped at the scheduled end
        assert w.webinar.finalized_at == at(62)

    def test_threshold_is_inclusive_and_jp_only_for_the_present(self, w):
        attend(w, w.ani, "a", 0, 48)  # exactly 80 %
        attend(w, w.budi, "b", 0, 47.5)  # 79.2 %
        webinar_attendance.finalize(w.webinar, at=at(61))
        ani, budi, citra = record(w, w.ani), record(w, w.budi), record(w, w.citra)
        assert (ani.present, ani.jp_credited) == (True, 2)
        assert (budi.present, budi.jp_credited) == (False, 0)
        assert (citra.present, citra.minutes, citra.first_join_at) == (False, 0, None)  # never joined

    def test_custom_threshold(self, w):
        w.webinar.present_threshold = 50
        attend(w, w.budi, "b", 0, 30)
        webinar_attendance.finalize(w.webinar, at=at(61))
        assert record(w, w.budi).present

    def test_ending_early_measures_against_the_time_held(self, w):
        webinar_attendance.join(w.trainer, w.webinar, "t", at=at(0))
        webinar_attendance.join(w.ani, w.webinar, "a", at=at(0))
        for half in range(1, 90):  # every 30 s, as the room page does
            webinar_attendance.heartbeat(w.ani, w.webinar, "a", at=at(half / 2))
        webinar_attendance.end_webinar(w.webinar, by=w.trainer, at=at(45))
        ani = record(w, w.ani)
        assert ani.attended_seconds == 45 * 60 and ani.present
        assert record(w, w.trainer) is None  # moderators are not participants
        with pytest.raises(WebinarError):
            webinar_attendance.join(w.ani, w.webinar, "again", at=at(46))

    def test_only_moderators_end(self, w):
        with pytest.raises(NotAllowed):
            webinar_attendance.end_webinar(w.webinar, by=w.ani, at=at(30))

    def test_signal_once_per_newly_present_person(self, w, app):
        received = []

        def listener(sender, attendance):
            received.append(attendance.user_id)

        attend(w, w.ani, "a", 0, 60)
        with webinar_attended.connected_to(listener, sender=app):
            webinar_attendance.finalize(w.webinar, at=at(61))
            webinar_attendance.finalize(w.webinar, at=at(65))  # idempotent: nobody is announced twice
        assert received == [w.ani.id]


class TestCorrections:
    def test_correction_is_logged_with_reason_and_values_and_survives_recomputation(self, w, app):
        attend(w, w.budi, "b", 0, 30)
        webinar_attendance.finalize(w.webinar, at=at(61))
        received = []
        with webinar_attended.connected_to(
            lambda s, attendance: received.append(attendance.user_id), sender=app
        ):
            webinar_attendance.correct_attendance(
                w.webinar,
                w.budi,
                present=True,
                minutes=55,
                by=w.trainer,
                at=at(90),
                reason="Hadir dari ruang rapat bersama Ani, satu perangkat",
            )
        budi = record(w, w.budi)
        assert (budi.present, budi.minutes, budi.jp_credited, budi.corrected) == (True, 55, 2, True)
        log = w.db.session.scalar(
            sa.select(AttendanceCorrection).where(AttendanceCorrection.attendance_id == budi.id)
        )
        assert log.by_id == w.trainer.id and "ruang rapat" in log.reason
        assert log.before == {"present": False, "minutes": 30, "share_bp": 5000, "jp_credited": 0}
        assert log.after == {"present": True, "minutes": 55, "share_bp": 9166, "jp_credited": 2}
        assert received == [w.budi.id]
        webinar_attendance.finalize(w.webinar, at=at(120))
        assert record(w, w.budi).present  # a correction wins over recomputation

    def test_reason_required_moderator_only_and_only_after_finalizing(self, w):
        with pytest.raises(WebinarError, match="setelah webinar selesai"):
            webinar_attendance.correct_attendance(
                w.webinar, w.ani, present=True, minutes=None, reason="alasan cukup", by=w.trainer, at=at(30)
            )
        webinar_attendance.finalize(w.webinar, at=at(61))
        with pytest.raises(WebinarError, match="alasan"):
            webinar_attendance.correct_attendance(
                w.webinar, w.ani, present=True, minutes=None, reason=" ", by=w.trainer, at=at(70)
            )
        with pytest.raises(NotAllowed):
            webinar_attendance.correct_attendance(
                w.webinar, w.ani, present=True, minutes=None, reason="saya hadir kok", by=w.ani, at=at(70)
            )
        with pytest.raises(WebinarError, match="antara 0 dan 60"):
            webinar_attendance.correct_attendance(
                w.webinar, w.ani, present=True, minutes=61, reason="alasan cukup", by=w.trainer, at=at(70)
            )


# ---------------------------------------------------------------- schedule, register, access


class TestSchedule:
    def data(self, **over):
        values = dict(
            title="Manajemen Talenta ASN",
            starts_local=datetime(2026, 3, 2, 9, 0),
            ends_local=datetime(2026, 3, 2, 11, 0),
            timezone="Asia/Jayapura",
            jp=2,
        )
        values.update(over)
        return services.WebinarData(**values)

    def test_local_times_in_the_trainers_zone_are_stored_in_utc(self, w):
        webinar = services.schedule_webinar(self.data(), by=w.trainer, now=datetime(2026, 3, 1, tzinfo=UTC))
        assert webinar.starts_at == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 09:00 WIT = 00:00 UTC
        assert webinar.ends_at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
        assert webinar.present_threshold == 80
        w.db.session.expire_all()
        assert w.db.session.get(type(webinar), webinar.id).starts_at == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("over", "field"),
        [
            ({"ends_local": datetime(2026, 3, 2, 8, 0)}, "ends_local"),
            ({"timezone": "Europe/Paris"}, "timezone"),
            ({"present_threshold": 0}, "present_threshold"),
            ({"video_url": "javascript:alert(1)"}, "video_url"),
            ({"title": "x"}, "title"),
            ({"course_id": 999999}, "course_id"),
        ],
    )
    def test_bad_input(self, w, over, field):
        with pytest.raises(WebinarError) as error:
            services.schedule_webinar(self.data(**over), by=w.trainer, now=datetime(2026, 3, 1, tzinfo=UTC))
        assert error.value.field == field

    def test_only_trainers_schedule(self, w):
        with pytest.raises(NotAllowed):
            services.schedule_webinar(self.data(), by=w.ani, now=datetime(2026, 3, 1, tzinfo=UTC))


class TestAccess:
    def test_registered_enrolled_and_moderators_enter(self, w, db):
        outsider = factories.user(w.agency, name="Orang Luar")
        assert webinar_access.can_enter(w.ani, w.webinar)
        assert webinar_access.can_enter(w.trainer, w.webinar)
        assert not webinar_access.can_enter(outsider, w.webinar)
        course = Course(slug="kursus-uji", title="Kursus Uji")
        db.session.add(course)
        db.session.flush()
        w.webinar.course_id = course.id
        db.session.add(Enrolment(user_id=outsider.id, course_id=course.id))
        db.session.flush()
        assert webinar_access.can_enter(outsider, w.webinar)
        assert outsider.id in webinar_access.participant_ids(w.webinar)

    def test_deactivated_users_do_not_enter(self, w):
        w.ani.active = False
        assert not webinar_access.can_enter(w.ani, w.webinar)
        with pytest.raises(NotAllowed):
            webinar_attendance.join(w.ani, w.webinar, "s", at=at(0))

    def test_register_twice_and_unregister_before_the_start(self, w):
        outsider = factories.user(w.agency, name="Eka")
        first = services.register(outsider, w.webinar, now=at(-60))
        assert services.register(outsider, w.webinar, now=at(-59)) is first
        with pytest.raises(WebinarError):
            services.unregister(outsider, w.webinar, now=at(1))
        services.unregister(outsider, w.webinar, now=at(-1))
        assert not webinar_access.is_registered(outsider, w.webinar)
        with pytest.raises(WebinarError, match="sudah selesai"):
            services.register(outsider, w.webinar, now=at(60))


# ---------------------------------------------------------------- chat, Q&A, polls


class TestRoom:
    def test_chat_is_stored_as_plain_text(self, w):
        message = webinar_room.post_message(
            w.ani, w.webinar, "Halo <script>alert(1)</script> **semua**", at=at(1)
        )
        assert "<" not in message.body and "script>" not in message.body
        assert message.body.startswith("Halo") and "semua" in message.body

    def test_oversized_and_empty_messages_are_refused(self, w, app):
        with pytest.raises(WebinarError, match="terlalu panjang"):
            webinar_room.post_message(
                w.ani, w.webinar, "a" * (app.config["WEBINAR_CHAT_MAX_CHARS"] + 1), at=at(1)
            )
        with pytest.raises(WebinarError, match="kosong"):
            webinar_room.post_message(w.ani, w.webinar, "   ", at=at(1))

    def test_muted_participants_cannot_speak_and_moderators_cannot_be_muted(self, w):
        webinar_room.set_mute(w.trainer, w.webinar, w.ani.id, True, at=at(1))
        with pytest.raises(NotAllowed):
            webinar_room.post_message(w.ani, w.webinar, "halo", at=at(2))
        with pytest.raises(NotAllowed):
            webinar_room.ask(w.ani, w.webinar, "boleh tanya?", at=at(2))
        with pytest.raises(WebinarError):
            webinar_room.set_mute(w.trainer, w.webinar, w.trainer.id, True, at=at(1))
        with pytest.raises(NotAllowed):
            webinar_room.set_mute(w.budi, w.webinar, w.citra.id, True, at=at(1))
        webinar_room.set_mute(w.trainer, w.webinar, w.ani.id, False, at=at(3))
        webinar_room.post_message(w.ani, w.webinar, "terima kasih", at=at(4))

    def test_history_pages_and_stays_after_the_end(self, w, app):
        ids = [webinar_room.post_message(w.ani, w.webinar, f"pesan {i}", at=at(1)).id for i in range(7)]
        webinar_room.delete_message(w.trainer, w.webinar, ids[3], at=at(2))
        page, more = webinar_room.chat_page(w.webinar, limit=3)
        assert [m.body for m in page] == ["pesan 4", "pesan 5", "pesan 6"] and more
        page, more = webinar_room.chat_page(w.webinar, before_id=page[0].id, limit=3)
        assert [m.body for m in page] == ["pesan 0", "pesan 1", "pesan 2"] and not more
        webinar_attendance.end_webinar(w.webinar, by=w.trainer, at=at(30))
        assert len(webinar_room.chat_page(w.webinar)[0]) == 6
        with pytest.raises(WebinarError, match="sudah selesai"):
            webinar_room.post_message(w.ani, w.webinar, "masih ada?", at=at(31))

    def test_pin_one_message_at_a_time(self, w):
        first = webinar_room.post_message(w.ani, w.webinar, "satu", at=at(1))
        second = webinar_room.post_message(w.budi, w.webinar, "dua", at=at(1))
        webinar_room.pin_message(w.trainer, w.webinar, first.id, at=at(2))
        webinar_room.pin_message(w.trainer, w.webinar, second.id, at=at(3))
        assert webinar_room.pinned_message(w.webinar) is second
        webinar_room.pin_message(w.trainer, w.webinar, None, at=at(4))
        assert webinar_room.pinned_message(w.webinar) is None

    def test_questions_are_sanitised_and_upvoted_once_per_person(self, w):
        question = webinar_room.ask(
            w.ani, w.webinar, "Apakah **JP** <img src=x onerror=alert(1)> dihitung?", at=at(1)
        )
        assert "<strong>JP</strong>" in question.body_html and "onerror" not in question.body_html
        assert webinar_room.upvote(w.budi, w.webinar, question.id).votes == 1
        with pytest.raises(WebinarError, match="sudah mendukung"):
            webinar_room.upvote(w.budi, w.webinar, question.id)
        with pytest.raises(WebinarError, match="sendiri"):
            webinar_room.upvote(w.ani, w.webinar, question.id)
        assert webinar_room.upvote(w.citra, w.webinar, question.id).votes == 2
        webinar_room.mark_answered(w.trainer, w.webinar, question.id, at=at(5))
        assert webinar_room.questions(w.webinar)[0].answered_at == at(5)

    def test_questions_keep_no_images(self, w):
        question = webinar_room.ask(
            w.ani,
            w.webinar,
            'Lihat ![grafik](https://pelacak.example/x.png) <img src="https://p.example/y">'
            " dan <iframe src=x></iframe> [tautan](https://contoh.go.id)",
            at=at(1),
        )
        assert "<img" not in question.body_html and "iframe" not in question.body_html
        assert '<a href="https://contoh.go.id" rel="noopener nofollow">tautan</a>' in question.body_html
        with pytest.raises(WebinarError, match="kosong"):
            webinar_room.ask(w.ani, w.webinar, "![x](https://p.example/z.png)", at=at(1))

    def test_control_characters_are_removed_from_chat_and_questions(self, w):
        message = webinar_room.post_message(w.ani, w.webinar, "Ha\x00lo\x1b semua", at=at(1))
        assert message.body == "Halo semua"
        question = webinar_room.ask(w.ani, w.webinar, "Apa\x00kah\x07 bisa?\nBaris dua", at=at(1))
        assert "\x00" not in question.body_md and "\x07" not in question.body_md
        assert question.body_md == "Apakah bisa?\nBaris dua"
        with pytest.raises(WebinarError, match="kosong"):
            webinar_room.post_message(w.ani, w.webinar, "\x00\x00", at=at(1))

    def test_polls_open_one_at_a_time_and_take_one_vote_per_person(self, w):
        poll = webinar_room.create_poll(
            w.trainer, w.webinar, "Sudah mencatat 20 JP?", ["Sudah", "Belum", " "], at=at(1)
        )
        other = webinar_room.create_poll(
            w.trainer, w.webinar, "Perlu sesi lanjutan?", ["Ya", "Tidak"], at=at(1)
        )
        assert [o.text for o in poll.options] == ["Sudah", "Belum"]
        with pytest.raises(WebinarError, match="tidak sedang dibuka"):
            webinar_room.vote(w.ani, w.webinar, poll.id, poll.options[0].id)
        webinar_room.open_poll(w.trainer, w.webinar, poll.id, at=at(2))
        with pytest.raises(WebinarError, match="Tutup dulu"):
            webinar_room.open_poll(w.trainer, w.webinar, other.id, at=at(2))
        webinar_room.vote(w.ani, w.webinar, poll.id, poll.options[0].id)
        webinar_room.vote(w.budi, w.webinar, poll.id, poll.options[1].id)
        with pytest.raises(WebinarError, match="sudah memberikan suara"):
            webinar_room.vote(w.ani, w.webinar, poll.id, poll.options[1].id)
        with pytest.raises(WebinarError):
            webinar_room.vote(w.citra, w.webinar, poll.id, other.options[0].id)
        webinar_room.close_poll(w.trainer, w.webinar, poll.id, at=at(3))
        assert webinar_room.poll_results(poll) == {poll.options[0].id: 1, poll.options[1].id: 1}
        with pytest.raises(NotAllowed):
            webinar_room.open_poll(w.ani, w.webinar, other.id, at=at(4))
        with pytest.raises(WebinarError):
            webinar_room.create_poll(w.trainer, w.webinar, "Satu pilihan saja?", ["Ya"], at=at(1))

    def test_a_poll_left_open_closes_with_the_session(self, w, db):
        poll = webinar_room.create_poll(w.trainer, w.webinar, "Materi jelas?", ["Ya", "Belum"], at=at(1))
        webinar_room.open_poll(w.trainer, w.webinar, poll.id, at=at(2))
        webinar_room.vote(w.ani, w.webinar, poll.id, poll.options[0].id)
        webinar_attendance.end_webinar(w.webinar, by=w.trainer, at=at(30))
        db.session.refresh(poll)
        assert poll.status is PollStatus.CLOSED and poll.closed_at == at(30)
        assert webinar_room.poll_results(poll) == {poll.options[0].id: 1, poll.options[1].id: 0}


def test_report_lists_everyone_registered_by_name(w):
    attend(w, w.budi, "b", 0, 60)
    webinar_attendance.finalize(w.webinar, at=at(61))
    rows = services.attendance_report(w.webinar)
    assert [row.user.name for row in rows] == ["Ani", "Budi", "Citra", "Dedi"]
    assert [row.joined for row in rows] == [False, True, False, False]
    registered = sa.select(sa.func.count(Registration.id)).where(Registration.webinar_id == w.webinar.id)
    assert w.db.session.scalar(registered) == 4


class TestCourseCompletion:
    def test_a_required_webinar_completes_the_course_when_attended(self, w, app):
        from lms.courses import learning
        from lms.courses.signals import course_completed

        course = factories.course(by=w.trainer, title="Kursus Webinar", modules=1, lessons=1, competencies=())
        w.webinar.course_id, w.webinar.required_for_course = course.id, True
        webinar_completion.require_in_rule(course)
        assert course.completion_rule == {"lessons": "required", "webinars": "required"}
        enrolments = {user.id: learning.enrol(user, course) for user in (w.ani, w.budi)}
        for enrolment in enrolments.values():
            assert not learning.mark_lesson_done(enrolment, course.modules[0].lessons[0])  # webinar missing
        completed = []
        with course_completed.connected_to(
            lambda s, enrolment: completed.append(enrolment.user_id), sender=app
        ):
            attend(w, w.ani, "a", 0, 60)
            attend(w, w.budi, "b", 0, 10)
            webinar_attendance.finalize(w.webinar, at=at(61))
            assert completed == [w.ani.id]
            webinar_attendance.correct_attendance(
                w.webinar,
                w.budi,
                present=True,
                minutes=None,
                by=w.trainer,
                at=at(70),
                reason="Mengikuti dari ruang rapat bersama Ani",
            )
        assert completed == [w.ani.id, w.budi.id]

    def test_schedule_form_marks_the_course_rule(self, w):
        course = factories.course(by=w.trainer, title="Kursus Lain", competencies=())
        data = services.WebinarData(
            title="Sesi wajib",
            starts_local=datetime(2030, 1, 1, 9),
            ends_local=datetime(2030, 1, 1, 10),
            timezone="Asia/Jakarta",
            course_id=course.id,
            required_for_course=True,
        )
        webinar = services.schedule_webinar(data, by=w.trainer, now=datetime(2029, 1, 1, tzinfo=UTC))
        assert webinar.required_for_course and course.completion_rule["webinars"] == "required"
        other = factories.course(
            by=factories.user(w.agency, roles=(Role.TRAINER,)), title="Bukan milik", competencies=()
        )
        with pytest.raises(WebinarError, match="Kursus tidak ditemukan"):
            services.schedule_webinar(
                services.WebinarData(**{**data.__dict__, "course_id": other.id}),
                by=w.trainer,
                now=datetime(2029, 1, 1, tzinfo=UTC),
            )
