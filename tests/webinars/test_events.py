import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import User, UserSession
from lms.core import ratelimit
from lms.extensions import socketio
from lms.webinars import attendance, presence
from lms.webinars import room as webinar_room
from lms.webinars.models import Attendance, Registration, WebinarConnection
from tests.factories import PASSWORD
from tests.webinars.conftest import last_used_an_hour_ago, unreachable

NS = "/webinar"


@pytest.fixture
def connect(app, db):
    clients = []

    def do(user, *, join=None):
        http = app.test_client()
        response = http.post("/login", data={"login": user.email, "password": PASSWORD})
        assert response.status_code == 302
        sock = socketio.test_client(app, namespace=NS, flask_test_client=http)
        clients.append(sock)
        if join is not None:
            assert call(sock, "join", webinar_id=join.id)["ok"]
            sock.get_received(NS)
        return sock

    yield do
    for sock in clients:
        if sock.is_connected(NS):
            sock.disconnect(namespace=NS)


NO_PAYLOAD = object()


def call(sock, event, *args, **data):
    """Emit with an acknowledgement; positional args replace the payload (for malformed events)."""
    payload = () if args == (NO_PAYLOAD,) else args if args else (data,)
    return sock.emit(event, *payload, namespace=NS, callback=True)


def events(sock, name):
    return [
        event["args"][0] if event["args"] else None
        for event in sock.get_received(NS)
        if event["name"] == name
    ]


def errors(sock):
    return [e["message"] for e in events(sock, "error")]


def set_user(app, db, user_id, **values):
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user_id).values(**values))
        db.session.commit()


class TestConnect:
    def test_a_join_event_failing_after_its_commit_leaves_no_interval_open(
        self, app, db, connect, people, room, monkeypatch
    ):
        monkeypatch.setattr(attendance, "present_users", unreachable)
        trainer = connect(people["trainer"])
        reply = call(trainer, "join", webinar_id=room.id)
        assert reply["ok"] is False and reply["retry"] is True
        assert trainer.is_connected(NS)
        with app.app_context():
            rows = db.session.scalars(sa.select(WebinarConnection)).all()
            assert [row.closed_at is not None for row in rows] == [True]
        assert call(trainer, "chat", webinar_id=room.id, text="Halo")["ok"] is False  # not in the room
        assert errors(trainer)[-1] == "Anda belum bergabung di ruang webinar ini."
        monkeypatch.undo()
        # Told to retry, the page joins again: one open interval, in the room.
        assert call(trainer, "join", webinar_id=room.id)["ok"] is True
        with app.app_context():
            assert (
                db.session.scalar(sa.select(sa.func.count()).where(WebinarConnection.closed_at.is_(None)))
                == 1
            )

    def test_anonymous_is_refused(self, app, client, room):
        sock = socketio.test_client(app, namespace=NS, flask_test_client=client)
        assert not sock.is_connected(NS)

    def test_logged_in_user_connects_but_an_unregistered_one_cannot_join(self, connect, people, room):
        sock = connect(people["citra"])
        assert sock.is_connected(NS)
        reply = call(sock, "join", webinar_id=room.id)
        assert reply["ok"] is False
        assert errors(sock) == ["Anda tidak terdaftar di webinar ini."]

    def test_join_opens_an_interval_and_disconnect_closes_it(self, app, db, connect, people, room):
        sock = connect(people["ani"])
        reply = call(sock, "join", webinar_id=room.id)
        assert reply["ok"] and reply["moderator"] is False and reply["heartbeat"] == 30
        assert call(sock, "heartbeat", webinar_id=room.id)["ok"]
        sock.disconnect(namespace=NS)
        with app.app_context():
            connection = db.session.scalar(
                sa.select(WebinarConnection).where(WebinarConnection.webinar_id == room.id)
            )
            assert connection.user_id == people["ani"].id
            assert connection.closed_at is not None and connection.close_reason == "left"

    def test_arrivals_within_the_window_are_told_in_one_list(self, app, connect, people, room, monkeypatch):
        """A full room fills in seconds: moderators get the arrivals of each window as one notice
        (one publish through the message queue, not one per person). Someone who left before
        the notice is not in it; their departure is told at once."""
        monkeypatch.setitem(app.config, "WEBINAR_PRESENT_WINDOW", 0.3)
        trainer = connect(people["trainer"], join=room)
        ani, budi = connect(people["ani"]), connect(people["budi"])
        call(ani, "join", webinar_id=room.id)
        call(budi, "join", webinar_id=room.id)
        budi.disconnect(namespace=NS)
        received = trainer.get_received(NS)
        assert [e["args"][0] for e in received if e["name"] == "absent"] == [{"id": people["budi"].id}]
        assert [e for e in received if e["name"] == "present"] == []  # the window is still open
        time.sleep(0.8)
        told = events(trainer, "present")  # the trainer came in within the same window
        assert told == [[{"id": people[n].id, "name": people[n].name} for n in ("trainer", "ani")]]

    def test_moderators_see_arrivals_and_departures(self, connect, people, room):
        trainer = connect(people["trainer"], join=room)
        ani = connect(people["ani"])
        call(ani, "join", webinar_id=room.id)
        assert events(trainer, "present") == [[{"id": people["ani"].id, "name": "Ani Lestari"}]]
        assert [p["name"] for p in call(trainer, "presence", webinar_id=room.id)["present"]] == [
            "Ani Lestari",
            "Drs. Pemandu Utama",
        ]
        second_tab = connect(people["ani"], join=room)
        second_tab.disconnect(namespace=NS)
        assert events(trainer, "absent") == []  # another tab is still in the room
        ani.disconnect(namespace=NS)
        assert events(trainer, "absent") == [{"id": people["ani"].id}]
        assert (
            call(ani_other := connect(people["budi"], join=room), "presence", webinar_id=room.id)["ok"]
            is False
        )
        assert "pemandu" in errors(ani_other)[0]


class TestEveryEventIsChecked:
    def test_deactivated_user_is_cut_at_the_next_event(self, app, db, connect, people, room):
        ani = connect(people["ani"], join=room)
        set_user(app, db, people["ani"].id, active=False)
        assert call(ani, "chat", webinar_id=room.id, text="masih bisa?")["ok"] is False
        assert not ani.is_connected(NS)

    def test_ended_session_is_cut_at_the_next_event(self, app, db, connect, people, room):
        ani = connect(people["ani"], join=room)
        with app.app_context():  # ended by another process, say, without telling this one
            db.session.execute(
                sa.update(UserSession)
                .where(UserSession.user_id == people["ani"].id)
                .values(ended_at=sa.func.now())
            )
            db.session.commit()
        call(ani, "heartbeat", webinar_id=room.id)
        assert not ani.is_connected(NS)


class TestLogoutClosesConnections:
    def login(self, app, user):
        http = app.test_client()
        assert http.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 302
        return http

    def test_logout_closes_that_sessions_connections_at_once(self, app, db, people, room):
        phone, laptop = self.login(app, people["ani"]), self.login(app, people["ani"])
        on_phone = socketio.test_client(app, namespace=NS, flask_test_client=phone)
        on_laptop = socketio.test_client(app, namespace=NS, flask_test_client=laptop)
        assert call(on_phone, "join", webinar_id=room.id)["ok"]
        assert call(on_laptop, "join", webinar_id=room.id)["ok"]
        assert phone.post("/logout").status_code == 302
        assert not on_phone.is_connected(NS)  # without sending anything
        assert on_laptop.is_connected(NS)  # another login of the same person stays
        with app.app_context():
            closed = db.session.scalars(
                sa.select(WebinarConnection.closed_at)
                .where(WebinarConnection.webinar_id == room.id)
                .order_by(WebinarConnection.id)
            ).all()
        assert closed[0] is not None and closed[1] is None
        on_laptop.disconnect(namespace=NS)

    def test_a_socket_of_an_ended_session_cannot_connect_again(self, app, db, people, room):
        phone = self.login(app, people["ani"])
        cookie = phone.get_cookie("session").value
        phone.post("/logout")
        replay = app.test_client()
        replay.set_cookie("session", cookie)
        sock = socketio.test_client(app, namespace=NS, flask_test_client=replay)
        assert not sock.is_connected(NS)

    def test_a_deactivated_user_or_an_idle_session_cannot_connect(self, app, db, people, room):
        for change in ("deactivate", "idle"):
            name = "ani" if change == "deactivate" else "budi"
            browser = self.login(app, people[name])
            with app.app_context():
                if change == "deactivate":
                    db.session.execute(sa.update(User).where(User.id == people[name].id).values(active=False))
                else:
                    idle = presence.now() - timedelta(seconds=app.config["SESSION_IDLE_TIMEOUT"] + 60)
                    db.session.execute(
                        sa.update(UserSession)
                        .where(UserSession.user_id == people[name].id)
                        .values(last_seen_at=idle)
                    )
                db.session.commit()
            sock = socketio.test_client(app, namespace=NS, flask_test_client=browser)
            assert not sock.is_connected(NS), change

    def test_connect_is_one_statement_and_records_the_use_of_the_session(
        self, app, db, people, room, count_queries
    ):
        browser = self.login(app, people["ani"])
        long_ago = last_used_an_hour_ago(app, people["ani"])
        with count_queries() as first:
            sock = socketio.test_client(app, namespace=NS, flask_test_client=browser)
        assert sock.is_connected(NS)
        assert len(first) == 2, first  # the check, and the touch (due: last used an hour ago)
        with app.app_context():
            [seen] = db.session.scalars(
                sa.select(UserSession.last_seen_at).where(UserSession.user_id == people["ani"].id)
            )
        assert seen > long_ago
        with count_queries() as again:
            other = socketio.test_client(app, namespace=NS, flask_test_client=browser)
        assert other.is_connected(NS) and len(again) == 1, again
        sock.disconnect(namespace=NS)
        other.disconnect(namespace=NS)

    def test_end_all_other_sessions_closes_their_connections(self, app, db, people, room):
        phone, laptop = self.login(app, people["ani"]), self.login(app, people["ani"])
        on_phone = socketio.test_client(app, namespace=NS, flask_test_client=phone)
        assert call(on_phone, "join", webinar_id=room.id)["ok"]
        laptop.post("/account/sessions/end-others")
        assert not on_phone.is_connected(NS)

    def test_unregistered_user_is_refused_and_leaves_the_room(self, app, db, connect, people, room):
        ani = connect(people["ani"], join=room)
        budi = connect(people["budi"], join=room)
        with app.app_context():
            db.session.execute(sa.delete(Registration).where(Registration.user_id == people["ani"].id))
            db.session.commit()
        assert call(ani, "chat", webinar_id=room.id, text="halo")["ok"] is False
        assert errors(ani) == ["Anda tidak terdaftar di webinar ini."]
        call(budi, "chat", webinar_id=room.id, text="halo semua")
        assert events(ani, "chat") == []  # no longer in the room
        with app.app_context():
            assert db.session.scalar(
                sa.select(WebinarConnection.closed_at).where(WebinarConnection.user_id == people["ani"].id)
            )

    def test_events_for_a_room_not_joined_are_refused(
        self, connect, people, room, make_webinar, make_registration
    ):
        other = make_webinar(people["trainer2"], title="Webinar Lain")
        make_registration(other, people["ani"])
        ani = connect(people["ani"], join=room)
        assert call(ani, "chat", webinar_id=other.id, text="salah ruang")["ok"] is False
        assert errors(ani) == ["Anda belum bergabung di ruang webinar ini."]

    def test_membership_is_read_from_the_one_room_not_from_every_room(
        self, connect, people, room, monkeypatch
    ):
        # flask_socketio.rooms() walks every room of the namespace, and every socket has a room of
        # its own: with 2,000 people joined, each heartbeat walked 2,000 rooms.
        ani = connect(people["ani"], join=room)

        def walk(*args, **kwargs):
            raise AssertionError("walked every room")

        monkeypatch.setattr(socketio.server.manager, "get_rooms", walk)
        assert call(ani, "chat", webinar_id=room.id, text="halo")["ok"] is True
        assert call(ani, "leave", webinar_id=room.id)["ok"] is True
        assert call(ani, "chat", webinar_id=room.id, text="lagi")["ok"] is False
        assert errors(ani)[-1] == "Anda belum bergabung di ruang webinar ini."


class TestBadInput:
    @pytest.mark.parametrize(
        ("args", "message"),
        [
            ((NO_PAYLOAD,), "Format pesan tidak valid."),
            (({"webinar_id": 1}, {"webinar_id": 1}), "Format pesan tidak valid."),
            (("teks saja",), "Format pesan tidak valid."),
            (({"text": "tanpa webinar"},), "Data tidak lengkap atau tidak valid: webinar_id."),
            (({"webinar_id": "1", "text": "x"},), "Data tidak lengkap atau tidak valid: webinar_id."),
            (({"webinar_id": True, "text": "x"},), "Data tidak lengkap atau tidak valid: webinar_id."),
            (({"webinar_id": None, "text": 5},), "Data tidak lengkap atau tidak valid: webinar_id."),
            (({"webinar_id": 999999, "text": "x"},), "Webinar tidak ditemukan."),
        ],
    )
    def test_malformed_events_get_an_error(self, connect, people, room, args, message):
        ani = connect(people["ani"], join=room)
        assert call(ani, "chat", *args)["ok"] is False
        assert errors(ani) == [message]
        assert ani.is_connected(NS)

    def test_wrong_field_type(self, connect, people, room):
        ani = connect(people["ani"], join=room)
        call(ani, "chat", webinar_id=room.id, text=["a"])
        call(ani, "upvote", webinar_id=room.id, question_id="3")
        call(ani, "mute", webinar_id=room.id, user_id=1, muted="ya")
        assert errors(ani) == [
            "Data tidak lengkap atau tidak valid: text.",
            "Data tidak lengkap atau tidak valid: question_id.",
            "Data tidak lengkap atau tidak valid: muted.",
        ]

    @pytest.mark.parametrize("value", [2**31, 2**64, 10**30, 0, -1])
    @pytest.mark.parametrize(
        ("event", "field", "data"),
        [
            ("join", "webinar_id", {}),
            ("chat", "webinar_id", {"text": "halo"}),
            ("history", "before_id", {}),
            ("upvote", "question_id", {}),
            ("vote", "option_id", {"poll_id": 1}),
            ("pin", "message_id", {}),
            ("mute", "user_id", {"muted": True}),
        ],
    )
    def test_ids_no_database_can_hold_are_refused_before_any_statement(
        self, app, db, connect, people, room, event, field, data, value
    ):
        # An integer column holds up to 2**31 - 1: a larger id used to reach the database, where
        # SQLite cannot even bind it (a generic error instead of this message). The login session
        # is still checked (a malformed event of an ended session still cuts), without the id.
        ani = connect(people["ani"], join=room)
        data = {"webinar_id": room.id, **data, field: value}
        bound = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: bound.append(repr(args[3]))  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            reply = call(ani, event, **data)
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        assert reply["ok"] is False
        assert errors(ani) == [f"Data tidak lengkap atau tidak valid: {field}."]
        if value > 1:
            assert not [params for params in bound if str(value) in params]
        assert ani.is_connected(NS)

    def test_unknown_event(self, connect, people, room):
        ani = connect(people["ani"], join=room)
        ani.emit("drop_tables", {"webinar_id": room.id}, namespace=NS)
        assert errors(ani) == ["Perintah tidak dikenal."]

    def test_oversized_message_is_refused(self, app, connect, people, room):
        ani = connect(people["ani"], join=room)
        call(ani, "chat", webinar_id=room.id, text="x" * (app.config["WEBINAR_CHAT_MAX_CHARS"] + 1))
        assert errors(ani) == ["Pesan terlalu panjang (maksimal 500 karakter)."]
        assert events(ani, "chat") == []

    def test_a_flooder_is_cut_and_the_others_carry_on(self, connect, people, room):
        ani = connect(people["ani"], join=room)
        budi = connect(people["budi"], join=room)
        for _ in range(60):
            ani.emit("heartbeat", {"webinar_id": room.id}, namespace=NS)
            if not ani.is_connected(NS):
                break
        assert not ani.is_connected(NS)
        told = [e["args"][0]["message"] for e in ani.queue if e["name"] == "error"]  # kept after the cut
        assert told and "Sambungan Anda diputus" in told[-1]
        assert call(budi, "chat", webinar_id=room.id, text="saya masih di sini")["ok"]

    def test_the_flood_limit_counts_in_this_process_and_the_message_limit_in_the_shared_storage(
        self, connect, people, room, monkeypatch
    ):
        # A heartbeat is the busiest event of a full room: its flood count costs no Redis round trip.
        ani = connect(people["ani"], join=room)
        shared = []
        monkeypatch.setattr(ratelimit.counter, "run", lambda *args, **kwargs: shared.append(args) or True)
        assert call(ani, "heartbeat", webinar_id=room.id)["ok"]
        assert shared == []
        assert call(ani, "chat", webinar_id=room.id, text="halo")["ok"]
        assert len(shared) == 1

    def test_too_many_messages_are_dropped_without_cutting(self, connect, people, room):
        ani = connect(people["ani"], join=room)
        replies = [call(ani, "chat", webinar_id=room.id, text=f"pesan {i}")["ok"] for i in range(7)]
        assert replies == [True] * 5 + [False] * 2
        assert errors(ani) == ["Mohon tunggu sebentar sebelum mengirim lagi."] * 2
        assert ani.is_connected(NS)


class TestChatAndQuestions:
    def test_chat_reaches_everyone_in_the_room_as_plain_text(self, connect, people, room):
        ani = connect(people["ani"], join=room)
        budi = connect(people["budi"], join=room)
        assert call(ani, "chat", webinar_id=room.id, text="Selamat pagi <b>semua</b>")["ok"]
        [message] = events(budi, "chat")
        assert message["text"] == "Selamat pagi semua" and message["user"]["name"] == "Ani Lestari"
        older = call(budi, "history", webinar_id=room.id, before_id=None)
        assert [m["text"] for m in older["messages"]] == ["Selamat pagi semua"] and older["more"] is False

    def test_question_upvoted_once_per_person(self, connect, people, room):
        ani = connect(people["ani"], join=room)
        budi = connect(people["budi"], join=room)
        question_id = call(ani, "ask", webinar_id=room.id, text="Apakah *JP* webinar dihitung?")["id"]
        [question] = events(budi, "question")
        assert "<em>JP</em>" in question["html"] and question["votes"] == 0
        assert call(budi, "upvote", webinar_id=room.id, question_id=question_id)["ok"]
        assert events(ani, "question")[-1]["votes"] == 1
        assert call(budi, "upvote", webinar_id=room.id, question_id=question_id)["ok"] is False
        assert errors(budi) == ["Anda sudah mendukung pertanyaan ini."]


class TestModeration:
    @pytest.mark.parametrize(
        ("event", "data"),
        [
            ("pin", {"message_id": None}),
            ("delete", {"message_id": 1}),
            ("mute", {"user_id": 1, "muted": True}),
            ("poll_open", {"poll_id": 1}),
            ("poll_close", {"poll_id": 1}),
            ("answer", {"question_id": 1}),
            ("end", {}),
        ],
    )
    def test_participants_cannot_moderate(self, connect, people, room, event, data):
        ani = connect(people["ani"], join=room)
        assert call(ani, event, webinar_id=room.id, **data)["ok"] is False
        assert errors(ani) == ["Hanya pemandu webinar yang dapat melakukan ini."]

    def test_pin_delete_and_mute(self, connect, people, room):
        trainer = connect(people["trainer"], join=room)
        ani = connect(people["ani"], join=room)
        budi = connect(people["budi"], join=room)
        message_id = call(ani, "chat", webinar_id=room.id, text="info penting")["id"]
        assert call(trainer, "pin", webinar_id=room.id, message_id=message_id)["ok"]
        assert events(budi, "pinned")[0]["text"] == "info penting"
        assert call(trainer, "delete", webinar_id=room.id, message_id=message_id)["ok"]
        assert events(budi, "message_deleted") == [{"id": message_id}]
        assert call(trainer, "mute", webinar_id=room.id, user_id=people["ani"].id, muted=True)["ok"]
        assert events(ani, "muted") == [{"user_id": people["ani"].id, "muted": True}]
        assert call(ani, "chat", webinar_id=room.id, text="halo?")["ok"] is False
        assert errors(ani) == ["Pemandu menonaktifkan obrolan Anda di webinar ini."]

    def test_poll_open_vote_close(self, app, db, connect, people, room):
        from lms.webinars import services

        with app.app_context():
            trainer_user = db.session.get(User, people["trainer"].id)
            webinar = services.get_webinar(room.id)
            poll = webinar_room.create_poll(
                trainer_user, webinar, "Sudah 20 JP?", ["Sudah", "Belum"], at=webinar.starts_at
            )
            poll_id, first = poll.id, poll.options[0].id
            db.session.commit()
        trainer = connect(people["trainer"], join=room)
        ani = connect(people["ani"], join=room)
        assert call(trainer, "poll_open", webinar_id=room.id, poll_id=poll_id)["ok"]
        [opened] = events(ani, "poll")
        assert opened["status"] == "open" and "votes" not in opened["options"][0]
        assert call(ani, "vote", webinar_id=room.id, poll_id=poll_id, option_id=first)["ok"]
        assert call(ani, "vote", webinar_id=room.id, poll_id=poll_id, option_id=first)["ok"] is False
        assert events(trainer, "poll_results")[-1]["options"][0]["votes"] == 1
        assert call(trainer, "poll_close", webinar_id=room.id, poll_id=poll_id)["ok"]
        closed = events(ani, "poll")[-1]
        assert closed["status"] == "closed" and [o["votes"] for o in closed["options"]] == [1, 0]

    def test_end_finalizes_attendance_and_closes_the_room(self, app, db, connect, people, room):
        trainer = connect(people["trainer"], join=room)
        ani = connect(people["ani"], join=room)
        assert call(trainer, "end", webinar_id=room.id)["ok"]
        assert events(ani, "ended") == [
            {"webinar_id": room.id, "present": False, "minutes": 0, "percent": 0.0}
        ]
        assert call(ani, "chat", webinar_id=room.id, text="halo?")["ok"] is False
        with app.app_context():
            records = db.session.scalars(sa.select(Attendance).where(Attendance.webinar_id == room.id)).all()
            assert {r.user_id for r in records} == {people["ani"].id, people["budi"].id}
            assert all(not r.present for r in records)  # joined ten minutes late, ended at once


def connection_rows(app, db, user_id):
    with app.app_context():
        rows = db.session.scalars(
            sa.select(WebinarConnection)
            .where(WebinarConnection.user_id == user_id)
            .order_by(WebinarConnection.id)
        ).all()
        db.session.expunge_all()  # keep the loaded values after the context ends
        return rows


def tick(app, at=None, sweep=True):
    """One round of the background flush and sweep that every server process runs."""
    with app.app_context():
        return presence.tick(presence.beats(), at or presence.now(), sweep=sweep)


class TestStatementsPerEvent:
    """The room's cost at 2,000 participants is its statements per event (bench/webinar_load.py)."""

    def test_heartbeat_is_one_statement_chat_two_join_two(self, app, connect, people, room, count_queries):
        ani = connect(people["ani"])
        budi = connect(people["budi"], join=room)
        with count_queries() as joining:
            assert call(ani, "join", webinar_id=room.id)["ok"]
        with count_queries() as beating:
            for _ in range(3):
                assert call(ani, "heartbeat", webinar_id=room.id)["ok"]
        with count_queries() as chatting:
            assert call(ani, "chat", webinar_id=room.id, text="halo")["ok"]
        assert events(budi, "chat")[0]["text"] == "halo"
        # access (user, session token, webinar, roles, co-host, registration, enrolment, mute,
        # the person's open connections, the pinned message's and the open poll's ids), the insert
        assert len(joining) == 2, joining
        assert len(beating) == 3, beating  # the access check only: the time is buffered
        assert len(chatting) == 2, chatting  # the access check and the insert

    def test_events_reuse_the_connections_session_without_decoding_the_cookie(
        self, app, connect, people, room, monkeypatch
    ):
        ani = connect(people["ani"], join=room)
        decoded = []
        original = type(app.session_interface).get_signing_serializer

        def counting(interface, app_):
            decoded.append(1)
            return original(interface, app_)

        monkeypatch.setattr(type(app.session_interface), "get_signing_serializer", counting)
        for _ in range(3):
            assert call(ani, "heartbeat", webinar_id=room.id)["ok"]
        assert call(ani, "chat", webinar_id=room.id, text="masih saya")["ok"]
        assert decoded == []
        assert app.test_client().get("/").status_code in (200, 302)  # pages decode theirs
        assert decoded

    def test_a_latecomer_sees_the_pinned_message_and_the_open_poll(
        self, app, db, connect, people, room, count_queries
    ):
        from lms.webinars import services

        with app.app_context():
            trainer_user = db.session.get(User, people["trainer"].id)
            webinar = services.get_webinar(room.id)
            poll = webinar_room.create_poll(
                trainer_user, webinar, "Siap?", ["Ya", "Belum"], at=webinar.starts_at
            )
            poll_id = poll.id
            db.session.commit()
        trainer = connect(people["trainer"], join=room)
        budi = connect(people["budi"], join=room)
        message_id = call(budi, "chat", webinar_id=room.id, text="baca ini dulu")["id"]
        assert call(trainer, "pin", webinar_id=room.id, message_id=message_id)["ok"]
        assert call(trainer, "poll_open", webinar_id=room.id, poll_id=poll_id)["ok"]
        ani = connect(people["ani"])
        with count_queries() as joining:
            reply = call(ani, "join", webinar_id=room.id)
        assert (
            reply["pinned"]["text"] == "baca ini dulu" and reply["pinned"]["user"]["name"] == "Budi Santoso"
        )
        assert reply["poll"]["id"] == poll_id and [o["text"] for o in reply["poll"]["options"]] == [
            "Ya",
            "Belum",
        ]
        assert len(joining) == 4, [q[:60] for q in joining]  # access, insert, and each of the two that exist
        # Joining twice on one socket keeps one interval; a deleted pin is no longer shown.
        assert call(trainer, "delete", webinar_id=room.id, message_id=message_id)["ok"]
        again = call(ani, "join", webinar_id=room.id)
        assert again["ok"] and again["pinned"] is None
        assert len([r for r in connection_rows(app, db, people["ani"].id) if r.closed_at is None]) == 1

    def test_latecomers_share_one_reading_of_the_pinned_message_and_the_open_poll(
        self, app, db, connect, people, room, make_registration, count_queries
    ):
        with app.app_context():
            trainer_user = db.session.get(User, people["trainer"].id)
            webinar = db.session.get(type(room), room.id)
            poll_id = webinar_room.create_poll(
                trainer_user, webinar, "Jelas?", ["Ya", "Tidak"], at=webinar.starts_at
            ).id
            db.session.commit()
        make_registration(room, people["citra"])
        trainer = connect(people["trainer"], join=room)
        budi = connect(people["budi"], join=room)
        message_id = call(budi, "chat", webinar_id=room.id, text="materi di sini")["id"]
        assert call(trainer, "pin", webinar_id=room.id, message_id=message_id)["ok"]
        assert call(trainer, "poll_open", webinar_id=room.id, poll_id=poll_id)["ok"]
        first = call(connect(people["ani"]), "join", webinar_id=room.id)
        citra = connect(people["citra"])
        with count_queries() as joining:
            second = call(citra, "join", webinar_id=room.id)
        assert second["pinned"] == first["pinned"] and second["pinned"]["text"] == "materi di sini"
        assert second["poll"] == first["poll"] and second["poll"]["id"] == poll_id
        assert len(joining) == 2, [q[:60] for q in joining]  # access and insert: the rest is shared
        # What is shown follows the room at once: unpinned and closed, nothing is shown.
        assert call(trainer, "pin", webinar_id=room.id, message_id=None)["ok"]
        assert call(trainer, "poll_close", webinar_id=room.id, poll_id=poll_id)["ok"]
        again = call(connect(people["citra"]), "join", webinar_id=room.id)
        assert again["ok"] and again["pinned"] is None and again["poll"] is None

    def test_a_flush_writes_every_buffered_heartbeat_in_one_statement(
        self, app, db, connect, people, room, count_queries
    ):
        ani = connect(people["ani"], join=room)
        budi = connect(people["budi"], join=room)
        joined = {u: connection_rows(app, db, people[u].id)[0].last_seen_at for u in ("ani", "budi")}
        call(ani, "heartbeat", webinar_id=room.id)
        call(budi, "heartbeat", webinar_id=room.id)
        assert connection_rows(app, db, people["ani"].id)[0].last_seen_at == joined["ani"]  # not yet
        with count_queries() as flushing:
            assert tick(app, sweep=False) == 2
        assert len(flushing) == 1, flushing
        for name in ("ani", "budi"):
            [row] = connection_rows(app, db, people[name].id)
            assert row.last_seen_at > joined[name] and row.closed_at is None
        assert tick(app, sweep=False) == 0  # nothing new to write


class TestBufferedHeartbeats:
    def test_a_connection_swept_elsewhere_opens_a_new_interval_at_its_next_heartbeat(
        self, app, db, connect, people, room
    ):
        trainer = connect(people["trainer"], join=room)
        ani = connect(people["ani"], join=room)
        events(trainer, "present")
        call(ani, "heartbeat", webinar_id=room.id)  # buffered
        # Meanwhile another process (or the cron) closed Ani's row, e.g. while this one stalled.
        with app.app_context():
            db.session.execute(
                sa.update(WebinarConnection)
                .where(WebinarConnection.user_id == people["ani"].id)
                .values(closed_at=presence.now(), close_reason="timeout")
            )
            db.session.commit()
        tick(app, sweep=False)  # the flush finds the row closed and stops buffering it
        assert call(ani, "heartbeat", webinar_id=room.id)["ok"]
        first, second = connection_rows(app, db, people["ani"].id)
        assert first.close_reason == "timeout" and second.closed_at is None  # the gap is not counted
        assert first.sid == second.sid
        assert events(trainer, "present") == [[{"id": people["ani"].id, "name": "Ani Lestari"}]]

    def test_a_heartbeat_after_a_long_silence_goes_to_the_database(self, app, db, connect, people, room):
        ani = connect(people["ani"], join=room)
        beats = app.extensions["webinar_beats"]
        [row] = connection_rows(app, db, people["ani"].id)
        # The time written at join is older than a sweep elsewhere may allow: no buffering.
        beats.track(row.sid, room.id, people["ani"].id, row.joined_at - beats.safe_age)
        assert call(ani, "heartbeat", webinar_id=room.id)["ok"]
        [row_after] = connection_rows(app, db, people["ani"].id)
        assert row_after.last_seen_at > row.last_seen_at  # written at once

    def test_the_periodic_sweep_closes_silent_connections_and_tells_moderators(
        self, app, db, connect, people, room
    ):
        from datetime import timedelta

        trainer = connect(people["trainer"], join=room)
        connect(people["ani"], join=room)
        events(trainer, "absent")
        [row] = connection_rows(app, db, people["ani"].id)
        later = row.last_seen_at + timedelta(seconds=app.config["WEBINAR_HEARTBEAT_TIMEOUT"] + 1)
        tick(app, at=later)
        [closed] = connection_rows(app, db, people["ani"].id)
        grace = timedelta(seconds=app.config["WEBINAR_HEARTBEAT_GRACE"])
        assert closed.close_reason == "timeout" and closed.closed_at == row.last_seen_at + grace
        assert {"id": people["ani"].id} in events(trainer, "absent")

    def test_disconnect_and_leave_stop_buffering(self, app, db, connect, people, room):
        ani = connect(people["ani"], join=room)
        beats = app.extensions["webinar_beats"]
        assert len(beats) == 1
        call(ani, "leave", webinar_id=room.id)
        assert len(beats) == 0
        call(ani, "join", webinar_id=room.id)
        assert len(beats) == 1
        ani.disconnect(namespace=NS)
        assert len(beats) == 0
        assert all(row.closed_at for row in connection_rows(app, db, people["ani"].id))


class TestAccessChangesAreSeenAtTheNextEvent:
    def test_a_muted_participant_is_refused_at_the_next_message(self, app, db, connect, people, room):
        from lms.webinars.models import WebinarMute

        ani = connect(people["ani"], join=room)
        assert call(ani, "chat", webinar_id=room.id, text="satu")["ok"]
        with app.app_context():
            db.session.add(WebinarMute(webinar_id=room.id, user_id=people["ani"].id))
            db.session.commit()
        assert call(ani, "chat", webinar_id=room.id, text="dua")["ok"] is False
        assert errors(ani)[-1] == "Pemandu menonaktifkan obrolan Anda di webinar ini."

    def test_a_heartbeat_of_a_removed_participant_is_refused(self, app, db, connect, people, room):
        ani = connect(people["ani"], join=room)
        call(ani, "heartbeat", webinar_id=room.id)
        with app.app_context():
            db.session.execute(sa.delete(Registration).where(Registration.user_id == people["ani"].id))
            db.session.commit()
        assert call(ani, "heartbeat", webinar_id=room.id)["ok"] is False
        assert errors(ani) == ["Anda tidak terdaftar di webinar ini."]
        assert (
            app.extensions["webinar_beats"].beat("x", room.id, people["ani"].id, presence.now()) is False
            and len(app.extensions["webinar_beats"]) == 0
        )

    def test_a_malformed_event_of_a_deactivated_user_still_cuts(self, app, db, connect, people, room):
        ani = connect(people["ani"], join=room)
        set_user(app, db, people["ani"].id, active=False)
        call(ani, "chat", {"text": "tanpa webinar"})
        assert not ani.is_connected(NS)
