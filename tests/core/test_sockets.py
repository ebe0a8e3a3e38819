"""Socket.IO refuses anonymous connections on every namespace, with the reason in the user's language."""

import gc
import json

import pytest
from socketio import packet
from werkzeug.test import EnvironBuilder

from lms.extensions import socketio

REASONS = {
    "/": "Silakan masuk terlebih dahulu.",
    "/webinar": "Silakan masuk terlebih dahulu untuk bergabung ke webinar.",
}


def refusals(monkeypatch, sock, namespace):
    """Connect again, recording the CONNECT_ERROR packets the server sends back."""
    sent = []
    original = socketio.server._send_packet

    def spy(eio_sid, pkt):
        sent.append(pkt)
        return original(eio_sid, pkt)

    monkeypatch.setattr(socketio.server, "_send_packet", spy)
    sock.connect(namespace=namespace)
    return [p.data for p in sent if p.packet_type == packet.CONNECT_ERROR]


@pytest.mark.parametrize("namespace", ["/", "/webinar"])
def test_anonymous_is_refused_with_the_indonesian_reason(app, client, monkeypatch, namespace):
    sock = socketio.test_client(app, namespace=namespace, flask_test_client=client)
    assert not sock.is_connected(namespace)
    reasons = refusals(monkeypatch, sock, namespace)
    assert not sock.is_connected(namespace)
    assert reasons and reasons[0]["message"] == REASONS[namespace]


@pytest.mark.parametrize("namespace", ["/", "/webinar"])
def test_the_reason_follows_the_language_cookie(app, client, monkeypatch, namespace):
    client.set_cookie("lang", "en")
    sock = socketio.test_client(app, namespace=namespace, flask_test_client=client)
    reasons = refusals(monkeypatch, sock, namespace)
    assert reasons
    assert reasons[0]["message"] != REASONS[namespace] and "log in" in reasons[0]["message"].lower()


def test_unknown_namespace_is_refused(app, client):
    sock = socketio.test_client(app, namespace="/lain", flask_test_client=client)
    assert not sock.is_connected("/lain")


def test_logged_in_user_connects_to_the_webinar_namespace(app, client, make_user, login):
    login(make_user())
    sock = socketio.test_client(app, namespace="/webinar", flask_test_client=client)
    assert sock.is_connected("/webinar")
    sock.disconnect(namespace="/webinar")


def test_room_page_shows_the_refusal_reason():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "static" / "webinar-room.js").read_text()
    assert 'socket.on("connect_error"' in script and "err.message" in script


# ---------------------------------------------------------------- the WSGI entry (issue 15)


def wsgi_call(app, path, query_string=""):
    """Call the app's WSGI entry as gunicorn does (its socket in the environ); status, environ."""
    environ = EnvironBuilder(path=path, query_string=query_string).get_environ()
    environ["gunicorn.socket"] = object()
    status = []
    body = b"".join(app.wsgi_app(environ, lambda s, headers, exc_info=None: status.append(s)))
    return status[0], environ, body


def classes() -> int:
    return sum(isinstance(o, type) for o in gc.get_objects())


def test_a_page_request_defines_no_class_and_copies_no_environ(app):
    gc.collect()
    gc.disable()
    try:
        before = classes()
        for _ in range(5):
            status, environ, _body = wsgi_call(app, "/")
            assert status.startswith(("200", "302"))
            assert "eventlet.input" not in environ and "flask.app" not in environ
        assert classes() - before == 0
    finally:
        gc.enable()


def test_a_socket_keeps_the_handshake_environ_itself(app):
    status, environ, body = wsgi_call(app, "/socket.io/", "EIO=4&transport=polling")
    assert status.startswith("200")
    eio_sid = json.loads(body.decode()[1:])["sid"]  # engine.io's OPEN packet: "0{...}"
    server = app.wsgi_app.engineio_app  # this app's (`socketio.server` is the newest app's)
    try:
        kept = server.environ[eio_sid]
        assert kept is environ  # not a copy beside the one gunicorn's request holds
        assert kept["flask.app"] is app and "eventlet.input" not in kept
    finally:
        server.eio._trigger_event("disconnect", eio_sid, "test", run_async=False)
        server.eio.sockets.pop(eio_sid, None)


def test_other_paths_under_the_socket_prefix_are_pages(app):
    status, environ, _body = wsgi_call(app, "/socket.io")  # no trailing slash: not Socket.IO's
    assert status.startswith("404") and "flask.app" not in environ


@pytest.mark.parametrize(
    ("patched", "env", "tracked"),
    [
        (True, {}, False),  # a rooms process
        (True, {"GEVENT_TRACK_GREENLET_TREE": "1"}, True),  # one being debugged
        (False, {}, True),  # a page worker: gevent left alone
    ],
)
def test_a_rooms_process_does_not_track_where_greenlets_were_spawned(monkeypatch, patched, env, tracked):
    import gevent

    import lms

    monkeypatch.setattr(gevent.config, "track_greenlet_tree", True)
    monkeypatch.delenv("GEVENT_TRACK_GREENLET_TREE", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(lms, "greenlets_patched", lambda: patched)
    lms.lighten_greenlets()
    assert gevent.config.track_greenlet_tree is tracked


def test_a_request_without_a_path_is_a_page(app):
    environ = EnvironBuilder(path="/").get_environ()
    del environ["PATH_INFO"]  # WSGI lets a server omit an empty one
    status = []
    app.wsgi_app(environ, lambda s, headers, exc_info=None: status.append(s))
    assert status and not status[0].startswith("5")
