"""The opaque key that names a user's caches and queue on a device."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

from ..accounts.models import User


def user_key(user: User) -> str:
    """Stable per user and site, says nothing about the user: caches and queues are named by it."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"offline-user:{user.id}".encode(), hashlib.sha256).hexdigest()[:20]
