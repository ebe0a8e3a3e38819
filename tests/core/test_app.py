import itertools
import re
import subprocess
import sys

import pytest
from itsdangerous import BadSignature, TimestampSigner
from werkzeug.exceptions import NotFound

from config import ProductionConfig
from lms import create_app
from tests.factories import PASSWORD


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_script_or_handlers(client, make_user, make_agency, login):
    from lms.accounts.models import Role

    agency = make_agency()
    login(make_user(agency, roles=(Role.ADMIN,)))
    for path in (
        "/",
        "/account",
        "/admin/agencies",
        f"/admin/agencies/{agency.id}",
        f"/admin/agencies/{agency.id}/people",
        f"/admin/agencies/{agency.id}/import",
    ):
        html = client.get(path).text
        assert "<script>" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert "style=" not in html, path


def test_session_cookie_flags(client, make_user, make_agency):
    user = make_user(make_agency())
    response = client.post("/login", data={"login": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_refuses_default_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_needs_database_url(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app(ProductionConfig, SECRET_KEY="x" * 40)


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app(ProductionConfig, SECRET_KEY="x" * 40)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    with app.test_client() as client:
        assert "max-age=31536000" in client.get("/login").headers["Strict-Transport-Security"]


def test_not_found_page_in_indonesian(client):
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.text


def test_csrf_is_enforced(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/language", data={"lang": "en"})
    assert response.status_code == 400
    assert "Formulir sudah kedaluwarsa" in response.text
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "login": "x@y.id", "password": "12345678"})
    assert response.status_code == 200  # accepted, then refused as a wrong password
    assert "kata sandi salah" in response.text


def _logout_token(page: str) -> str:
    return re.search(
        r'action="/logout"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"', page
    ).group(1)


def test_a_session_s_signed_csrf_token_is_kept_and_accepted(app, client, make_user, login, monkeypatch):
    from lms.core import templating

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setattr(templating, "_signed_csrf", {})
    seconds = itertools.count(1_800_000_000)  # every signing a second later: a token signed again differs
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda signer: next(seconds))
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    user = make_user()
    answer = client.post("/login", data={"csrf_token": token, "login": user.email, "password": PASSWORD})
    assert answer.status_code == 302
    first, again = _logout_token(client.get("/").text), _logout_token(client.get("/courses/").text)
    assert first == again and len(templating._signed_csrf) == 1  # signed once for this session
    other = app.test_client()
    other_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', other.get("/login").text)
    assert other_token.group(1) != first  # another session, another token
    assert client.post("/logout", data={"csrf_token": other_token.group(1)}).status_code == 400
    assert client.post("/logout", data={"csrf_token": first}).status_code == 302


def test_with_a_time_limit_csrf_tokens_are_signed_at_each_page(app, client, make_user, login, monkeypatch):
    from lms.core import templating

    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    monkeypatch.setattr(templating, "_signed_csrf", {})
    login(make_user())
    assert _logout_token(client.get("/").text)
    assert templating._signed_csrf == {}


def test_static_files_are_fingerprinted_and_cached(client):
    html = client.get("/login").text
    href = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', html).group(1)
    with client.get(href) as response:
        assert response.status_code == 200
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]


def test_a_gzipped_static_file_is_answered_304_when_the_browser_has_it(client):
    href = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', client.get("/login").text).group(1)
    gzip = {"Accept-Encoding": "gzip"}
    with client.get(href, headers=gzip) as first:
        etag = first.headers["ETag"]
        assert first.headers["Content-Encoding"] == "gzip" and etag.endswith(':gzip"')
    with client.get(href, headers={**gzip, "If-None-Match": etag}) as again:
        assert again.status_code == 304 and again.data == b""
    with client.get(href, headers={**gzip, "If-None-Match": '"another"'}) as changed:
        assert changed.status_code == 200 and changed.data


def test_pages_without_a_validator_are_never_304(client):
    page = client.get(
        "/login", headers={"Accept-Encoding": "gzip", "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
    )
    assert page.status_code == 200 and "ETag" not in page.headers and page.data


def test_times_are_shown_in_the_user_zone(app):
    from datetime import UTC, datetime

    from lms.core.templating import local_datetime

    with app.test_request_context():
        app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Jayapura"
        try:
            text = local_datetime(datetime(2026, 1, 1, 0, 30, tzinfo=UTC), "short")
        finally:
            app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Jakarta"
    assert "09.30" in text or "09:30" in text
    assert text.endswith("WIT")


@pytest.mark.parametrize("socket_event", [False, True], ids=["form-post", "socketio-event"])
def test_two_sqlite_writers_wait_for_each_other_instead_of_failing(tmp_path, socket_event):
    """Two form posts that read then write the same row: on the embedded SQLite database the
    second waits for the first (no "database is locked", no lost update). So do two Socket.IO
    events (a leave and a disconnect), which run in the request context of their handshake, a GET."""
    import threading
    import time

    from sqlalchemy import text

    from lms.extensions import db

    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'lms.sqlite3'}")
    with app.app_context():
        db.session.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        db.session.execute(text("INSERT INTO counter (n) VALUES (0)"))
        db.session.commit()
    start, errors = threading.Barrier(2), []

    def post():
        with app.test_request_context("/", method="GET" if socket_event else "POST"):
            if socket_event:
                from flask import request

                request.event = {"message": "leave", "args": ()}  # as Flask-SocketIO sets it
            try:
                start.wait(timeout=5)
                n = db.session.execute(text("SELECT n FROM counter")).scalar_one()
                time.sleep(0.2)  # both have read before either writes
                db.session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - the assertion below reports it
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    with app.app_context():
        assert db.session.execute(text("SELECT n FROM counter")).scalar_one() == 2
        assert db.session.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        db.engine.dispose()
    assert errors == []


def test_another_app_in_the_same_process_connects_no_subscriber_twice(app, tmp_path):
    import sqlalchemy as sa

    from lms.accounts.models import User
    from lms.careers import subscribers
    from lms.certificates.signals import certificate_revoked
    from lms.courses.signals import course_awards_changed, course_completed
    from lms.webinars.signals import attendance_corrected, webinar_attended, webinar_competencies_changed

    signals = [
        course_completed,
        course_awards_changed,
        webinar_attended,
        attendance_corrected,
        webinar_competencies_changed,
        certificate_revoked,
    ]
    before = [len(signal.receivers) for signal in signals]
    assert all(before), "every signal has its subscribers once the app is built"
    create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert [len(signal.receivers) for signal in signals] == before
    assert sa.event.contains(User, "after_update", subscribers.on_user_updated)


def test_ids_past_the_database_integer_range_are_not_found(app, client, make_user, login):
    """PostgreSQL's integer stops at 2**31 - 1: a larger id in a path was a 500 (found by
    schemathesis on PUT /api/v1/lessons/2147483648/completion); it is simply not found."""
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/webinars/2147483647")[0] == "webinars.detail"
    for path in ("/webinars/2147483648", "/api/v1/lessons/99999999999999999999/completion"):
        with pytest.raises(NotFound):
            adapter.match(path, method="GET" if "webinars" in path else "PUT")
    login(make_user())
    assert client.put("/api/v1/lessons/2147483648/completion", json={}).status_code == 404


def test_the_session_serializer_is_kept_until_the_keys_change(app, monkeypatch):
    interface = app.session_interface
    kept = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is kept
    cookie = kept.dumps({"_user_id": "7"})
    monkeypatch.setattr(app, "secret_key", "another-secret-key-" + "y" * 30)
    rotated = interface.get_signing_serializer(app)
    assert rotated is not kept
    with pytest.raises(BadSignature):
        rotated.loads(cookie)  # the old key no longer signs, nor verifies
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [kept.secret_keys[-1]])
    assert interface.get_signing_serializer(app).loads(cookie) == {"_user_id": "7"}  # rotated gently


def test_the_models_are_configured_when_the_app_is_built_not_by_the_first_query():
    """Issue 15: a preloading master configures the mappers once for every page worker it forks,
    and a rooms process before its first participant. A fresh interpreter, as a server starts."""
    script = (
        "from lms import create_app\n"
        "from lms.extensions import db\n"
        "mappers = list(db.Model.registry.mappers)\n"
        "assert mappers and not any(m.configured for m in mappers)\n"
        "create_app('test')\n"
        "print(sum(not m.configured for m in mappers))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"
