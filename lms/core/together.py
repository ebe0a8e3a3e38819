"""Several small reads in one SQL statement.

A page that gathers short lists from many features (the home page) would pay one statement, and
one round trip, per list. `read_together({"name": select, ...})` sends them as one statement:
each query becomes a scalar subquery that aggregates its rows into a JSON array
(`json_agg(json_build_object(...))` on PostgreSQL, `json_group_array(json_object(...))` on
SQLite), and the answer is decoded back into one list of dicts per name.

JSON knows strings, numbers, booleans and null: timestamps and dates come back as text and are
parsed here from the column types of each query (timestamps aware UTC, like `UTCDateTime`);
booleans (SQLite's 0 and 1) become bool; a JSON column's value is its JSON (SQLite's text
parsed). Row order inside an aggregate is not guaranteed: a caller that needs an order sorts the
rows it gets back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from .clock import as_utc
from .statements import keep_key_hash


def _decoder(column_type: sa.types.TypeEngine, dialect: str) -> Callable[[Any], Any] | None:
    kind = column_type.impl if isinstance(column_type, sa.types.TypeDecorator) else column_type
    if isinstance(kind, sa.JSON):
        # PostgreSQL nests a JSON column's value; SQLite's is text, which comes back as a string.
        return None if dialect == "postgresql" else lambda value: None if value is None else json.loads(value)
    if isinstance(kind, sa.DateTime):
        return lambda value: as_utc(datetime.fromisoformat(value)) if value else None
    if isinstance(kind, sa.Date):
        return lambda value: date.fromisoformat(value[:10]) if value else None
    if isinstance(kind, sa.Boolean):
        return lambda value: None if value is None else bool(value)
    return None


def _aggregate(columns, dialect: str) -> sa.ColumnElement:
    """The JSON array of objects {column name: value} that the rows of `columns` make."""
    pairs = []
    for column in columns:
        if not column.name.isidentifier():
            raise ValueError(f"read_together needs plain column names, not {column.name!r}")
        pairs += [sa.literal_column(f"'{column.name}'"), column]
    if dialect == "postgresql":
        return sa.func.coalesce(
            sa.func.json_agg(sa.func.json_build_object(*pairs)), sa.literal_column("'[]'::json")
        )
    return sa.func.json_group_array(sa.func.json_object(*pairs))


def _json_rows(query: sa.Select, dialect: str) -> sa.ScalarSelect:
    rows = query.subquery()
    return sa.select(_aggregate(rows.c, dialect)).select_from(rows).scalar_subquery()


def json_array(query: sa.Select, dialect: str) -> sa.ScalarSelect:
    """The rows of `query` as one JSON array, to put as a column into another statement, where
    it may refer to that statement's tables (a correlated subquery: the query's own FROM, joins
    and WHERE, its columns folded into the aggregate, its ORDER BY dropped: sort what you get).
    Read the value back with `rows_reader(query, dialect)`."""
    aggregate = _aggregate(query.selected_columns, dialect)
    return query.with_only_columns(aggregate, maintain_column_froms=True).order_by(None).scalar_subquery()


def _decoders(query: sa.Select, dialect: str) -> dict[str, Callable]:
    return {
        column.name: decode
        for column in query.selected_columns
        if (decode := _decoder(column.type, dialect)) is not None
    }


def _decode(value: Any, decoders: dict[str, Callable]) -> list[dict[str, Any]]:
    rows = json.loads(value) if isinstance(value, str | bytes) else (value or [])
    for row in rows:
        for key, decode in decoders.items():
            row[key] = decode(row.get(key))
    return rows


def rows_reader(query: sa.Select, dialect: str) -> Callable[[Any], list[dict[str, Any]]]:
    """What turns the value of a `json_array(query, dialect)` column back into the query's rows
    (dicts by column name, typed as `read_together` types them)."""
    decoders = _decoders(query, dialect)
    return lambda value: _decode(value, decoders)


_statements: dict[tuple, tuple[sa.Select, dict[str, dict[str, Callable]]]] = {}


def _statement(queries: dict[str, Callable[[], sa.Select]], dialect: str):
    """The combined statement and the decoders of each query's columns, built once per set of
    query builders (they use bind parameters, so the same statement serves every request)."""
    key = (dialect, tuple(queries.items()))
    found = _statements.get(key)
    if found is None:
        built = {name: make() for name, make in queries.items()}
        statement = keep_key_hash(
            sa.select(*(_json_rows(query, dialect).label(name) for name, query in built.items()))
        )
        decoders = {name: _decoders(query, dialect) for name, query in built.items()}
        found = _statements[key] = (statement, decoders)
    return found


def read_together(
    queries: dict[str, Callable[[], sa.Select]], params: dict[str, Any] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The rows of every query (as dicts by column name), read in one statement.

    Each query is given by a function that builds it (once: keep it free of per-request values)
    with `sa.bindparam`s whose values are in `params`; queries share the parameter names."""
    if not queries:
        return {}
    statement, decoders = _statement(queries, db.session.get_bind().dialect.name)
    # On the session's connection, not through the ORM: plain columns need none of its result
    # handling, which costs more than the rest of the call (about 120 us of 650).
    values = db.session.connection().execute(statement, params or {}).one()
    return {name: _decode(value, decoders[name]) for name, value in zip(queries, values, strict=True)}
