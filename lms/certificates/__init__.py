"""Certificates: issued on completion, signed (Ed25519), printable (PDF), verifiable by anyone."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)

from . import handlers, models, review_views, views  # noqa: E402, F401
