"""redis-server stopped and started under a webinar held on two room processes
(deploy/gunicorn-rooms.conf.py, rooms shared through Redis): logins keep working, each process's
room keeps working with a notice to its moderators, heartbeats are still recorded so attendance
has no hole, and the rooms join up again by themselves when Redis returns."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from lms.accounts.models import Role
from lms.webinars.models import Attendance, Webinar, WebinarConnection
from tests import factories
from tests.faults.conftest import Browser, Participant, migrated, server_env, wait_for

OUTAGE_SECONDS = 8
HEARTBEAT_TIMEOUT = 6  # shorter than the outage: lost heartbeats would close the intervals


def seed(app):
    agency = factories.agency(code="REDIS")
    trainer = factories.user(agency, roles=(Role.TRAINER,), name="Pemandu")
    ani, budi, citra = (factories.user(agency, name=name) for name in ("Ani", "Budi", "Citra"))
    webinar = factories.webinar(trainer)
    for user in (ani, budi):
        factories.registration(webinar, user)
    return {
        "webinar": webinar.id,
        "emails": {"trainer": trainer.email, "ani": ani.email, "budi": budi.email, "citra": citra.email},
        "ids": {"ani": ani.id, "budi": budi.id},
    }


class Heartbeats(threading.Thread):
    """Each participant's heartbeat every half second (the room page sends one every 30 s)."""

    def __init__(self, people: dict[str, Participant], webinar_id: int):
        super().__init__(daemon=True)
        self.people, self.webinar_id = people, webinar_id
        self.stop = threading.Event()
        self.failures: list[tuple[str, object]] = []
        self.sent = 0

    def run(self):
        while not self.stop.wait(0.5):
            for name, participant in self.people.items():
                reply = participant.call("heartbeat", webinar_id=self.webinar_id)
                self.sent += 1
                if not reply or not reply.get("ok"):
                    self.failures.append((name, reply))


def test_redis_outage_keeps_logins_rooms_and_attendance(postgres, redis_server, start_server, tmp_path):
    url = postgres.database("room_outage")
    world = migrated(url, seed)
    webinar_id, emails = world["webinar"], world["emails"]
    env = server_env(
        url,
        redis_server.url,
        tmp_path,
        SOCKETIO_CHANNEL=f"lms-faults-{uuid.uuid4().hex}",
        LMS_WEBINAR_FLUSH_SECONDS="1",
        LMS_WEBINAR_SWEEP_SECONDS="2",
        LMS_WEBINAR_HEARTBEAT_TIMEOUT=str(HEARTBEAT_TIMEOUT),
        LMS_WEBINAR_HEARTBEAT_GRACE="1",
    )
    first, second = start_server("rooms", env), start_server("rooms", env)
    first.wait_ready()
    second.wait_ready()

    def enter(server, who) -> Participant:
        browser = Browser(server.base)
        assert browser.login(emails[who]) == 302
        participant = Participant(server.base, browser)
        assert participant.call("join", webinar_id=webinar_id)["ok"]
        return participant

    people: dict[str, Participant] = {}
    beats = Heartbeats(people, webinar_id)
    try:
        people["trainer"] = enter(second, "trainer")
        people["ani"] = enter(first, "ani")
        people["budi"] = enter(second, "budi")
        joined_at = datetime.now(UTC)
        beats.start()
        assert people["ani"].call("chat", webinar_id=webinar_id, text="sebelum")["ok"]
        people["trainer"].wait_for("chat", lambda m: m["text"] == "sebelum")  # across processes

        redis_server.stop()
        down_at = time.monotonic()
        # The moderator is told that the room is split; the room goes on inside each process.
        people["trainer"].wait_for("room_split", lambda p: p == {"split": True}, timeout=10)
        assert people["budi"].call("chat", webinar_id=webinar_id, text="saat Redis mati")["ok"]
        people["trainer"].wait_for("chat", lambda m: m["text"] == "saat Redis mati")
        # Logging in needs no Redis: the rate limits count in each process's memory.
        for server in (first, second):
            assert Browser(server.base).login(emails["citra"]) == 302
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))

        redis_server.start()
        people["trainer"].wait_for("room_split", lambda p: p == {"split": False}, timeout=20)
        # Shared again: a message from the first process reaches the moderator on the second.
        wait_for(
            lambda: people["ani"].call("chat", webinar_id=webinar_id, text="kembali")["ok"],
            10,
            "chat after Redis returned",
        )
        people["trainer"].wait_for("chat", lambda m: m["text"] == "kembali", timeout=20)
        time.sleep(1.5)  # a last flush of the buffered heartbeats
    finally:
        beats.stop.set()
        beats.join(timeout=10)
        for participant in people.values():
            participant.close()
    left_at = datetime.now(UTC)

    assert beats.sent > 0 and not beats.failures, beats.failures[:5]
    for server in (first, second):
        assert server.process.poll() is None, "a room process had to be restarted"
        log = server.output()
        assert "Traceback" not in log, log[-3000:]
    logs = first.output() + second.output()
    assert "falling back to in-memory storage" in logs  # the login limits, logged
    assert "Socket.IO message queue unreachable" in logs
    assert "rooms are shared by every process" in logs  # and whole again

    engine = sa.create_engine(url)
    try:

        def all_closed():
            with engine.connect() as conn:
                rows = conn.execute(sa.select(WebinarConnection)).all()
            return rows if rows and all(r.closed_at for r in rows) else None

        connections = wait_for(all_closed, 30, "the room processes closing the connections")
    finally:
        engine.dispose()

    # One interval per participant, from before the outage to the end: no hole, nothing swept.
    for name in ("ani", "budi"):
        mine = [c for c in connections if c.user_id == world["ids"][name]]
        assert len(mine) == 1, mine
        (connection,) = mine
        assert connection.joined_at <= joined_at + timedelta(seconds=1)
        assert connection.closed_at >= left_at - timedelta(seconds=3), (connection, left_at)
    ended = final_attendance(url, webinar_id, left_at)
    for name in ("ani", "budi"):
        span = (left_at - joined_at).total_seconds()
        assert ended[world["ids"][name]] >= span - 3, (name, ended, span)


def final_attendance(url: str, webinar_id: int, at: datetime) -> dict[int, int]:
    """End the webinar as its host would, and read each participant's attended seconds."""
    from lms import create_app
    from lms.extensions import db
    from lms.webinars import services

    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        webinar = db.session.get(Webinar, webinar_id)
        services.end_webinar(webinar, by=webinar.host, at=at)
        db.session.commit()
        rows = db.session.execute(
            sa.select(Attendance.user_id, Attendance.attended_seconds).where(
                Attendance.webinar_id == webinar_id
            )
        ).all()
        db.engine.dispose()
    return dict(rows)
