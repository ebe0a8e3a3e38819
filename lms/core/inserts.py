"""INSERT with ON CONFLICT on PostgreSQL and on SQLite (the two dialects' own `insert`, which
SQLAlchemy's generic one lacks): a bulk write that skips the rows a unique constraint already
holds, also those a concurrent transaction has just added, instead of failing the whole
statement; or that updates them (`dialect_insert(...).on_conflict_do_update`)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from ..extensions import db


def dialect_insert(entity, bind=None) -> Insert:
    """The dialect's INSERT of `entity` (a model or table) for `bind` (a session or connection;
    the application's session when None), with its ON CONFLICT clauses."""
    bind = db.session if bind is None else bind
    engine = bind.get_bind() if hasattr(bind, "get_bind") else bind
    return (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(entity)


def insert_skipping_existing(entity, *unique: str) -> Insert:
    """An INSERT of `entity` (a model or table) that leaves out rows whose `unique` columns (a
    unique constraint) match a row already there; add `.returning(...)` to learn which went in."""
    return dialect_insert(entity).on_conflict_do_nothing(index_elements=list(unique))
