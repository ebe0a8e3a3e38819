"""JSON API at /api/v1 for the offline/mobile app and integrations.

The OpenAPI document at /api/v1/openapi.json is generated from the marshmallow schemas and the
routes by flask-smorest (marshmallow-code's maintained stack: marshmallow, webargs, apispec), so it
cannot drift from the code. The browser session authenticates the API for the site's own pages;
writes carry the CSRF token in the X-CSRFToken header.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask
from flask_smorest import Api as SmorestApi

from ..offline.sync import LessonCompletedItem, QuizAttemptItem
from .certificates import blp as certificates_blp
from .courses import blp as courses_blp
from .offline import blp as offline_blp
from .schemas import ErrorBody
from .sync import blp as sync_blp

# Every operation documents the error answers the application really gives (lms.core.errors).
ERROR_STATUSES = ("BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "METHOD_NOT_ALLOWED", "CONFLICT")
ERROR_STATUSES += ("UNPROCESSABLE_ENTITY", "TOO_MANY_REQUESTS")


class Api(SmorestApi):
    ERROR_SCHEMA = ErrorBody

    def _register_error_handlers(self):
        # lms.core.errors answers every error, as JSON under /api/ and as a page elsewhere.
        pass


def register(app: Flask) -> None:
    """One Api object per application (tests build several apps)."""
    app.config.setdefault("API_TITLE", "Ruang Belajar ASN API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = Api()
    api.init_app(
        app,
        spec_kwargs={
            "info": {"description": __doc__.split("\n\n")[1].replace("\n", " ")},
        },
    )
    api.spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "session"})

    api.spec.components.schema("LessonCompletedItem", schema=LessonCompletedItem)
    api.spec.components.schema("QuizAttemptItem", schema=QuizAttemptItem)
    api.register_blueprint(courses_blp)
    api.register_blueprint(certificates_blp)
    api.register_blueprint(sync_blp)
    api.register_blueprint(offline_blp)
    document_errors(api)


def document_errors(api: Api) -> None:
    """Add the error answers (400, 401, 403, 404, 405, 409, 422, 429) to every operation."""
    codes = {name: str(HTTPStatus[name].value) for name in ERROR_STATUSES}
    for operations in api.spec._paths.values():  # apispec keeps the paths there; no public API
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                responses = operation.setdefault("responses", {})
                for name, code in codes.items():
                    responses.setdefault(code, api.spec.components.get_ref("response", name))
