"""Load test (locust, headless, bounded in time, loopback only) of the production topology.

    make run-prod                                   # in one shell: deploy/run-local.sh on :8080
    make bench-load LOAD_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/lms_bench

It reads who and what to use from the database the topology serves (LOAD_DATABASE_URL, read-only
queries): learners with an enrolment in a published course, that course's lessons, a published quiz
of it, issued certificate numbers, and HR staff (agency admins) with their agency. Everyone needs
the same password (LOAD_PASSWORD; the generated agency of bench/generate_agency.py uses
`bench-rahasia-123`).

The mix, per simulated person (wait 1 to 3 s between actions, as people read):
- learners (weight 20): log in; catalogue, course page, lesson pages, mark a lesson done; a quiz
  attempt (start, autosave an answer as the page script does, submit) now and then; the public
  verification page of a certificate;
- HR staff (weight 1): dashboard, JP compliance, competency-gap heatmap, talent 9-box.

Every response other than the expected status is a failure in locust's table. The figures and the
command go in docs/benchmarks.md; this is a benchmark, never part of `make test`.
"""

from __future__ import annotations

import os
import random
import re
from urllib.parse import urlparse

import sqlalchemy as sa
from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "bench-rahasia-123")
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
SLOT = re.compile(r'name="slots" value="(\d+)"')


def answer_for(html: str, slot: str) -> dict:
    """Form fields that answer question `slot` of an attempt page, whatever its type."""
    name = re.escape(f"q{slot}-answer")
    choice = re.search(rf'type="(?:radio|checkbox)" name="{name}" value="([^"]+)"', html)
    if choice:
        return {f"q{slot}-answer": choice[1]}
    fields = {}
    selects = re.findall(rf'<select id="[^"]*" name="(q{slot}-match-[^"]+)">(.*?)</select>', html, re.S)
    for select, body in selects:
        option = re.search(r'<option value="([^"]+)"', body)
        if option:
            fields[select] = option[1]
    return fields or {f"q{slot}-answer": "20"}  # a short answer, a number or an essay


WORLD: dict = {}


@events.init.add_listener
def load_world(environment, **_kwargs):
    """Read the people and content to use, once, before anyone starts."""
    host = urlparse(environment.host or "http://127.0.0.1:8080").hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the load test runs against a loopback address only")
    url = os.environ.get("LOAD_DATABASE_URL")
    if not url:
        raise SystemExit("set LOAD_DATABASE_URL to the database the topology serves")
    engine = sa.create_engine(url)
    limit = int(os.environ.get("LOAD_LEARNERS", "2000"))
    with engine.connect() as conn:
        learners = conn.execute(
            sa.text(
                "SELECT u.email, c.slug, c.id FROM enrolments e "
                "JOIN users u ON u.id = e.user_id JOIN courses c ON c.id = e.course_id "
                "WHERE c.status = 'published' AND u.active "
                "ORDER BY e.id LIMIT :limit"
            ),
            {"limit": limit},
        ).all()
        lessons = conn.execute(sa.text("SELECT course_id, id FROM lessons")).all()
        quizzes = conn.execute(sa.text("SELECT course_id, id FROM quizzes WHERE published")).all()
        certificates = conn.scalars(
            sa.text("SELECT number FROM certificates WHERE revoked_at IS NULL LIMIT 1000")
        ).all()
        hr = conn.execute(
            sa.text(
                "SELECT u.email, u.agency_id FROM users u JOIN user_roles r ON r.user_id = u.id "
                "WHERE r.role = 'agency_admin' AND u.agency_id IS NOT NULL AND u.active LIMIT 50"
            )
        ).all()
    engine.dispose()
    if not learners:
        raise SystemExit("no learner with an enrolment in a published course in LOAD_DATABASE_URL")
    WORLD["learners"] = [(email, slug, course_id) for email, slug, course_id in learners]
    WORLD["lessons"], WORLD["quizzes"] = {}, {}
    for course_id, lesson_id in lessons:
        WORLD["lessons"].setdefault(course_id, []).append(lesson_id)
    for course_id, quiz_id in quizzes:
        WORLD["quizzes"].setdefault(course_id, []).append(quiz_id)
    WORLD["certificates"] = list(certificates)
    WORLD["hr"] = list(hr)


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    token = ""

    def login(self, email: str) -> None:
        page = self.client.get("/login", name="/login")
        self.token = CSRF.search(page.text)[1]
        with self.client.post(
            "/login",
            data={"login": email, "password": PASSWORD, "csrf_token": self.token},
            allow_redirects=False,
            catch_response=True,
            name="/login [POST]",
        ) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}")
        # The session starts afresh at login: take the new form token from a page.
        found = CSRF.search(self.client.get("/account", name="/account").text)
        self.token = found[1] if found else self.token

    def post(self, path: str, data: dict, name: str, expect: int = 302, **kwargs):
        with self.client.post(
            path,
            data={**data, "csrf_token": self.token},
            allow_redirects=False,
            catch_response=True,
            name=name,
            **kwargs,
        ) as response:
            if response.status_code != expect:
                response.failure(f"{name} answered {response.status_code}")
            return response


class Learner(Person):
    weight = 20

    def on_start(self):
        self.email, self.slug, self.course_id = random.choice(WORLD["learners"])  # noqa: S311
        self.login(self.email)

    @task(3)
    def catalogue(self):
        self.client.get("/courses/", name="/courses/")

    @task(3)
    def course(self):
        self.client.get(f"/courses/{self.slug}", name="/courses/<slug>")

    @task(6)
    def lesson(self):
        lessons = WORLD["lessons"].get(self.course_id)
        if not lessons:
            return self.client.get(f"/courses/{self.slug}/learn", name="/courses/<slug>/learn")
        lesson_id = random.choice(lessons)  # noqa: S311
        self.client.get(f"/courses/{self.slug}/learn/{lesson_id}", name="/courses/<slug>/learn/<id>")

    @task(2)
    def mark_done(self):
        lessons = WORLD["lessons"].get(self.course_id)
        if lessons:
            lesson_id = random.choice(lessons)  # noqa: S311
            self.post(f"/courses/{self.slug}/learn/{lesson_id}/done", {}, "/courses/<slug>/learn/<id>/done")

    @task(1)
    def quiz_attempt(self):
        quizzes = WORLD["quizzes"].get(self.course_id)
        if not quizzes:
            return
        quiz_id = random.choice(quizzes)  # noqa: S311
        started = self.post(f"/quizzes/{quiz_id}/start", {}, "/quizzes/<id>/start")
        found = re.search(r"/attempts/(\d+)", started.headers.get("Location", ""))
        if not found:
            return  # no attempt left, say: the detail page said why
        attempt = f"/quizzes/attempts/{found[1]}"
        page = self.client.get(attempt, name="/quizzes/attempts/<id>")
        slots = SLOT.findall(page.text)
        for slot in slots[:3]:  # the page script autosaves each answer as it is given
            self.post(
                attempt + "/answer",
                {"slots": slot, **answer_for(page.text, slot)},
                "/quizzes/attempts/<id>/answer [autosave]",
                expect=200,
                headers={"Accept": "application/json"},
            )
        self.post(attempt + "/finish", {}, "/quizzes/attempts/<id>/finish")

    @task(1)
    def verify(self):
        if WORLD["certificates"]:
            number = random.choice(WORLD["certificates"])  # noqa: S311
            self.client.get(f"/verify/{number}", name="/verify/<number>")


class HrStaff(Person):
    weight = 1

    def on_start(self):
        if not WORLD["hr"]:
            self.stop()
            return
        email, self.agency_id = random.choice(WORLD["hr"])  # noqa: S311
        self.login(email)

    @task
    def dashboard(self):
        self.client.get(f"/hr/{self.agency_id}", name="/hr/<agency>")

    @task
    def compliance(self):
        self.client.get(f"/hr/{self.agency_id}/jp", name="/hr/<agency>/jp")

    @task
    def heatmap(self):
        self.client.get(f"/hr/{self.agency_id}/heatmap", name="/hr/<agency>/heatmap")

    @task
    def talent(self):
        self.client.get(f"/hr/{self.agency_id}/talent", name="/hr/<agency>/talent")
