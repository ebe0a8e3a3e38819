"""The webinar list costs the same number of queries for 2 or 10 webinars (no N+1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.webinars.conftest import last_used_an_hour_ago


def test_webinar_list_does_not_grow_with_the_rows(
    client, login, people, make_webinar, make_registration, count_queries
):
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    login(people["ani"])
    counts = {}
    made = 0
    for n in (2, 10):
        while made < n:
            made += 1
            host = people["trainer"] if made % 2 else people["trainer2"]
            upcoming = make_webinar(
                host,
                title=f"Akan datang {made}",
                starts_at=soon + timedelta(hours=made),
                competencies=[("KOM", 2)],
            )
            make_webinar(host, title=f"Sudah lewat {made}", starts_at=soon - timedelta(days=3, hours=made))
            make_registration(upcoming, people["ani"])
        with count_queries() as statements:
            page = client.get("/webinars/")
        assert page.status_code == 200
        assert page.text.count("Akan datang ") >= n and page.text.count("Sudah lewat ") >= min(n, 10)
        counts[n] = len(statements)
    assert counts[2] == counts[10], counts
    assert counts[10] <= 13, counts


def test_a_connect_and_join_of_a_fresh_participant_costs_three_statements(
    app, client, login, people, make_webinar, make_registration, count_queries
):
    """Issue 15: a full room is 2,000 of these. Two steps, as the room page joined before it named
    the webinar in its connect (still served): the connect checks the login session (one
    statement); the join reads the user, the session, the webinar, the person's standing and the
    room's live state in one statement and opens the interval with one INSERT. Nothing else: no
    user loading, no registration check, no chat history, no poll or pinned message read when
    there is none."""
    from lms.extensions import socketio

    webinar = make_webinar(people["trainer"])
    make_registration(webinar, people["ani"])
    login(people["ani"])
    with count_queries() as statements:
        sock = socketio.test_client(app, namespace="/webinar", flask_test_client=client)
        reply = sock.emit("join", {"webinar_id": webinar.id}, namespace="/webinar", callback=True)
    assert sock.is_connected("/webinar") and reply["ok"], reply
    assert reply["pinned"] is None and reply["poll"] is None
    kinds = [" ".join(s.split()[:4]).upper() for s in statements]
    assert len(statements) == 3, kinds
    assert "USER_SESSIONS" in statements[0].upper() and "WEBINAR_CONNECTIONS" not in statements[0].upper()
    assert statements[1].lstrip().upper().startswith("SELECT") and "webinar_connections" in statements[1]
    assert statements[2].lstrip().upper().startswith("INSERT INTO WEBINAR_CONNECTIONS"), kinds
    sock.disconnect(namespace="/webinar")


def test_a_connect_that_joins_costs_two_statements(
    app, client, login, people, make_webinar, make_registration, count_queries
):
    """Issue 15: the room page passes the webinar when it connects (`auth: {webinar_id}`) and
    the connect is the join. Its one access statement also checks the login session (ended,
    idle, user deactivated), so the connect's own session check is gone: the two statements of a
    join, where the connect and the join event above cost three."""
    from lms.extensions import socketio

    webinar = make_webinar(people["trainer"])
    make_registration(webinar, people["ani"])
    login(people["ani"])
    with count_queries() as statements:
        sock = socketio.test_client(
            app, namespace="/webinar", flask_test_client=client, auth={"webinar_id": webinar.id}
        )
    [joined] = [e["args"][0] for e in sock.get_received("/webinar") if e["name"] == "joined"]
    assert sock.is_connected("/webinar") and joined["ok"] and joined["pinned"] is None
    kinds = [" ".join(s.split()[:4]).upper() for s in statements]
    assert len(statements) == 2, kinds
    access = statements[0].upper()
    assert (
        access.lstrip().startswith("SELECT") and "USER_SESSIONS" in access and "WEBINAR_CONNECTIONS" in access
    )
    assert statements[1].lstrip().upper().startswith("INSERT INTO WEBINAR_CONNECTIONS"), kinds
    sock.disconnect(namespace="/webinar")


def test_a_connect_that_joins_records_the_use_of_the_login_session_when_due(
    app, db, client, login, people, make_webinar, make_registration, count_queries
):
    """As the connect's own check did: "last seen" is written once every SESSION_TOUCH_SECONDS."""
    import sqlalchemy as sa

    from lms.accounts.models import UserSession
    from lms.extensions import socketio

    webinar = make_webinar(people["trainer"])
    make_registration(webinar, people["ani"])
    login(people["ani"])
    long_ago = last_used_an_hour_ago(app, people["ani"])
    mine = sa.select(UserSession.last_seen_at).where(UserSession.user_id == people["ani"].id)
    auth = {"webinar_id": webinar.id}
    with count_queries() as statements:
        first = socketio.test_client(app, namespace="/webinar", flask_test_client=client, auth=auth)
    assert first.is_connected("/webinar")
    kinds = [" ".join(s.split()[:3]).upper() for s in statements]
    assert len(statements) == 3 and kinds[1].startswith("UPDATE USER_SESSIONS"), (
        kinds
    )  # access, touch, insert
    with app.app_context():
        seen = db.session.scalar(mine)
    assert seen > long_ago
    with count_queries() as again:  # just recorded: not due
        second = socketio.test_client(app, namespace="/webinar", flask_test_client=client, auth=auth)
    assert second.is_connected("/webinar") and len(again) == 2, again
    with app.app_context():
        assert db.session.scalar(mine) == seen
    first.disconnect(namespace="/webinar")
    second.disconnect(namespace="/webinar")


def test_register_unregister_and_cancel_read_nothing_after_their_commit(
    app, client, login, people, expiring_sessions
):
    """With sessions that expire at commit, as production's: the redirect took the webinar's id
    from the expired webinar (which reloaded it and its co-hosts) and the message's locale
    reloaded the user. Both come from before the commit now (the id from the URL)."""
    from lms.extensions import db
    from tests import factories
    from tests.reloads import recording

    with app.app_context():
        webinar_id = factories.webinar(
            people["trainer"], starts_at=datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
        ).id
        db.session.commit()
    detail = f"/webinars/{webinar_id}"
    login(people["ani"])
    # user; the webinar with its co-hosts (2); then the registration and its INSERT, or its DELETE
    for action, message, count in (
        ("register", "Anda terdaftar.", 5),
        ("unregister", "Pendaftaran Anda dibatalkan.", 4),
    ):
        with recording(app) as statements:
            response = client.post(f"{detail}/{action}")
        assert response.status_code == 302 and response.location == detail, action
        assert statements.after_commit == [], action
        assert len(statements.all) == count, (action, statements.all)
        assert message in client.get(detail).text, action
    client.post("/logout")
    login(people["trainer"])
    with recording(app) as statements:
        response = client.post(f"{detail}/cancel")
    assert response.status_code == 302 and response.location == detail
    assert statements.after_commit == []
    assert len(statements.all) == 4, statements.all  # user; the webinar and who moderates it (2); UPDATE
    assert "Webinar dibatalkan." in client.get(detail).text
