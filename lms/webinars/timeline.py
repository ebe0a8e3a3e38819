"""Attendance arithmetic: the union of a person's connection intervals inside a window.

Several tabs, devices and reconnects of one person overlap; the union counts each moment once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

Interval = tuple[datetime, datetime]


def merge(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    """The union of the intervals clipped to [start, end], as sorted disjoint intervals."""
    clipped = sorted((max(a, start), min(b, end)) for a, b in intervals)
    merged: list[Interval] = []
    for a, b in clipped:
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def total_seconds(intervals: Iterable[Interval]) -> int:
    """Whole seconds covered by disjoint intervals."""
    return int(sum((b - a).total_seconds() for a, b in intervals))
