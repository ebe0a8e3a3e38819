"""Logging in while Redis (the shared rate-limit storage) is down: the limits count in this process's
memory instead (Flask-Limiter's in-memory fallback, logged), and logins keep working."""

from __future__ import annotations

import pytest
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from lms.extensions import limiter
from tests.factories import PASSWORD


@pytest.fixture
def redis_down(app, db, monkeypatch):
    dead = storage_from_string("redis://127.0.0.1:9/0", socket_connect_timeout=0.5, socket_timeout=0.5)
    monkeypatch.setattr(limiter, "_storage", dead)
    monkeypatch.setattr(limiter, "_limiter", FixedWindowRateLimiter(dead))
    monkeypatch.setattr(limiter, "_fallback_limiter", FixedWindowRateLimiter(MemoryStorage()))
    monkeypatch.setattr(limiter, "_storage_dead", False)
    assert app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"]
    return dead


def test_login_works_without_redis_and_is_logged(redis_down, client, make_user, make_agency, caplog):
    user = make_user(make_agency())
    response = client.post("/login", data={"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "falling back to in-memory storage" in caplog.text


def test_the_per_account_limit_still_holds_in_memory(redis_down, client, make_user, make_agency):
    user = make_user(make_agency())
    statuses = [
        client.post("/login", data={"login": user.email, "password": "salah-sekali"}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
