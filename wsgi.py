"""Entry point for `flask`, the page server (deploy/pages.py) and the room processes (gunicorn)."""

import os

from lms import create_app

app = create_app(os.environ.get("LMS_CONFIG", "development"))
