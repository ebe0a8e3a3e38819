"""Issue 15: a participant joins the room in the Socket.IO connect itself.

The room page connects with `io("/webinar", {auth: {webinar_id: N}})`; one access statement then
checks the login session and the person's standing in the webinar (instead of the connect's
session check and the join event's own statement), the attendance interval opens and the join's
reply comes as a `joined` event. Every refusal of today's connect and join stays, as a refused
connection whose message the page shows, and a refused connection writes nothing.
"""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from socketio import packet

from lms.accounts import sessions
from lms.accounts.models import User, UserSession
from lms.extensions import socketio
from lms.webinars import attendance, presence
from lms.webinars import events as webinar_events
from lms.webinars import room as webinar_room
from lms.webinars.models import Webinar, WebinarConnection
from tests.webinars.conftest import unreachable

NS = "/webinar"
LOGIN_FIRST = "Silakan masuk terlebih dahulu untuk bergabung ke webinar."
MALFORMED_ID = "Data tidak lengkap atau tidak valid: webinar_id."


@pytest.fixture
def enter(app, db):
    """Connect a browser's socket to the room with the given auth payload."""
    opened = []

    def do(http, auth):
        sock = socketio.test_client(app, namespace=NS, flask_test_client=http, auth=auth)
        opened.append(sock)
        return sock

    yield do
    for sock in opened:
        if sock.is_connected(NS):
            sock.disconnect(namespace=NS)


@pytest.fixture
def refusals(monkeypatch):
    """What the server sent with each refused connection (python-socketio's CONNECT_ERROR
    payload: the message the page shows, and `data` when there is some)."""
    told = []
    base = socketio.server.packet_class

    class Recording(base):
        def __init__(self, packet_type=packet.EVENT, data=None, *args, **kwargs):
            super().__init__(packet_type, data, *args, **kwargs)
            if packet_type == packet.CONNECT_ERROR:
                told.append(data)

    monkeypatch.setattr(socketio.server, "packet_class", Recording)
    return told


def received(sock, name):
    return [e["args"][0] if e["args"] else None for e in sock.get_received(NS) if e["name"] == name]


def call(sock, event, **data):
    return sock.emit(event, data, namespace=NS, callback=True)


def set_webinar(app, db, webinar_id, **values):
    with app.app_context():
        db.session.execute(sa.update(Webinar).where(Webinar.id == webinar_id).values(**values))
        db.session.commit()


def open_intervals(app, db, webinar_id, user_id=None):
    with app.app_context():
        query = sa.select(WebinarConnection).where(
            WebinarConnection.webinar_id == webinar_id, WebinarConnection.closed_at.is_(None)
        )
        if user_id is not None:
            query = query.where(WebinarConnection.user_id == user_id)
        rows = db.session.scalars(query.order_by(WebinarConnection.id)).all()
        db.session.expunge_all()
        return rows


def login_session_ids(app, db, user_id):
    with app.app_context():
        query = sa.select(UserSession.id).where(
            UserSession.user_id == user_id, UserSession.ended_at.is_(None)
        )
        return set(db.session.scalars(query))


def person(user):
    return {"id": user.id, "name": user.name}


class TestJoinInTheConnect:
    def test_a_registered_learner_is_in_the_room_as_soon_as_connected(
        self, app, db, browser, enter, people, room
    ):
        trainer = enter(browser(people["trainer"]), {"webinar_id": room.id})
        [hosting] = received(trainer, "joined")
        assert hosting["ok"] and hosting["moderator"] is True and hosting["me"] == people["trainer"].id
        assert hosting["present"] == [person(people["trainer"])] and hosting["split"] is False

        ani_browser = browser(people["ani"])
        ani = enter(ani_browser, {"webinar_id": room.id})
        assert ani.is_connected(NS)
        assert received(ani, "joined") == [
            {
                "ok": True,
                "moderator": False,
                "muted": False,
                "me": people["ani"].id,
                "heartbeat": app.config["WEBINAR_HEARTBEAT_SECONDS"],
                "pinned": None,
                "poll": None,
            }
        ]
        # The interval is open, named by the login session, and the moderator was told.
        [interval] = open_intervals(app, db, room.id, people["ani"].id)
        assert interval.login_session_id in login_session_ids(app, db, people["ani"].id)
        assert received(trainer, "present") == [[person(people["ani"])]]
        # In the room: she hears it and may speak, without a join event.
        assert call(trainer, "chat", webinar_id=room.id, text="selamat datang")["ok"]
        assert [m["text"] for m in received(ani, "chat")] == ["selamat datang"]
        assert call(ani, "heartbeat", webinar_id=room.id)["ok"]
        assert call(ani, "chat", webinar_id=room.id, text="terima kasih")["ok"]

    def test_the_joined_event_is_the_join_events_reply(self, app, db, browser, enter, people, room):
        with app.app_context():  # something to show a latecomer: a pinned message and an open poll
            webinar = db.session.get(Webinar, room.id)
            trainer_user = db.session.get(User, people["trainer"].id)
            poll = webinar_room.create_poll(
                trainer_user, webinar, "Siap?", ["Ya", "Belum"], at=webinar.starts_at
            )
            webinar_room.open_poll(trainer_user, webinar, poll.id, at=webinar.starts_at)
            message = webinar_room.post_message(trainer_user, webinar, "baca ini", at=webinar.starts_at)
            webinar_room.pin_message(trainer_user, webinar, message.id, at=webinar.starts_at)
            db.session.commit()
        plain = socketio.test_client(app, namespace=NS, flask_test_client=browser(people["budi"]))
        by_event = call(plain, "join", webinar_id=room.id)
        ani = enter(browser(people["ani"]), {"webinar_id": room.id})
        [by_connect] = received(ani, "joined")
        assert (
            by_event["ok"]
            and by_event["pinned"]["text"] == "baca ini"
            and by_event["poll"]["question"] == "Siap?"
        )
        assert by_connect == {**by_event, "me": people["ani"].id}
        plain.disconnect(namespace=NS)

    def test_a_second_connect_of_the_same_person_is_another_tab(self, app, db, browser, enter, people, room):
        trainer = enter(browser(people["trainer"]), {"webinar_id": room.id})
        trainer.get_received(NS)  # the trainer's own reply and arrival
        ani_browser = browser(people["ani"])
        first = enter(ani_browser, {"webinar_id": room.id})
        second = enter(ani_browser, {"webinar_id": room.id})
        assert received(first, "joined") and received(second, "joined")
        assert len(open_intervals(app, db, room.id, people["ani"].id)) == 2
        assert received(trainer, "present") == [[person(people["ani"])]]  # told once
        second.disconnect(namespace=NS)
        assert received(trainer, "absent") == []  # the other tab is still in the room
        first.disconnect(namespace=NS)
        assert received(trainer, "absent") == [{"id": people["ani"].id}]
        assert open_intervals(app, db, room.id, people["ani"].id) == []

    def test_leaving_and_joining_again_on_the_same_socket(self, app, db, browser, enter, people, room):
        ani = enter(browser(people["ani"]), {"webinar_id": room.id})
        assert call(ani, "leave", webinar_id=room.id)["ok"]
        assert open_intervals(app, db, room.id, people["ani"].id) == []
        assert call(ani, "chat", webinar_id=room.id, text="masih di sini?")["ok"] is False
        again = call(ani, "join", webinar_id=room.id)
        assert again["ok"] and again["me"] == people["ani"].id
        assert len(open_intervals(app, db, room.id, people["ani"].id)) == 1
        assert call(ani, "chat", webinar_id=room.id, text="kembali")["ok"]

    def test_a_reconnect_sends_the_auth_again_and_joins_again(self, app, db, browser, enter, people, room):
        ani = enter(browser(people["ani"]), {"webinar_id": room.id})
        [before] = open_intervals(app, db, room.id, people["ani"].id)
        ani.disconnect(namespace=NS)  # the link dropped; socket.io connects again with the same auth
        ani.connect(namespace=NS, auth={"webinar_id": room.id})
        assert ani.is_connected(NS) and len(received(ani, "joined")) == 2
        [after] = open_intervals(app, db, room.id, people["ani"].id)
        assert after.id != before.id and after.sid != before.sid

    def test_a_remember_me_cookie_alone_still_joins(self, app, db, browser, enter, people, room):
        http = browser(people["ani"], remember="y")
        http.delete_cookie("session")  # the browser was closed: only the remember cookie is left
        ani = enter(http, {"webinar_id": room.id})
        assert ani.is_connected(NS) and received(ani, "joined")[0]["me"] == people["ani"].id
        assert len(open_intervals(app, db, room.id, people["ani"].id)) == 1

    def test_a_connect_without_a_webinar_is_todays_connect(self, app, db, browser, enter, people, room):
        for auth in (None, {}):
            ani = enter(browser(people["ani"]), auth)
            assert ani.is_connected(NS) and received(ani, "joined") == []
            assert open_intervals(app, db, room.id) == []
            assert call(ani, "join", webinar_id=room.id)["ok"]
            ani.disconnect(namespace=NS)


def writes(statements):
    return [s for s in statements if s.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]


class TestRefusedConnectsWriteNothing:
    def refused(self, app, db, enter, http, auth, refusals, count_queries):
        with count_queries() as statements:
            sock = enter(http, auth)
        assert not sock.is_connected(NS)
        assert [e for e in sock.queue if e["name"] == "joined"] == []
        assert writes(statements) == [], statements
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(WebinarConnection)) == 0
        assert len(refusals) == 1, refusals
        return refusals[0]

    def test_logged_out(self, app, db, enter, room, refusals, count_queries):
        told = self.refused(
            app, db, enter, app.test_client(), {"webinar_id": room.id}, refusals, count_queries
        )
        assert told["message"] == LOGIN_FIRST

    def test_a_session_ended_by_logout(self, app, db, browser, enter, people, room, refusals, count_queries):
        phone = browser(people["ani"])
        cookie = phone.get_cookie("session").value
        phone.post("/logout")
        replay = app.test_client()
        replay.set_cookie("session", cookie)
        told = self.refused(app, db, enter, replay, {"webinar_id": room.id}, refusals, count_queries)
        assert told["message"] == LOGIN_FIRST

    @pytest.mark.parametrize("change", ["idle", "deactivated"])
    def test_an_idle_session_or_a_deactivated_user(
        self, app, db, browser, enter, people, room, refusals, count_queries, change
    ):
        http = browser(people["ani"])
        with app.app_context():
            if change == "idle":
                idle = presence.now() - timedelta(seconds=app.config["SESSION_IDLE_TIMEOUT"] + 60)
                db.session.execute(
                    sa.update(UserSession)
                    .where(UserSession.user_id == people["ani"].id)
                    .values(last_seen_at=idle)
                )
            else:
                db.session.execute(sa.update(User).where(User.id == people["ani"].id).values(active=False))
            db.session.commit()
        told = self.refused(app, db, enter, http, {"webinar_id": room.id}, refusals, count_queries)
        assert told["message"] == LOGIN_FIRST

    def test_not_registered(self, app, db, browser, enter, people, room, refusals, count_queries):
        told = self.refused(
            app, db, enter, browser(people["citra"]), {"webinar_id": room.id}, refusals, count_queries
        )
        assert told["message"] == "Anda tidak terdaftar di webinar ini."  # as the join event says

    def test_registered_for_a_cancelled_webinar(
        self, app, db, browser, enter, people, room, refusals, count_queries
    ):
        set_webinar(app, db, room.id, cancelled_at=datetime.now(UTC))
        told = self.refused(
            app, db, enter, browser(people["ani"]), {"webinar_id": room.id}, refusals, count_queries
        )
        assert told["message"] == "Anda tidak terdaftar di webinar ini."

    def test_an_unknown_webinar(self, app, db, browser, enter, people, room, refusals, count_queries):
        told = self.refused(
            app, db, enter, browser(people["ani"]), {"webinar_id": 999999}, refusals, count_queries
        )
        assert told["message"] == "Webinar tidak ditemukan."

    def test_a_webinar_that_has_ended(self, app, db, browser, enter, people, room, refusals, count_queries):
        set_webinar(app, db, room.id, ended_at=datetime.now(UTC))
        told = self.refused(
            app, db, enter, browser(people["ani"]), {"webinar_id": room.id}, refusals, count_queries
        )
        assert told["message"] == "Webinar ini sudah selesai. Riwayat obrolan tetap dapat dibaca."

    @pytest.mark.parametrize(
        ("auth", "message"),
        [
            ({"webinar_id": "1"}, MALFORMED_ID),
            ({"webinar_id": True}, MALFORMED_ID),
            ({"webinar_id": 1.0}, MALFORMED_ID),
            ({"webinar_id": None}, MALFORMED_ID),
            ({"webinar_id": 0}, MALFORMED_ID),
            ({"webinar_id": -5}, MALFORMED_ID),
            ({"webinar_id": 2**31}, MALFORMED_ID),
            ({"webinar_id": 10**30}, MALFORMED_ID),
            ({"webinar_id": {"id": 1}}, MALFORMED_ID),
            ({"webinar_id": [1]}, MALFORMED_ID),
            ({"webinar": 1}, MALFORMED_ID),  # present, but no webinar_id
            ("1", "Format pesan tidak valid."),
            ([1], "Format pesan tidak valid."),
        ],
    )
    def test_a_malformed_webinar_id(
        self, app, db, browser, enter, people, room, refusals, count_queries, auth, message
    ):
        told = self.refused(app, db, enter, browser(people["ani"]), auth, refusals, count_queries)
        assert told["message"] == message

    def test_a_flood_of_connects(self, app, db, browser, enter, people, room, refusals, monkeypatch):
        monkeypatch.setitem(app.config, "WEBINAR_FLOOD_RATE_LIMIT", "2 per 10 seconds")
        http = browser(people["ani"])
        assert enter(http, {"webinar_id": room.id}).is_connected(NS)
        assert enter(http, {"webinar_id": room.id}).is_connected(NS)
        assert not enter(http, {"webinar_id": room.id}).is_connected(NS)
        assert refusals == [{"message": "Terlalu banyak pesan dalam waktu singkat. Sambungan Anda diputus."}]
        assert len(open_intervals(app, db, room.id, people["ani"].id)) == 2

    def test_an_unreachable_database(
        self, app, db, browser, enter, people, room, refusals, monkeypatch, caplog
    ):
        http = browser(people["ani"])

        # The whole database is gone: the room's statement and the user loader (the language of
        # a message is the user's) both fail.
        monkeypatch.setattr(webinar_events, "room_access", unreachable)
        monkeypatch.setattr(sessions, "load_user", unreachable)
        sock = enter(http, {"webinar_id": room.id})
        assert not sock.is_connected(NS)
        [told] = refusals
        assert "tidak tersedia" in told["message"] and told["data"] == {"retry": True}
        assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL") or r.exc_info]
        monkeypatch.undo()
        assert open_intervals(app, db, room.id) == []

    def test_a_failure_after_the_join_committed_closes_its_interval_at_once(
        self, app, db, browser, enter, people, room, refusals, monkeypatch, caplog
    ):
        # A moderator's join reads who is present after its INSERT has committed. When that read
        # fails, the connect is refused: the interval it opened must not stay open until the
        # stale sweep (attendance, hence JP, would count a person who never got in), nor the
        # socket stay in the presence buffer.
        monkeypatch.setattr(attendance, "present_users", unreachable)
        sock = enter(browser(people["trainer"]), {"webinar_id": room.id})
        assert not sock.is_connected(NS)
        [told] = refusals
        assert "tidak tersedia" in told["message"] and told["data"] == {"retry": True}
        with app.app_context():
            [closed] = db.session.scalars(
                sa.select(WebinarConnection).where(WebinarConnection.webinar_id == room.id)
            ).all()
            assert closed.closed_at is not None
        assert open_intervals(app, db, room.id) == []
        assert len(app.extensions["webinar_beats"]) == 0
        assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]

    def test_when_closing_it_fails_too_the_sweep_is_left_to_close_it(
        self, app, db, browser, enter, people, room, refusals, monkeypatch, caplog
    ):
        monkeypatch.setattr(attendance, "present_users", unreachable)
        monkeypatch.setattr(attendance, "leave", unreachable)
        sock = enter(browser(people["trainer"]), {"webinar_id": room.id})
        assert not sock.is_connected(NS)
        [told] = refusals
        assert told["data"] == {"retry": True}
        assert len(open_intervals(app, db, room.id)) == 1  # the stale sweep's, as before
        assert len(app.extensions["webinar_beats"]) == 0
        assert any("left to the stale sweep" in r.getMessage() for r in caplog.records)

    def test_an_unexpected_failure_refuses_and_never_connects_without_joining(
        self, app, db, browser, enter, people, room, refusals, monkeypatch
    ):
        # Flask-SocketIO calls a connect handler that raised TypeError again without the auth:
        # that would be a plain connect, outside the room, with the page waiting for `joined`.
        def broken(*args, **kwargs):
            raise TypeError("broken")

        monkeypatch.setattr(webinar_events, "room_access", broken)
        sock = enter(browser(people["ani"]), {"webinar_id": room.id})
        assert not sock.is_connected(NS)
        assert refusals == [{"message": "Maaf, terjadi kesalahan. Silakan coba lagi."}]
