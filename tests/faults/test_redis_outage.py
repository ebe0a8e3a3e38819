"""redis-server stopped and started under a webinar held on two room processes
(deploy/gunicorn-rooms.conf.py, rooms shared through Redis): logins keep working, each process's
room keeps working with a notice to its moderators, heartbeats are still recorded so attendance
has no hole, and the rooms join up again by themselves when Redis returns."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.webinars.models import Attendance, Webinar, WebinarConnection
from tests.faults.conftest import Browser, Participant, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]  # one worker: see conftest

OUTAGE_SECONDS = 8  # longer than the heartbeat timeout (WEBINAR_SETTINGS): lost heartbeats would show


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


def test_redis_outage_keeps_logins_rooms_and_attendance(redis_server, topology):
    url, world = topology.database_url, topology.world
    webinar_id = world["webinar"]
    ani_email, budi_email = list(world["attendees"])
    emails = {
        "trainer": world["trainer"],
        "ani": ani_email,
        "budi": budi_email,
        "citra": world["learners"][-1],
    }
    first, second = topology.rooms  # each room process directly: the front door would pick one
    log_before = len(topology.output())

    def enter(base, who) -> Participant:
        browser = Browser(base)
        assert browser.login(emails[who]) == 302
        participant = Participant(base, browser)
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
        for base in (topology.front, first, second):
            assert Browser(base).login(emails["citra"]) == 302
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))

        redis_server.start()
        people["trainer"].wait_for("room_split", lambda p: p == {"split": False}, timeout=20)

        # Shared again: a message from the first process reaches the moderator on the second. Each
        # process finds Redis again on its own retry schedule, and the trainer's says so: until the
        # first one has, what it sends stays inside it (by design), so Ani says it again.
        attempts = itertools.count(1)

        def delivered_across():
            text = f"kembali {next(attempts)}"
            assert people["ani"].call("chat", webinar_id=webinar_id, text=text)["ok"]
            try:
                people["trainer"].wait_for("chat", lambda m: m["text"] == text, timeout=2)
            except AssertionError:
                return False
            return True

        wait_for(delivered_across, 40, "chat across processes after Redis returned")

        # The page limits go back to Redis too, checked again at the next requests (no restart).
        def limits_shared_again():
            for base in (first, second):
                assert Browser(base).login(emails["citra"]) == 302
            log = topology.output()[log_before:]
            return log.count("Rate limit storage recovered") >= 2

        wait_for(limits_shared_again, 40, "the login limits back on Redis", interval=1)
        time.sleep(1.5)  # a last flush of the buffered heartbeats
    finally:
        beats.stop.set()
        beats.join(timeout=10)
        for participant in people.values():
            participant.close()
    left_at = datetime.now(UTC)

    assert beats.sent > 0 and not beats.failures, beats.failures[:5]
    assert topology.running(), "the topology had to be restarted"
    logs = topology.output()[log_before:]
    assert "Traceback" not in logs, logs[-3000:]
    assert "falling back to in-memory storage" in logs  # the login limits, logged
    assert "Socket.IO message queue unreachable" in logs
    assert "rooms are shared by every process" in logs  # and whole again
    assert "these limits are shared again" in logs

    engine = sa.create_engine(url)
    try:

        def all_closed():
            with engine.connect() as conn:
                rows = conn.execute(
                    sa.select(WebinarConnection).where(WebinarConnection.webinar_id == webinar_id)
                ).all()
            return rows if rows and all(r.closed_at for r in rows) else None

        connections = wait_for(all_closed, 30, "the room processes closing the connections")
    finally:
        engine.dispose()

    # One interval per participant, from before the outage to the end: no hole, nothing swept.
    for name in ("ani", "budi"):
        mine = [c for c in connections if c.user_id == world["attendees"][emails[name]]]
        assert len(mine) == 1, mine
        (connection,) = mine
        assert connection.joined_at <= joined_at + timedelta(seconds=1)
        assert connection.closed_at >= left_at - timedelta(seconds=3), (connection, left_at)
    ended = final_attendance(url, webinar_id, left_at)
    for name in ("ani", "budi"):
        span = (left_at - joined_at).total_seconds()
        assert ended[world["attendees"][emails[name]]] >= span - 3, (name, ended, span)


def final_attendance(url: str, webinar_id: int, at: datetime) -> dict[int, int]:
    """End the webinar as its host would, and read each participant's attended seconds."""
    from lms import create_app
    from lms.extensions import db
    from lms.webinars import attendance

    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        webinar = db.session.get(Webinar, webinar_id)
        attendance.end_webinar(webinar, by=webinar.host, at=at)
        db.session.commit()
        rows = db.session.execute(
            sa.select(Attendance.user_id, Attendance.attended_seconds).where(
                Attendance.webinar_id == webinar_id
            )
        ).all()
        db.engine.dispose()
    return dict(rows)
