"""PostgreSQL stopped and started under learners submitting quizzes through the front door of
deploy/run-local.sh (the page server of deploy/pages.py): 503 pages with Retry-After (never
500) during the outage, recovery without a restart, and every acknowledged submission graded
exactly once."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from lms.quizzes.models import Attempt, AttemptState
from tests import factories
from tests.faults.conftest import CSRF, LEARNERS, Browser, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]  # one worker: see conftest


class Learner(threading.Thread):
    """Starts an attempt, answers (autosave, JSON), submits; again and again. A 503 is retried
    after a pause, as the browser (or the person) does; anything else unexpected is recorded."""

    def __init__(self, base: str, email: str, quiz_id: int, stop: threading.Event, seen: Counter):
        super().__init__(daemon=True)
        self.browser, self.email, self.quiz_id = Browser(base), email, quiz_id
        self.stop, self.seen = stop, seen
        self.acknowledged: list[tuple[int, float]] = []  # (attempt id, when) of every 2xx/3xx finish
        self.problems: list[str] = []

    def request(self, send, expected: int):
        import requests

        while not self.stop.is_set():
            try:
                response = send()
            except requests.RequestException as exc:
                self.problems.append(f"no answer: {exc}")
                return None
            self.seen[response.status_code] += 1
            if response.status_code == 503:
                if not response.headers.get("Retry-After"):
                    self.problems.append("503 without Retry-After")
                time.sleep(0.3)
                continue
            if response.status_code != expected:
                self.problems.append(f"{response.status_code}: {response.text[:300]}")
                return None
            return response
        return None

    def run(self):
        if self.request(self._login, 302) is None:
            return
        # The session starts afresh at login: a new CSRF token, from the quiz page.
        if self.request(lambda: self._csrf(f"/quizzes/{self.quiz_id}"), 200) is None:
            return
        while not self.stop.is_set() and self.cycle():
            pass

    def cycle(self) -> bool:
        """One attempt: start, open, answer, submit. False when something unexpected happened."""
        browser = self.browser
        response = self.request(lambda: browser.post(f"/quizzes/{self.quiz_id}/start"), 302)
        if response is None:
            return False
        attempt = "/quizzes/attempts/" + re.search(r"/attempts/(\d+)", response.headers["Location"])[1]
        page = self.request(lambda: browser.http.get(browser.url(attempt), timeout=10), 200)
        if page is None:
            return False
        slot = re.search(r'name="slots" value="(\d+)"', page.text)[1]
        answer = {"slots": slot, f"q{slot}-answer": "true"}
        json = {"Accept": "application/json"}
        saved = self.request(lambda: browser.post(attempt + "/answer", answer, headers=json), 200)
        if saved is None or not saved.json()["saved"]:
            return False
        if self.request(lambda: browser.post(attempt + "/finish"), 302) is None:
            return False
        self.acknowledged.append((int(attempt.rsplit("/", 1)[1]), time.monotonic()))
        return True

    def _csrf(self, path):
        response = self.browser.http.get(self.browser.url(path), timeout=10)
        if response.status_code == 200:
            self.browser.token = CSRF.search(response.text)[1]
        return response

    def _login(self):
        self.browser.csrf("/login")
        return self.browser.post("/login", {"login": self.email, "password": factories.PASSWORD})


def test_postgres_outage_answers_503_and_loses_nothing(postgres, topology):
    import requests

    url, world, front = topology.database_url, topology.world, topology.front

    stop, seen = threading.Event(), Counter()
    learners = [Learner(front, email, world["quiz"], stop, seen) for email in world["learners"]]
    for learner in learners:
        learner.start()

    def submitted(count):
        problems = [p for x in learners for p in x.problems]
        assert not problems, (problems[:5], topology.tracebacks())
        return sum(len(x.acknowledged) for x in learners) >= count

    try:
        wait_for(lambda: submitted(LEARNERS), 60, "first submissions")
        postgres.stop()
        down_at = time.monotonic()
        outage_pages = []
        while time.monotonic() - down_at < 4:
            for path in ("/courses/", "/healthz", "/api/v1/courses"):
                outage_pages.append((path, requests.get(front + path, timeout=10)))
            time.sleep(0.2)
        postgres.start()
        up_at = time.monotonic()
        wait_for(
            lambda: requests.get(front + "/healthz", timeout=10).status_code == 200,
            30,
            "recovery after PostgreSQL returned",
            interval=0.2,
        )
        recovered_in = time.monotonic() - up_at
        wait_for(
            lambda: submitted(0) and all(any(at > up_at for _, at in x.acknowledged) for x in learners),
            60,
            "a submission of every learner after the outage",
        )
    finally:
        stop.set()
        for learner in learners:
            learner.join(timeout=30)

    assert topology.running(), "the topology had to be restarted"
    problems = [p for x in learners for p in x.problems]
    assert not problems, (problems[:10], topology.tracebacks())
    assert seen[500] == 0, seen
    # During the outage: 503 with Retry-After, an Indonesian page for browsers, JSON for the API.
    for path, response in outage_pages:
        assert response.status_code in (200, 503), (path, response.status_code, response.text[:300])
    down = [(path, r) for path, r in outage_pages if r.status_code == 503]
    assert {path for path, _ in down} == {"/courses/", "/healthz", "/api/v1/courses"}, seen
    for path, response in down:
        assert int(response.headers["Retry-After"]) > 0
        if path.startswith("/api/"):
            assert response.json()["error"]["code"] == 503
        else:
            assert "Layanan sedang tidak tersedia" in response.text
    assert seen[503] > 0 and recovered_in < 30

    # Every acknowledged submission is in the database, graded once, with its answer.
    acknowledged = [attempt_id for x in learners for attempt_id, _ in x.acknowledged]
    assert len(acknowledged) == len(set(acknowledged))
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = {
                row.id: row
                for row in conn.execute(
                    sa.select(Attempt.id, Attempt.state, Attempt.score, Attempt.max_score, Attempt.graded_at)
                )
            }
    finally:
        engine.dispose()
    for attempt_id in acknowledged:
        row = rows[attempt_id]
        assert row.state == AttemptState.FINISHED and row.graded_at is not None, row
        assert row.score == row.max_score == 1, row
    grading_lines = Counter(re.findall(r"attempt (\d+) finished", topology.output()))
    assert all(grading_lines[str(a)] == 1 for a in acknowledged), grading_lines
    assert max(grading_lines.values()) == 1  # no attempt was graded twice, acknowledged or not
