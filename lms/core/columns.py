"""Column types shared by every feature's models."""

from __future__ import annotations

import enum
from datetime import UTC

import sqlalchemy as sa

from .clock import as_utc


def enum_column(cls: type[enum.Enum], name: str, length: int) -> sa.Enum:
    """A VARCHAR enum with a named CHECK constraint that stores the members' values (portable to
    SQLite, and adding a member needs no ALTER TYPE)."""
    return sa.Enum(
        cls,
        native_enum=False,
        length=length,
        create_constraint=True,
        name=name,
        values_callable=lambda e: [m.value for m in e],
    )


class UTCDateTime(sa.types.TypeDecorator):
    """TIMESTAMP WITH TIME ZONE that is always aware UTC in Python, on SQLite too (which hands
    back naive values). Aware values are stored as UTC; naive values are taken as UTC already."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return as_utc(value)

    def process_result_value(self, value, dialect):
        return as_utc(value)

    def result_processor(self, dialect, coltype):
        # One call per value read (two on SQLite, which parses text first), instead of the
        # decorator's three: its wrapper, process_result_value, as_utc. A page reads a hundred.
        parse = self.impl_instance.result_processor(dialect, coltype)

        def process(value):
            if parse is not None:
                value = parse(value)
            if value is None or value.tzinfo is UTC:
                return value
            return as_utc(value)

        return process
