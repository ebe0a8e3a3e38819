"""Helpers shared by the careers models."""

from __future__ import annotations

import enum

import sqlalchemy as sa

LEVELS = (1, 2, 3, 4, 5)


def enum_type(cls: type[enum.Enum], name: str, length: int) -> sa.Enum:
    """A VARCHAR enum with a CHECK constraint, storing the members' values (portable to SQLite)."""
    return sa.Enum(
        cls,
        native_enum=False,
        length=length,
        create_constraint=True,
        name=name,
        values_callable=lambda e: [m.value for m in e],
    )
