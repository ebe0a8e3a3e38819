"""Helpers of the tests that start real server processes (gunicorn, deploy/pages.py,
deploy/run-local.sh)."""

from __future__ import annotations

import os
import socket

# Settings of the caller's own deployment or test run, which must not leak into a started server.
_DEPLOYMENT = ("LMS_", "SOCKETIO_", "RATELIMIT_", "DATABASE_URL", "TEST_DATABASE_URL")


def clean_environ() -> dict[str, str]:
    """This process's environment without the platform's own settings."""
    return {key: value for key, value in os.environ.items() if not key.startswith(_DEPLOYMENT)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
