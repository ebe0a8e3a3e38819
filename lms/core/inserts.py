"""INSERT ... ON CONFLICT DO NOTHING on PostgreSQL and on SQLite: a bulk write that skips the rows
a unique constraint already holds, also those a concurrent transaction has just added, instead
of failing the whole statement."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from ..extensions import db


def insert_skipping_existing(entity, *unique: str) -> Insert:
    """An INSERT of `entity` (a model or table) that leaves out rows whose `unique` columns (a
    unique constraint) match a row already there; add `.returning(...)` to learn which went in."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(entity).on_conflict_do_nothing(index_elements=list(unique))
