"""Every route, every role: the expected allow/deny.

A new route fails `test_every_route_is_in_the_matrix` until it gets a row here, so nobody adds a
page without deciding who may open it.
"""

import pytest

from lms.accounts.models import Role
from tests import factories
from tests.factories import PASSWORD

OK, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "login", "forbidden", "not found"
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
    row("POST", "/logout", LOGIN, OK, OK, OK, OK),  # last: it ends the sessions
]


def outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith("/login?next="):
        return LOGIN
    if response.status_code in (200, 302, 422):
        return OK
    return {403: FORBIDDEN, 404: NOT_FOUND}.get(response.status_code, str(response.status_code))


@pytest.fixture
def world(app, make_agency, make_user):
    own, other = make_agency(code="OWN"), make_agency(code="OTHER")
    actors = {
        "learner": make_user(own),
        "trainer": make_user(own, roles=(Role.TRAINER, Role.LEARNER)),
        "agency_admin": make_user(own, roles=(Role.AGENCY_ADMIN, Role.LEARNER)),
        "admin": make_user(roles=(Role.ADMIN,)),
    }
    ids = {
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
        path = template.format(own=1, other=2, own_person=3, other_person=4, admin_person=5, webinar=6)
        endpoint, _ = adapter.match(path, method=method)
        covered.add(endpoint)
    missing = {rule.endpoint for rule in app.url_map.iter_rules()} - covered
    assert not missing, f"routes without a row in the authorization matrix: {sorted(missing)}"
