"""The session cookie, verified once per cookie text and then answered from memory."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, get_flashed_messages, session

from lms.core import cookie_session


def _open(app, cookie: str | None, path: str = "/"):
    headers = {"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"} if cookie else {}
    with app.test_request_context(path, headers=headers) as context:
        return app.session_interface.open_session(app, context.request)


def _signed(app, data: dict) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(data)


def test_a_verified_cookie_is_kept_and_each_request_gets_its_own_copy(app):
    cookie = _signed(app, {"_user_id": "7", "_fresh": True})
    first = _open(app, cookie)
    assert dict(first) == {"_user_id": "7", "_fresh": True}
    assert cookie in app.session_interface._verified
    first["_user_id"] = "8"  # a request changing its session changes nothing kept
    again = _open(app, cookie)
    assert dict(again) == {"_user_id": "7", "_fresh": True} and again is not first
    assert not again.modified


def test_a_tampered_cookie_is_refused_even_beside_a_kept_one(app):
    cookie = _signed(app, {"_user_id": "7"})
    assert _open(app, cookie)["_user_id"] == "7"
    payload, _, signature = cookie.rpartition(".")
    forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    assert dict(_open(app, forged)) == {}
    assert dict(_open(app, cookie[:-1])) == {}
    assert forged not in app.session_interface._verified


def test_a_kept_cookie_expires_with_the_session_lifetime(app, monkeypatch):
    cookie = _signed(app, {"_user_id": "7"})
    assert _open(app, cookie)["_user_id"] == "7"
    monkeypatch.setattr(app, "permanent_session_lifetime", timedelta(seconds=-1))
    assert dict(_open(app, cookie)) == {}


def test_a_kept_cookie_is_not_accepted_once_the_keys_change(app, monkeypatch):
    cookie = _signed(app, {"_user_id": "7"})
    assert _open(app, cookie)["_user_id"] == "7"
    monkeypatch.setattr(app, "secret_key", "another-secret-key-" + "y" * 30)
    assert dict(_open(app, cookie)) == {}


def test_sessions_holding_lists_are_not_kept(app, client):
    """`flash()` appends to the session's list in place: such a session is decoded every time."""
    with app.test_request_context("/"):
        flash("pertama")
        cookie = _signed(app, dict(session))
    opened = _open(app, cookie)
    assert cookie not in app.session_interface._verified
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        flash("kedua")
        assert get_flashed_messages() == ["pertama", "kedua"]
    assert list(opened["_flashes"]) == [("message", "pertama")]
    assert [list(m) for m in _open(app, cookie)["_flashes"]] == [["message", "pertama"]]


def test_the_kept_cookies_are_bounded(app, monkeypatch):
    monkeypatch.setattr(cookie_session, "KEPT_COOKIES", 3)
    interface = app.session_interface
    monkeypatch.setattr(interface, "_verified", {})
    for n in range(7):
        assert _open(app, _signed(app, {"n": n}))["n"] == n
        assert len(interface._verified) <= 3


def test_no_cookie_is_an_empty_session(app):
    assert dict(_open(app, None)) == {}


def test_socket_connections_keep_no_cookie(app):
    """A Socket.IO connection decodes its cookie once and keeps its session: the rooms process,
    with thousands of connections, would only hold a copy of each."""
    cookie = _signed(app, {"_user_id": "9"})
    assert _open(app, cookie, "/socket.io/?EIO=4&transport=websocket")["_user_id"] == "9"
    assert cookie not in app.session_interface._verified
