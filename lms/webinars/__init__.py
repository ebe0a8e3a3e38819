"""Webinars: scheduling, registration, live rooms (Socket.IO), attendance that counts for JP."""

from flask import Blueprint

bp = Blueprint("webinars", __name__, url_prefix="/webinars")

from . import completion, jobs, views  # noqa: E402, F401 - completion registers its criterion
