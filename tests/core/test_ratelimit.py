"""The per-process fixed windows of the busiest limits (lms/core/ratelimit.py, `LocalWindows`)."""

from __future__ import annotations

import pytest

from lms.core import ratelimit
from lms.core.ratelimit import LocalWindows


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: now[0])
    return now


def test_the_limit_allows_its_amount_per_window_then_refuses(clock):
    windows = LocalWindows()
    assert [windows.hit("3 per 10 seconds", "flood", "7") for _ in range(5)] == [True] * 3 + [False] * 2


def test_a_new_window_starts_once_the_last_one_ended(clock):
    windows = LocalWindows()
    for _ in range(3):
        windows.hit("3 per 10 seconds", "flood", "7")
    clock[0] += 9.9
    assert windows.hit("3 per 10 seconds", "flood", "7") is False
    clock[0] += 0.2
    assert windows.hit("3 per 10 seconds", "flood", "7") is True


def test_people_and_limits_are_counted_apart(clock):
    windows = LocalWindows()
    assert windows.hit("1 per minute", "flood", "7") is True
    assert windows.hit("1 per minute", "flood", "8") is True
    assert windows.hit("2 per minute", "flood", "7") is True
    assert windows.hit("1 per minute", "flood", "7") is False


def test_ended_windows_are_dropped_so_memory_does_not_grow_with_everyone_ever_seen(clock):
    windows = LocalWindows()
    for person in range(2000):
        windows.hit("40 per 10 seconds", "flood", str(person))
    clock[0] += LocalWindows.SWEEP_SECONDS + 1
    windows.hit("40 per 10 seconds", "flood", "new")
    assert list(windows._windows) == [("40 per 10 seconds", "flood", "new")]


def test_the_shared_counter_resets_its_local_windows_too():
    ratelimit.counter.hit_here("1 per hour", "test", "reset")
    assert ratelimit.counter.hit_here("1 per hour", "test", "reset") is False
    ratelimit.counter.reset()
    assert ratelimit.counter.hit_here("1 per hour", "test", "reset") is True
    ratelimit.counter.reset()
