"""Every route, every role: the expected allow/deny.

A new route fails `test_every_route_is_in_the_matrix` until it gets a row here, so nobody adds a
page without deciding who may open it.
"""

from collections import defaultdict

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.courses import services as course_services
from lms.courses.models import Media
from lms.extensions import db
from tests import factories
from tests.factories import PASSWORD

OK, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "login", "forbidden", "not found"
UNAUTHORIZED, CONFLICT = "401", "conflict"
ACTORS = ("anonymous", "learner", "trainer", "agency_admin", "admin")


def row(method, path, anonymous, learner, trainer, agency_admin, admin):
    return (
        method,
        path,
        dict(zip(ACTORS, (anonymous, learner, trainer, agency_admin, admin), strict=True)),
    )


# {own}/{other}: the agency admin's agency and another one; {own_person}/{other_person}/{admin_person}.
MATRIX = [
    row("GET", "/", OK, OK, OK, OK, OK),
    row("GET", "/healthz", OK, OK, OK, OK, OK),
    row("GET", "/static/app.css", OK, OK, OK, OK, OK),
    row("GET", "/login", OK, OK, OK, OK, OK),
    row("GET", "/register", OK, OK, OK, OK, OK),
    row("GET", "/account", LOGIN, OK, OK, OK, OK),
    row("GET", "/account/password", LOGIN, OK, OK, OK, OK),
    row("GET", "/password/forgot", OK, OK, OK, OK, OK),
    row("GET", "/password/reset/not-a-token", OK, OK, OK, OK, OK),
    row("POST", "/language", OK, OK, OK, OK, OK),
    row("GET", "/admin/", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/admin/agencies", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/admin/agencies/new", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/admin/agencies/{own}", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/admin/agencies/{other}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/admin/agencies/999999", LOGIN, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    row("GET", "/admin/agencies/{own}/people", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/admin/agencies/{other}/people", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/admin/agencies/{own}/import", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("POST", "/admin/agencies/{other}/import", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/admin/agencies/{own}/import/template.csv", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row(
        "GET",
        "/admin/agencies/{other}/import/template.csv",
        LOGIN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        OK,
    ),
    row("GET", "/admin/people/{own_person}", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/admin/people/{other_person}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/admin/people/{admin_person}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/admin/people/{other_person}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    # {webinar}: live now, hosted by the trainer; nobody is registered yet (rooms before register).
    row("GET", "/webinars/", LOGIN, OK, OK, OK, OK),
    row("GET", "/webinars/new", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/webinars/{webinar}", LOGIN, OK, OK, OK, OK),
    row("GET", "/webinars/999999", LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("GET", "/webinars/{webinar}/edit", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/webinars/{webinar}/room", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/webinars/{webinar}/cohosts", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/webinars/{webinar}/polls", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/webinars/{webinar}/attendance", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/webinars/{webinar}/attendance.csv", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/webinars/{webinar}/attendance.xlsx", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/webinars/{webinar}/finalize", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/webinars/{webinar}/attendance/{own_person}", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/webinars/{webinar}/register", LOGIN, OK, OK, OK, OK),
    row("POST", "/webinars/{webinar}/unregister", LOGIN, OK, OK, OK, OK),
    # Courses: {c1} is the trainer's published course, {c2} another trainer's, {draft} unpublished.
    row("GET", "/courses/", OK, OK, OK, OK, OK),
    row("GET", "/courses/{c1}", OK, OK, OK, OK, OK),
    row("GET", "/courses/{draft}", NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK),
    row("POST", "/courses/{c1}/enrol", LOGIN, OK, OK, OK, OK),
    row("GET", "/courses/{c1}/learn", LOGIN, OK, OK, OK, OK),
    row("GET", "/courses/{c1}/learn/{c1_lesson}", LOGIN, OK, OK, OK, OK),
    row("POST", "/courses/{c1}/learn/{c1_lesson}/done", LOGIN, OK, OK, OK, OK),
    row("GET", "/courses/media/{c1_media}", LOGIN, OK, OK, OK, OK),
    row("GET", "/courses/media/{draft_media}", LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK),
    row("GET", "/courses/{c1}/assign", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/teach/", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/teach/new", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/teach/import", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/teach/{c1_id}", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/teach/{c2_id}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/{c1_id}/settings", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/teach/{c2_id}/settings", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/{c2_id}/media", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/{c2_id}/export.zip", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/teach/{c2_id}/publish", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/modules/{c1_module}", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/teach/modules/{c2_module}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/teach/modules/{c2_module}/move", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/modules/{c2_module}/lessons/new", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/lessons/{c2_lesson}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/teach/lessons/{c2_lesson}/move", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/teach/lessons/{c2_lesson}/delete", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/teach/media/{c2_media}/delete", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    # JSON API: 401 instead of a redirect to the login page.
    row("GET", "/api/v1/openapi.json", OK, OK, OK, OK, OK),
    row("GET", "/api/v1/courses", OK, OK, OK, OK, OK),
    row("GET", "/api/v1/courses/{c1}", OK, OK, OK, OK, OK),
    row("GET", "/api/v1/courses/{draft}", NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("POST", "/api/v1/courses/{c1}/enrolment", UNAUTHORIZED, OK, OK, OK, OK),
    row("GET", "/api/v1/me/progress", UNAUTHORIZED, OK, OK, OK, OK),
    row("PUT", "/api/v1/lessons/{c1_lesson}/completion", UNAUTHORIZED, OK, OK, OK, OK),
    row(
        "PUT",
        "/api/v1/lessons/{c2_lesson_2}/completion",
        UNAUTHORIZED,
        CONFLICT,
        CONFLICT,
        CONFLICT,
        CONFLICT,
    ),
    row("POST", "/logout", LOGIN, OK, OK, OK, OK),  # last: it ends the sessions
]


def outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith("/login?next="):
        return LOGIN
    if response.status_code in (200, 302, 422):
        return OK
    return {401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}.get(
        response.status_code, str(response.status_code)
    )


@pytest.fixture
def world(app, make_agency, make_user):
    own, other = make_agency(code="OWN"), make_agency(code="OTHER")
    actors = {
        "learner": make_user(own),
        "trainer": make_user(own, roles=(Role.TRAINER, Role.LEARNER)),
        "agency_admin": make_user(own, roles=(Role.AGENCY_ADMIN, Role.LEARNER)),
        "admin": make_user(roles=(Role.ADMIN,)),
    }
    build_course = factories.bind(app, factories.course)
    other_trainer = make_user(own, roles=(Role.TRAINER,))
    c1 = build_course(by=actors["trainer"], title="Kursus Pengajar")
    c2 = build_course(by=other_trainer, title="Kursus Lain")
    draft = build_course(by=other_trainer, title="Kursus Draf", publish=False)
    media = {}
    with app.app_context():
        for name, course in (("c1", c1), ("c2", c2), ("draft", draft)):
            item = course_services.upload_media(
                db.session.merge(course), "gambar.png", factories.png(), by=None
            )
            db.session.commit()
            media[name] = item.stored_name
    ids = {
        "c1": c1.slug,
        "c1_id": c1.id,
        "c1_module": c1.modules[0].id,
        "c1_lesson": c1.modules[0].lessons[0].id,
        "c1_media": media["c1"],
        "c2_id": c2.id,
        "c2_module": c2.modules[0].id,
        "c2_lesson": c2.modules[0].lessons[0].id,
        "c2_lesson_2": c2.modules[1].lessons[0].id,
        "c2_media": db_media_id(app, media["c2"]),
        "draft": draft.slug,
        "draft_media": media["draft"],
        "own": own.id,
        "other": other.id,
        "own_person": actors["learner"].id,
        "other_person": make_user(other).id,
        "admin_person": make_user(own, roles=(Role.ADMIN,)).id,
        "webinar": factories.bind(app, factories.webinar)(actors["trainer"]).id,
    }
    clients = {"anonymous": app.test_client()}
    for name, user in actors.items():
        clients[name] = app.test_client()
        response = clients[name].post("/login", data={"login": user.email, "password": PASSWORD})
        assert response.status_code == 302
    return clients, ids


def db_media_id(app, stored_name):
    with app.app_context():
        return db.session.scalar(sa.select(Media.id).where(Media.stored_name == stored_name))


def test_matrix(world):
    clients, ids = world
    failures = []
    for method, template, expected in MATRIX:
        path = template.format(**ids)
        for actor in ACTORS:
            with clients[actor].open(path, method=method) as response:
                got = outcome(response)
            if got != expected[actor]:
                failures.append(f"{method} {template} as {actor}: expected {expected[actor]}, got {got}")
    assert not failures, "\n".join(failures)


def test_every_route_is_in_the_matrix(app):
    covered = set()
    adapter = app.url_map.bind("localhost")
    for method, template, _ in MATRIX:
        path = template.format_map(defaultdict(lambda: "1"))
        endpoint, _ = adapter.match(path, method=method)
        covered.add(endpoint)
    missing = {rule.endpoint for rule in app.url_map.iter_rules()} - covered
    assert not missing, f"routes without a row in the authorization matrix: {sorted(missing)}"
