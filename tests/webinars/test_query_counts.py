"""The webinar list costs the same number of queries for 2 or 10 webinars (no N+1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


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
    """Issue 15: a full room is 2,000 of these. The connect checks the login session (one
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
