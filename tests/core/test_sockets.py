"""Socket.IO refuses anonymous connections on every namespace, with the reason in the user's language."""

import pytest
from socketio import packet

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
