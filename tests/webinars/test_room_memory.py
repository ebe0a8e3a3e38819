"""Issue 15: a room process holds thousands of sockets, so what one event leaves behind counts.

Every Socket.IO event runs in a request context made from its connection's handshake
(`/socket.io/`), which no URL rule matches: Flask stores the NotFound on the request, and its
traceback holds the frames that hold the request. Only the garbage collector frees that cycle, and
a room process collects seldom (lms/webinars/presence.py), so about one such cycle per participant
stayed in memory. The events let go of the miss first (`core.sockets.forget_routing_miss`).
"""

import gc

import pytest
from werkzeug.exceptions import NotFound

from lms.extensions import socketio
from tests.factories import PASSWORD

NS = "/webinar"


def routing_misses() -> set[int]:
    return {id(o) for o in gc.get_objects() if isinstance(o, NotFound)}


@pytest.fixture
def collector_off():
    """No collection runs while the test's events do, as in a room between its rare passes."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def test_room_events_leave_no_routing_miss_to_the_collector(app, people, room, collector_off):
    http = app.test_client()
    response = http.post("/login", data={"login": people["ani"].email, "password": PASSWORD})
    assert response.status_code == 302
    before = routing_misses()

    sock = socketio.test_client(app, namespace=NS, flask_test_client=http, auth={"webinar_id": room.id})
    assert sock.is_connected(NS)
    for event in ("heartbeat", "leave", "join"):
        reply = sock.emit(event, {"webinar_id": room.id}, namespace=NS, callback=True)
        assert reply["ok"], (event, reply)
    sock.disconnect(namespace=NS)

    assert routing_misses() - before == set()
