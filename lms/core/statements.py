"""Statements built once per process, their cache key hashed once.

SQLAlchemy finds a statement's compiled SQL by its cache key: a tuple nested as deep as the
statement, which the statement keeps once it is built but which is hashed again at every
execution (a tuple does not keep its hash). The home page's one statement for every panel has a
key of some 6,000 elements: hashing them cost 30 us with the key in the processor's cache and
several times that in a request, where it never is. Keeping the hash took 7 % off the home page's
CPU and 4 % off the lesson page's (an in-process A/B, docs/benchmarks.md, session 17).

`@built_once` is `functools.cache` (or `lru_cache`, given a size) for a function that builds a
statement (from arguments that are not per-request values: those are bind parameters): it builds
it, has SQLAlchemy make its key and keeps the key's hash. A statement derived from it (`.where()`,
`.options()`...) is a copy that makes its own key, as usual. It relies on SQLAlchemy keeping the
key in the statement's `__dict__` (`HasMemoized`); `tests/core/test_statements.py` fails if a
release changes that.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

_MEMO = "_generate_cache_key"


class _HashedKey(tuple):
    """A cache key tuple that answers its hash without walking itself."""

    def __hash__(self) -> int:
        return self.hashed


def keep_key_hash(statement: Any) -> Any:
    """Hash the statement's cache key once and make the statement hand out that key (returns the
    statement). A statement without a key (one SQLAlchemy does not cache) is left as it is."""
    key = statement._generate_cache_key()
    if key is None or isinstance(key.key, _HashedKey) or _MEMO not in getattr(statement, "__dict__", {}):
        return statement
    hashed = _HashedKey(key.key)
    hashed.hashed = tuple.__hash__(hashed)
    kept = key._replace(key=hashed)
    statement.__dict__[_MEMO] = lambda: kept
    return statement


def built_once(build: Callable | None = None, /, *, maxsize: int | None = None) -> Callable:
    """Cache what `build` returns for its arguments (`functools.lru_cache(maxsize)`; without a
    size, everything), and keep the key hash of the statement it is, or of every statement in the
    tuple it returns. `@built_once` or `@built_once(maxsize=32)`."""

    def decorator(build: Callable) -> Callable:
        @lru_cache(maxsize=maxsize)
        @wraps(build)
        def once(*args, **kwargs):
            built = build(*args, **kwargs)
            for part in built if isinstance(built, tuple) else (built,):
                if hasattr(part, _MEMO):
                    keep_key_hash(part)
            return built

        return once

    return decorator if build is None else decorator(build)
