"""Entry point for `flask`, gunicorn (`gunicorn wsgi:app`) and Socket.IO."""

import os

from lms import create_app

app = create_app(os.environ.get("LMS_CONFIG", "development"))
