"""Redis gone: the room keeps working inside the process, heartbeats are still recorded, and
moderators are told the room is split. (The real outage, redis-server stopped and restarted
under two server processes, is in tests/faults.)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from limits.storage import storage_from_string

from lms.core import ratelimit, realtime
from lms.extensions import limiter, socketio
from lms.webinars import broadcast, presence
from lms.webinars import events as webinar_events
from lms.webinars.models import WebinarConnection
from tests.webinars.conftest import unreachable
from tests.webinars.test_events import NS, call, connect, events  # noqa: F401 - fixtures

DEAD_REDIS = "redis://127.0.0.1:9/0"  # the discard port: connection refused at once


@pytest.fixture
def redis_down(db, monkeypatch):
    """The app's rate-limit storage is a Redis that refuses connections."""
    dead = storage_from_string(DEAD_REDIS, socket_connect_timeout=0.5, socket_timeout=0.5)
    monkeypatch.setattr(limiter, "_storage", dead)
    monkeypatch.setattr(ratelimit, "counter", ratelimit.FallbackCounter())
    monkeypatch.setattr(webinar_events, "counter", ratelimit.counter)
    return dead


def test_room_events_work_without_redis_and_heartbeats_are_recorded(
    app,
    db,
    redis_down,
    connect,  # noqa: F811 - the fixture
    people,
    room,
    caplog,
):
    trainer = connect(people["trainer"], join=room)
    ani = connect(people["ani"])
    assert call(ani, "join", webinar_id=room.id)["ok"]
    assert call(ani, "chat", webinar_id=room.id, text="Halo saat Redis mati")["ok"]
    assert [m["text"] for m in events(trainer, "chat")] == ["Halo saat Redis mati"]
    assert call(ani, "heartbeat", webinar_id=room.id)["ok"]
    with app.app_context():
        presence.tick(presence.beats(), presence.now(), sweep=False)
        rows = db.session.scalars(sa.select(WebinarConnection).where(WebinarConnection.webinar_id == room.id))
        assert {c.user_id for c in rows if c.closed_at is None} == {people["ani"].id, people["trainer"].id}
    assert ratelimit.counter.degraded
    assert "rate-limit storage unreachable" in caplog.text


def test_limits_still_hold_in_memory_while_redis_is_down(redis_down):
    counter = ratelimit.counter
    assert all(counter.hit(redis_down, "3 per minute", "t", "u1") for _ in range(3))
    assert not counter.hit(redis_down, "3 per minute", "t", "u1")
    assert counter.hit(redis_down, "3 per minute", "t", "u2")


def test_limits_go_back_to_the_shared_storage_when_it_answers(redis_down, monkeypatch):
    counter = ratelimit.counter
    assert counter.hit(redis_down, "5 per minute", "t", "x")
    assert counter.degraded
    shared = storage_from_string("memory://")
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: 10**9)  # the retry pause is over
    assert counter.hit(shared, "5 per minute", "t", "x")
    assert not counter.degraded
    assert shared.get("LIMITER/t/x/5/1/minute") == 1


def test_moderators_are_told_when_the_room_splits_and_joins_again(
    app,
    db,
    connect,  # noqa: F811 - the fixture
    people,
    room,
):
    trainer = connect(people["trainer"], join=room)
    ani = connect(people["ani"], join=room)
    manager = socketio.server.manager
    broadcast.on_queue_split(manager, split=True)
    assert events(trainer, "room_split") == [{"split": True}]
    assert events(ani, "room_split") == []
    broadcast.on_queue_split(manager, split=False)
    assert events(trainer, "room_split") == [{"split": False}]


def test_the_queue_listener_reports_the_split_and_stops_publishing(monkeypatch):
    manager = realtime.ResilientRedisManager(DEAD_REDIS, channel="lms-test-split")
    seen = []

    def record(sender, split):
        seen.append(split)

    realtime.queue_split.connect(record)

    class Stop(Exception):
        pass

    def stop(seconds):
        raise Stop

    monkeypatch.setattr(realtime.time, "sleep", stop)
    try:
        listener = manager._redis_listen_with_retries()
        with pytest.raises(Stop):
            next(listener)
        assert manager.split and seen == [True]
        published = []
        monkeypatch.setattr(manager, "_redis_connect", lambda: published.append("connect"))
        assert manager._publish({"method": "emit"}) is None
        assert published == []  # no attempt per message while split: the listener reconnects
        manager._set_split(False)
        assert seen == [True, False]
    finally:
        realtime.queue_split.disconnect(record)


def test_an_unreachable_database_is_said_plainly_in_the_room(
    app,
    db,
    connect,  # noqa: F811 - the fixture
    people,
    room,
    monkeypatch,
):
    ani = connect(people["ani"], join=room)

    monkeypatch.setattr(webinar_events, "room_access", unreachable)
    reply = call(ani, "heartbeat", webinar_id=room.id)
    assert reply["ok"] is False and reply["retry"] is True
    assert "tidak tersedia" in reply["error"]


def test_the_outage_message_needs_no_database_for_its_language(
    app,
    db,
    connect,  # noqa: F811 - the fixture
    people,
    room,
    monkeypatch,
):
    """The whole database gone: the language of a message is the user's, whose loading fails
    too, so the outage answer takes it from the `lang` cookie (or the default) instead of
    failing a second time out of the event."""
    from lms.accounts import sessions

    ani = connect(people["ani"], join=room)

    monkeypatch.setattr(webinar_events, "room_access", unreachable)
    monkeypatch.setattr(sessions, "load_user", unreachable)
    reply = call(ani, "heartbeat", webinar_id=room.id)
    assert reply["ok"] is False and reply["retry"] is True
    assert reply["error"] == "Layanan sedang tidak tersedia sebentar. Silakan coba lagi dalam beberapa saat."
