"""Cross-cutting pieces: home page, language, errors, security headers, mail, the CLI group."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from . import views  # noqa: E402, F401
