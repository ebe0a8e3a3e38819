"""Load test (locust, headless, bounded in time, loopback only) of the production topology.

    make bench-load                    # bench/load.py: data, topology, this file, memory, summary

bench/load.py runs this file against the topology it starts. Alone (a topology already running):

    locust -f bench/locustfile.py --headless --host http://127.0.0.1:8080 --users 200 \
        --spawn-rate 20 --run-time 10m       # with LOAD_DATABASE_URL set

It reads who and what to use from the database the topology serves (LOAD_DATABASE_URL, read-only
queries): learners with an enrolment in a published course (each simulated learner a different
one), that course's lessons, its published quiz, issued certificate numbers, and HR staff (agency
admins) with their agency. Everyone needs the same password (LOAD_PASSWORD; the generated agency
of bench/generate_agency.py uses `bench-rahasia-123`).

The mix, per simulated person:
- learners (weight 20): log in; catalogue, course page, lesson pages, mark a lesson done (and see
  the lesson again, as the redirect does); a quiz attempt (start, the attempt page, autosave three
  answers as the page script does, submit, the review page) now and then; the public verification
  page of a certificate;
- HR staff (weight 1): dashboard, JP compliance, competency-gap heatmap, talent 9-box.

The pace. A person reading a lesson clicks every half minute or so; the target (issue 13: 200
requests/s on this 2-core machine) is a throughput, reached here by fewer, faster sessions: each
simulated person starts a task every 1/LOAD_TASK_RATE seconds (constant_throughput, default 0.75
tasks/s). A learner's task makes 1.5 requests on average (weights above: 24 requests per 16 tasks),
so 200 users make about 200 × 0.75 × 1.5 ≈ 225 requests/s while the server keeps up, and fewer when
it does not: the rate is then the server's, which is what is measured. With real people's half
minute between clicks, 200 requests/s is some 6,000 people learning at the same moment. (Locust's
between(1, 3) gave 200 users about 100 requests/s: the wait, not the server, set the pace.)

Every response other than the expected status is a failure in locust's table. At the end the
figures per group of endpoints go to LOAD_SUMMARY (JSON), which bench/load.py prints. This is a
benchmark, never part of `make test`.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from urllib.parse import urlparse

import sqlalchemy as sa
from locust import HttpUser, constant_throughput, events, task
from locust.stats import StatsEntry

PASSWORD = os.environ.get("LOAD_PASSWORD", "bench-rahasia-123")
TASK_RATE = float(os.environ.get("LOAD_TASK_RATE", "0.75"))
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
                "SELECT DISTINCT ON (u.id) u.email, c.slug, c.id FROM enrolments e "
                "JOIN users u ON u.id = e.user_id JOIN courses c ON c.id = e.course_id "
                "WHERE c.status = 'published' AND u.active "
                "ORDER BY u.id, e.id LIMIT :limit"
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
    WORLD["next"] = itertools.count()


GROUPS = {  # request names by the prefix of their group, first match wins
    "login": ("/login", "/account"),
    "HR pages": ("/hr/",),
    "mark done": ("/courses/<slug>/learn/<id>/done",),
    "lesson": ("/courses/<slug>/learn",),
    "catalogue": ("/courses/",),
    "quiz": ("/quizzes/",),
    "verify": ("/verify/",),
}


def group_of(name: str) -> str:
    return next((group for group, prefixes in GROUPS.items() if name.startswith(prefixes)), "other")


def figures(entry: StatsEntry, seconds: float) -> dict:
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "rps": entry.num_requests / seconds if seconds else 0.0,
        **{f"p{p}": entry.get_response_time_percentile(p / 100) or 0 for p in (50, 95, 99)},
    }


@events.quitting.add_listener
def write_summary(environment, **_kwargs):
    """Requests/s and percentiles per group of endpoints and overall, to LOAD_SUMMARY (JSON)."""
    path = os.environ.get("LOAD_SUMMARY")
    if not path:
        return
    stats = environment.stats
    seconds = max(stats.total.last_request_timestamp or 0, stats.total.start_time) - stats.total.start_time
    groups = {name: StatsEntry(stats, name, "") for name in GROUPS}
    for entry in stats.entries.values():
        groups.setdefault(group_of(entry.name), StatsEntry(stats, group_of(entry.name), "")).extend(entry)
    summary = {
        "seconds": seconds,
        "groups": {name: figures(entry, seconds) for name, entry in groups.items()},
        "endpoints": {f"{e.method} {e.name}": figures(e, seconds) for e in stats.entries.values()},
        "total": figures(stats.total, seconds),
        "errors": [
            {"method": e.method, "name": e.name, "error": str(e.error), "occurrences": e.occurrences}
            for e in stats.errors.values()
        ],
    }
    with open(path, "w") as out:
        json.dump(summary, out, indent=1)


class Person(HttpUser):
    abstract = True
    wait_time = constant_throughput(TASK_RATE)
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

    def follow(self, response, name: str) -> None:
        """Request the page a redirect points to, as the browser does."""
        location = response.headers.get("Location")
        if location:
            self.client.get(urlparse(location).path, name=name)


class Learner(Person):
    weight = 20

    def on_start(self):
        # Each simulated learner a different person, as long as there are enough of them.
        learners = WORLD["learners"]
        self.email, self.slug, self.course_id = learners[next(WORLD["next"]) % len(learners)]
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
            done = self.post(
                f"/courses/{self.slug}/learn/{lesson_id}/done", {}, "/courses/<slug>/learn/<id>/done"
            )
            # Back to the lesson; to the course page when that completed the course.
            completed = "/learn/" not in done.headers.get("Location", "/learn/")
            self.follow(done, "/courses/<slug>" if completed else "/courses/<slug>/learn/<id>")

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
        finished = self.post(attempt + "/finish", {}, "/quizzes/attempts/<id>/finish")
        self.follow(finished, "/quizzes/attempts/<id>/review")

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
