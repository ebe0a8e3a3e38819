"""The secret calendar feed of a person's registered webinars, and cancelling a webinar."""

import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from lms.extensions import db
from lms.webinars import calendar, services
from lms.webinars.errors import NotAllowed, WebinarError
from lms.webinars.models import CalendarFeed

SOON = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=3)
BASE = "https://belajar.example.go.id"


@pytest.fixture(autouse=True)
def public_base_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", BASE + "/")


def feed_url(client) -> str:
    """Create (or reset) the logged-in person's address on their webinar page; return its path."""
    page = client.post("/webinars/calendar/reset", follow_redirects=True)
    assert page.status_code == 200
    url = re.search(r'id="calendar-url" value="([^"]+)"', page.text).group(1)
    assert url.startswith(BASE + "/webinars/calendar/") and url.endswith(".ics")
    assert f'href="webcal://{url.split("://", 1)[1]}"' in page.text
    return url.removeprefix(BASE)


def events(response) -> dict[str, icalendar.Event]:
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(response.data)
    return {str(event["summary"]): event for event in cal.walk("VEVENT")}


def test_the_feed_lists_my_registrations_only_with_utc_times_stable_uids_and_escaped_text(
    app, client, login, people, make_webinar, make_registration
):
    ani, budi = people["ani"], people["budi"]
    mine = make_webinar(people["trainer"], starts_at=SOON, title="Rapat, Evaluasi; Kinerja \\ ASN")
    cancelled = make_webinar(people["trainer"], starts_at=SOON + timedelta(days=1), title="Dibatalkan")
    theirs = make_webinar(people["trainer"], starts_at=SOON, title="Milik Budi")
    make_webinar(people["trainer"], starts_at=SOON, title="Tidak terdaftar")
    make_registration(mine, ani)
    make_registration(cancelled, ani)
    make_registration(theirs, budi)
    with app.test_request_context():
        services.cancel_webinar(
            db.session.get(type(cancelled), cancelled.id), by=people["trainer"], now=SOON - timedelta(days=1)
        )
        db.session.commit()

    login(budi)
    budi_url = feed_url(client)
    client.post("/logout")
    login(ani)
    url = feed_url(client)
    client.post("/logout")  # calendar apps cannot log in

    found = events(client.get(url))
    assert set(found) == {"Rapat, Evaluasi; Kinerja \\ ASN", "Dibatalkan"}
    event = found["Rapat, Evaluasi; Kinerja \\ ASN"]
    raw = client.get(url).data.decode()
    assert "SUMMARY:Rapat\\, Evaluasi\\; Kinerja \\\\ ASN" in raw  # RFC 5545 text escaping
    assert event["uid"] == f"webinar-{mine.id}@belajar.example.go.id"
    assert event.decoded("dtstart") == SOON and event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == SOON + timedelta(minutes=60)
    assert f"DTSTART:{SOON:%Y%m%dT%H%M%S}Z" in raw
    assert str(event["url"]) == f"{BASE}/webinars/{mine.id}"
    assert str(event["status"]) == "CONFIRMED" and str(found["Dibatalkan"]["status"]) == "CANCELLED"
    assert set(events(client.get(budi_url))) == {"Milik Budi"}
    # The same feed fetched again is the same file (stable UIDs and stamps).
    assert client.get(url).data == client.get(url).data


def test_wrong_tampered_or_reset_addresses_open_nothing(app, client, login, people):
    login(people["ani"])
    url = feed_url(client)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert client.get(url).status_code == 200
    payload, signature = token.split(".")
    forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    for bad in ("x", forged, "a" * 5000, "x" + token, "%00", "Im5vIg.x"):
        assert client.get(f"/webinars/calendar/{bad}.ics").status_code in (400, 404), bad
    with app.app_context():
        assert calendar.feed_by_token(token, "another-secret-key") is None
    new_url = feed_url(client)  # reset: the old address stops working at once
    assert new_url != url
    assert client.get(url).status_code == 404 and client.get(new_url).status_code == 200
    with app.app_context():
        feed = db.session.get(CalendarFeed, people["ani"].id)
        assert token not in (feed.nonce,)  # the address itself is never stored


def test_reset_needs_a_login_and_a_post(client, login, people):
    assert client.post("/webinars/calendar/reset").status_code in (302, 401)
    login(people["ani"])
    assert client.get("/webinars/calendar/reset").status_code == 405


def test_the_feed_costs_the_same_statements_for_2_and_8_registrations(
    app, client, login, people, make_webinar, make_registration, count_queries
):
    login(people["ani"])
    url = feed_url(client)
    client.post("/logout")
    counts = []
    for n in (2, 8):
        for i in range(n):
            make_registration(
                make_webinar(people["trainer"], starts_at=SOON + timedelta(hours=i)), people["ani"]
            )
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts == [2, 2]  # the feed by its nonce; the registered webinars


def test_cancelling_a_webinar(ctx, people, make_webinar, make_registration):
    webinar = make_webinar(people["trainer"], starts_at=SOON)
    with pytest.raises(NotAllowed):
        services.cancel_webinar(webinar, by=people["ani"], now=SOON - timedelta(hours=1))
    with pytest.raises(WebinarError):
        services.cancel_webinar(webinar, by=people["trainer"], now=SOON + timedelta(minutes=1))
    services.cancel_webinar(webinar, by=people["trainer"], now=SOON - timedelta(hours=1))
    first = webinar.cancelled_at
    services.cancel_webinar(webinar, by=people["trainer"], now=SOON - timedelta(minutes=5))
    assert webinar.cancelled_at == first
    with pytest.raises(WebinarError):
        services.register(people["budi"], webinar, now=SOON - timedelta(minutes=5))
    assert webinar not in db.session.scalars(services.upcoming(SOON - timedelta(minutes=5))).all()
    assert webinar not in services.my_upcoming(people["trainer"], SOON - timedelta(minutes=5))


def test_the_cancel_button_is_for_moderators(client, login, people, make_webinar):
    webinar = make_webinar(people["trainer"], starts_at=SOON)
    login(people["ani"])
    assert "Batalkan webinar" not in client.get(f"/webinars/{webinar.id}").text
    client.post(f"/webinars/{webinar.id}/cancel")
    client.post("/logout")
    login(people["trainer"])
    assert "Batalkan webinar" in client.get(f"/webinars/{webinar.id}").text
    page = client.post(f"/webinars/{webinar.id}/cancel", follow_redirects=True)
    assert "dibatalkan oleh pemandu" in page.text and "Batalkan webinar" not in page.text


def test_participants_of_a_cancelled_webinar_cannot_enter_its_room(
    app, client, login, people, make_webinar, make_registration
):
    webinar = make_webinar(people["trainer"], starts_at=SOON)
    make_registration(webinar, people["ani"])
    login(people["ani"])
    assert client.get(f"/webinars/{webinar.id}/room").status_code == 200
    with app.test_request_context():
        found = db.session.get(type(webinar), webinar.id)
        services.cancel_webinar(found, by=people["trainer"], now=SOON - timedelta(hours=1))
        db.session.commit()
    assert client.get(f"/webinars/{webinar.id}/room").status_code in (302, 403)
