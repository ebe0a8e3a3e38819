"""Offline learning: the installable app (manifest, service worker), course downloads, the sync.

The service worker and its scripts live in static/; this package serves them with the headers a
service worker needs, records what the offline sync receives (`sync.py`, exactly once per item)
and lists what a course download stores (`downloads.py`).
"""

from flask import Blueprint

bp = Blueprint("offline", __name__)

from . import models, views  # noqa: E402, F401
