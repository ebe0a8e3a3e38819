"""The opaque key that names a user's caches and queue on a device."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User


def user_key(user: User) -> str:
    """Stable per user and site, says nothing about the user: caches and queues are named by it."""
    # The id from the identity map: after a POST's commit the logged-in user is expired, and
    # `user.id` would load the whole user again for this header.
    identity = sa.inspect(user).identity
    return _key(current_app.config["SECRET_KEY"], identity[0] if identity else user.id)


@lru_cache(maxsize=4096)
def _key(secret: str, user_id: int) -> str:
    # Every page asks twice (its header and its template): the HMAC is made once per user.
    return hmac.new(secret.encode(), f"offline-user:{user_id}".encode(), hashlib.sha256).hexdigest()[:20]
