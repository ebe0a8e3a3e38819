"""Issue 15: a room process holds thousands of sockets, so what one event leaves behind counts.

Every Socket.IO event runs in a request context made from its connection's handshake
(`/socket.io/`), which no URL rule matches: Flask stores the NotFound on the request, and its
traceback holds the frames that hold the request. Only the garbage collector frees that cycle, and
a room process collects seldom (lms/webinars/presence.py), so about one such cycle per participant
stayed in memory. The events let go of the miss first (`core.sockets.forget_routing_miss`).

python-socketio also keeps each socket's handshake environ, and Flask-SocketIO a copy of the Flask
session in it, for as long as the socket is open: once a connect is accepted they hold only what
the events read, the login and the language cookie (`core.sockets.keep_only_the_login`).
"""

import gc

import pytest
from werkzeug.exceptions import NotFound

from lms.extensions import socketio
from lms.webinars import events as webinar_events
from tests.webinars.conftest import unreachable

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


def test_room_events_leave_no_routing_miss_to_the_collector(app, browser, people, room, collector_off):
    http = browser(people["ani"])
    before = routing_misses()

    sock = socketio.test_client(app, namespace=NS, flask_test_client=http, auth={"webinar_id": room.id})
    assert sock.is_connected(NS)
    for event in ("heartbeat", "leave", "join"):
        reply = sock.emit(event, {"webinar_id": room.id}, namespace=NS, callback=True)
        assert reply["ok"], (event, reply)
    sock.disconnect(namespace=NS)

    assert routing_misses() - before == set()


def kept_handshake(sock) -> dict:
    return socketio.server.environ[sock.eio_sid]


@pytest.mark.parametrize("remember", [False, True], ids=["session", "remember-me cookie alone"])
def test_an_accepted_socket_keeps_only_the_login_and_the_language(app, browser, people, room, remember):
    http = browser(people["ani"], **({"remember": "y"} if remember else {}))
    if remember:
        http.delete_cookie("session")  # the browser was closed: the connect logs in again
    http.set_cookie("lang", "en")

    sock = socketio.test_client(app, namespace=NS, flask_test_client=http, auth={"webinar_id": room.id})
    assert sock.is_connected(NS)
    environ = kept_handshake(sock)
    assert dict(environ["saved_session"]) == {"_user_id": environ["saved_session"]["_user_id"]}
    assert environ["saved_session"]["_user_id"].startswith(f"{people['ani'].id}:")
    assert environ["HTTP_COOKIE"] == "lang=en"

    # The events still know who it is, and in which language to answer.
    assert sock.emit("heartbeat", {"webinar_id": room.id}, namespace=NS, callback=True)["ok"]
    sock.get_received(NS)
    assert sock.emit("launch", {}, namespace=NS, callback=True) == {"ok": False, "error": "Unknown command."}
    sock.disconnect(namespace=NS)


def test_with_the_database_gone_an_event_still_answers_in_the_cookies_language(
    app, browser, people, room, monkeypatch
):
    http = browser(people["ani"])
    http.set_cookie("lang", "en")
    sock = socketio.test_client(app, namespace=NS, flask_test_client=http, auth={"webinar_id": room.id})
    assert sock.is_connected(NS)

    monkeypatch.setattr(webinar_events, "room_access", unreachable)
    reply = sock.emit("heartbeat", {"webinar_id": room.id}, namespace=NS, callback=True)
    assert reply == {
        "ok": False,
        "error": "The service is briefly unavailable. Please try again in a moment.",
        "retry": True,
    }
    monkeypatch.undo()
    sock.disconnect(namespace=NS)


@pytest.mark.parametrize("lang", [None, "xx"], ids=["no language cookie", "an unknown language"])
def test_without_a_language_of_ours_no_cookie_is_kept(app, browser, people, room, lang):
    http = browser(people["ani"])
    if lang:
        http.set_cookie("lang", lang)
    sock = socketio.test_client(app, namespace=NS, flask_test_client=http, auth={"webinar_id": room.id})
    assert sock.is_connected(NS)
    assert "HTTP_COOKIE" not in kept_handshake(sock)
    assert sock.emit("launch", {}, namespace=NS, callback=True)["error"] == "Perintah tidak dikenal."
    sock.disconnect(namespace=NS)


def test_the_default_namespace_keeps_only_the_login_too(app, browser, people):
    http = browser(people["ani"])
    sock = socketio.test_client(app, flask_test_client=http)
    assert sock.is_connected()
    assert set(kept_handshake(sock)["saved_session"]) == {"_user_id"}
    assert "HTTP_COOKIE" not in kept_handshake(sock)
    sock.disconnect()
