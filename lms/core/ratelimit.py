"""Rate limits outside Flask-Limiter's request hooks (Socket.IO events), that survive Redis going away.

Pages use Flask-Limiter's own fallback (`RATELIMIT_IN_MEMORY_FALLBACK_ENABLED` in config.py): when
its storage raises, it logs "Rate limit storage unreachable - falling back to in-memory storage",
counts in this process, and checks the storage again with a growing pause (1, 2, 4 ... 32 s) until
it answers ("Rate limit storage recovered"). The webinar message limit and the failed-login limits
(accounts/login_limits.py) count against the same storage outside those hooks, so they get the
same behaviour here: the shared storage while it answers, this process's
memory while it does not, and a new try of the shared storage every `RETRY_SECONDS`. The webinar
flood limit counts only in the process that holds the socket (`hit_here`, `LocalWindows`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage
from limits.strategies import FixedWindowRateLimiter

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
T = TypeVar("T")


@cache
def parse_limit(text: str) -> RateLimitItem:
    return parse(text)


class LocalWindows:
    """Fixed-window counts in this process's memory, for the busiest limits.

    `limits`' MemoryStorage starts a timer after each hit that walks every key 10 ms later: with
    2,000 people in a webinar room that walk cost as much as the Redis round trip it replaced.
    Here each key holds its window's end and its count, and keys whose window has ended are
    dropped at most once a minute. Meant for one greenlet loop (a room process): two threads could
    lose a count between them, which a flood limit can afford."""

    SWEEP_SECONDS = 60.0

    def __init__(self) -> None:
        self._windows: dict[tuple, tuple[float, int]] = {}
        self._next_sweep = 0.0

    def hit(self, limit: str, *identifiers: str) -> bool:
        """Count one hit; False when the limit is exceeded."""
        item = parse_limit(limit)
        now = time.monotonic()
        key = (limit, *identifiers)
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            ends, count = now + item.get_expiry(), 0
        self._windows[key] = (ends, count + 1)
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
        return count < item.amount

    def reset(self) -> None:
        self._windows.clear()


class FallbackCounter:
    """`hit()` on the shared storage, or on per-process memory while the shared one is unreachable."""

    def __init__(self) -> None:
        self._memory = FixedWindowRateLimiter(MemoryStorage())
        self._here = LocalWindows()
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def degraded(self) -> bool:
        return self._down_until > 0

    def hit(self, storage: Storage, limit: str, *identifiers: str) -> bool:
        """Count one hit; False when the limit is exceeded."""
        item = parse_limit(limit)
        return self.run(storage, lambda strategy: strategy.hit(item, *identifiers))

    def hit_here(self, limit: str, *identifiers: str) -> bool:
        """Count one hit in this process's memory only, whatever the shared storage: for a limit
        whose subject stays in one process (a socket's flood), at no round trip."""
        return self._here.hit(limit, *identifiers)

    def run(self, storage: Storage, use: Callable[[FixedWindowRateLimiter], T], strategy_class=None) -> T:
        """`use(strategy)` on the shared storage, or on this process's memory while it is unreachable."""
        if time.monotonic() >= self._down_until:
            try:
                result = use((strategy_class or FixedWindowRateLimiter)(storage))
            except (StorageError, *_exceptions(storage)) as exc:
                self._went_down(exc)
            else:
                if self._down_until:
                    self._down_until = 0.0
                    logger.info("rate-limit storage answers again: these limits are shared again")
                return result
        return use(self._memory)

    def _went_down(self, exc: Exception) -> None:
        with self._lock:
            first = not self._down_until
            self._down_until = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning(
                "rate-limit storage unreachable (%s): login and webinar limits count in this "
                "process's memory until it returns",
                exc,
            )

    def reset(self) -> None:
        """Forget the per-process counts and try the shared storage again at once (tests)."""
        self._memory.storage.reset()
        self._here.reset()
        self._down_until = 0.0


def _exceptions(storage: Storage) -> tuple[type[Exception], ...]:
    try:
        found = storage.base_exceptions
    except Exception:  # a storage whose driver is missing has nothing to catch
        return ()
    return found if isinstance(found, tuple) else (found,)


counter = FallbackCounter()
