"""deploy/run-local.sh starts the production topology on one machine: through its front door a
page, static files, a login and a Socket.IO connection (websocket and long-polling) all work."""

from __future__ import annotations

import time

import pytest
import requests
import socketio

from tests.faults.conftest import Browser, Participant

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]  # one worker: see conftest


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

    # As the room page does: the connect names the webinar and is the join (issue 15); the
    # reply comes as a `joined` event, on either transport, through the gevent room process.
    for transport in ("websocket", "polling"):
        joined = []
        client = socketio.Client(reconnection=False)
        client.on("joined", joined.append, namespace="/webinar")
        client.connect(
            front,
            namespaces=["/webinar"],
            headers={"Cookie": browser.cookie_header()},
            transports=[transport],
            auth={"webinar_id": world["other_webinar"]},
            wait_timeout=20,
        )
        try:
            deadline = time.monotonic() + 20
            while not joined and time.monotonic() < deadline:
                time.sleep(0.05)
            assert joined and joined[0]["ok"] and joined[0]["moderator"] is False, (transport, joined)
        finally:
            client.disconnect()


def test_run_local_runs_jobs_on_its_worker(topology):
    """An export asked for through the front door is written by the job worker (on Redis)."""
    front, world = topology.front, topology.world
    browser = Browser(front)
    assert browser.login(world["hr"]) == 302
    browser.csrf("/account")
    response = browser.post(f"/hr/{world['agency']}/export/jp.csv/job")
    assert response.status_code == 302, response.text[:500]
    status = front + response.headers["Location"] + ".json"
    deadline = time.monotonic() + 60
    while (data := browser.http.get(status, timeout=10).json())["state"] != "done":
        assert data["state"] != "failed" and time.monotonic() < deadline, (data, worker_lines(topology))
        time.sleep(0.5)
    download = browser.http.get(front + data["file_url"], timeout=10)
    assert download.status_code == 200 and download.content.startswith(b"\xef\xbb\xbfNIP")


def worker_lines(topology) -> str:
    """What the job worker and the scheduler said last: the reason a job waits, for a failure."""
    lines = [
        line
        for line in topology.output().splitlines()
        if ("huey" in line or "job" in line.lower()) and '"GET ' not in line and '"POST ' not in line
    ]
    return "\n".join(lines[-40:])
