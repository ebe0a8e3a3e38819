"""Property-based tests of the JSON API from its own OpenAPI document (schemathesis).

Every operation of /api/v1/openapi.json is called in-process (WSGI) with generated parameters and
bodies, logged in as a learner who is enrolled in a published course: no answer is a 500, every
answer (errors included) matches the schema declared for its status, and 405 answers say `Allow`.
A bounded number of examples keeps the run short.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi import checks as openapi_checks

from lms.accounts.models import Role, User
from lms.courses import learning
from tests import factories
from tests.factories import PASSWORD

MAX_EXAMPLES = 25


CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
]


@pytest.fixture
def session_cookie(app, db):
    with app.app_context():
        learner = factories.user()
        trainer = factories.user(roles=(Role.TRAINER,))
        course = factories.course(by=trainer, title="Kursus API")
        learning.enrol(db.session.get(User, learner.id), course)
        db.session.commit()
        email = learner.email
    client = app.test_client()
    assert client.post("/login", data={"login": email, "password": PASSWORD}).status_code == 302
    return client.get_cookie("session").value


def test_every_operation_answers_by_its_schema(app, session_cookie):
    # schemathesis' own pytest plugin (schema.parametrize / from_fixture) does not run under
    # pytest 9 yet, so each operation's strategy is driven by hypothesis here.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case):
            # Identity: the in-process WSGI call does not undo Flask-Compress gzip as a browser would.
            response = case.call(cookies={"session": session_cookie}, headers={"Accept-Encoding": "identity"})
            case.validate_response(response, checks=CHECKS)
            if response.status_code == 405:
                assert "Allow" in response.headers

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - collected, reported together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)


def test_405_answers_say_allow(client):
    response = client.delete("/api/v1/courses")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}
    assert response.json["error"]["code"] == 405


def test_every_operation_documents_the_real_error_body(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert set(doc["components"]["schemas"]["ErrorBody"]["properties"]) == {"error"}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                documented = set(operation["responses"])
                missing = {"400", "401", "403", "404", "405", "409", "422", "429"} - documented
                assert not missing, (method, path, missing)
    not_found = client.get("/api/v1/courses/tidak-ada").json
    assert set(not_found) == {"error"} and set(not_found["error"]) >= {"code", "title", "message"}
