from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa


def enum_column(cls: type[enum.Enum], name: str, length: int) -> sa.Enum:
    return sa.Enum(
        cls,
        native_enum=False,
        length=length,
        create_constraint=True,
        name=name,
        values_callable=lambda e: [m.value for m in e],
    )


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: every stored time is UTC, so say so."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def to_utc(value: datetime | None) -> datetime | None:
    """A time to store: UTC (SQLite would keep a local wall time and drop its zone)."""
    value = aware(value)
    return value.astimezone(UTC) if value is not None else None
