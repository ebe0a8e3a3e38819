"""Failed-login limits that protect the owner of an account.

Failures count per account *and* client address together (a stranger hammering from one place is
stopped there, and the owner elsewhere still gets in), plus a slower limit per account whatever the
address (a guesser spread over many addresses). Only failures count. The counters live in the
rate-limit storage of Flask-Limiter (Redis when RATELIMIT_STORAGE_URI is set), through `limits`;
while that storage is unreachable, in this process's memory (core/ratelimit.py), logged.
"""

from __future__ import annotations

import logging
import math
import time
from functools import cache

from flask import current_app
from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter

from ..core.ratelimit import counter
from ..extensions import limiter
from .errors import LoginLocked
from .models import User

logger = logging.getLogger(__name__)


@cache
def _parse(text: str) -> RateLimitItem:
    return parse(text)


def account_key(user: User | None, normalised_login: str) -> str:
    """One key per account whether it is named by NIP or email; unknown logins count too."""
    return f"user:{user.id}" if user is not None else "login:" + normalised_login[:254]


def _limits(account: str, address: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    config = current_app.config
    return [
        (_parse(config["LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT"]), ("login-failed", account, address)),
        (_parse(config["LOGIN_ACCOUNT_RATE_LIMIT"]), ("login-failed", account)),
    ]


def _storage_failed() -> bool:
    """With RATELIMIT_SWALLOW_ERRORS (as Flask-Limiter itself), a storage outage lets logins
    through unlimited rather than failing them all; otherwise the error propagates."""
    if not current_app.config.get("RATELIMIT_SWALLOW_ERRORS"):
        return False
    logger.exception("login limits: rate-limit storage failed; not counting this attempt")
    return True


def check(account: str, address: str) -> None:
    """Raise LoginLocked (with the minutes to wait) when either limit is used up."""
    if not limiter.enabled:
        return
    limits = _limits(account, address)

    def waits_in(strategy):
        return [
            strategy.get_window_stats(item, *keys).reset_time - time.time()
            for item, keys in limits
            if not strategy.test(item, *keys)
        ]

    try:
        # Redis unreachable: counted in this process's memory meanwhile (core/ratelimit.py).
        waits = counter.run(limiter.storage, waits_in, FixedWindowRateLimiter)
    except Exception:
        if _storage_failed():
            return
        raise
    if waits:
        raise LoginLocked(max(1, math.ceil(max(waits) / 60)))


def record_failure(account: str, address: str) -> None:
    """Count one failed login against both limits."""
    if not limiter.enabled:
        return
    limits = _limits(account, address)

    def hit_all(strategy):
        for item, keys in limits:
            strategy.hit(item, *keys)

    try:
        counter.run(limiter.storage, hit_all, FixedWindowRateLimiter)
    except Exception:
        if not _storage_failed():
            raise
