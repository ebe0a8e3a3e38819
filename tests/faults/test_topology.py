"""deploy/run-local.sh starts the production topology on one machine: through its front door a
page, static files, a login and a Socket.IO connection (websocket and long-polling) all work."""

from __future__ import annotations

import pytest
import requests
import socketio

from tests.faults.conftest import Browser, Participant

pytestmark = pytest.mark.faults


def test_run_local_serves_pages_logins_and_rooms_through_one_front_door(topology):
    front, world = topology.front, topology.world
    page = requests.get(front + "/courses/", timeout=10)
    assert page.status_code == 200 and "<html" in page.text
    assert requests.get(front + "/static/app.css", timeout=10).status_code == 200

    browser = Browser(front)
    email = list(world["attendees"])[0]
    assert browser.login(email) == 302
    assert browser.http.get(front + "/account", timeout=10).status_code == 200

    participant = Participant(front, browser)  # a websocket, upgraded through the front door
    try:
        assert participant.call("join", webinar_id=world["other_webinar"])["ok"]
    finally:
        participant.close()

    polling = socketio.Client(reconnection=False)  # long-polling needs the sticky routing
    polling.connect(
        front,
        namespaces=["/webinar"],
        headers={"Cookie": browser.cookie_header()},
        transports=["polling"],
        wait_timeout=20,
    )
    try:
        reply = polling.call("join", {"webinar_id": world["other_webinar"]}, namespace="/webinar", timeout=30)
        assert reply["ok"], reply
    finally:
        polling.disconnect()
