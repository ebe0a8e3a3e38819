"""Several small reads in one SQL statement.

A page that gathers short lists from many features (the home page) would pay one statement, and
one round trip, per list. `read_together({"name": select, ...})` sends them as one statement:
each query becomes a scalar subquery that aggregates its rows into a JSON array
(`json_agg(json_build_object(...))` on PostgreSQL, `json_group_array(json_object(...))` on
SQLite), and the answer is decoded back into one list of dicts per name.

JSON knows strings, numbers, booleans and null: timestamps and dates come back as text and are
parsed here from the column types of each query (timestamps aware UTC, like `UTCDateTime`);
booleans (SQLite's 0 and 1) become bool. Row order inside an aggregate is not guaranteed: a
caller that needs an order sorts the rows it gets back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from .clock import as_utc


def _decoder(column_type: sa.types.TypeEngine) -> Callable[[Any], Any] | None:
    kind = column_type.impl if isinstance(column_type, sa.types.TypeDecorator) else column_type
    if isinstance(kind, sa.DateTime):
        return lambda value: as_utc(datetime.fromisoformat(value)) if value else None
    if isinstance(kind, sa.Date):
        return lambda value: date.fromisoformat(value[:10]) if value else None
    if isinstance(kind, sa.Boolean):
        return lambda value: None if value is None else bool(value)
    return None


def _json_rows(query: sa.Select, dialect: str) -> sa.ScalarSelect:
    rows = query.subquery()
    pairs = []
    for column in rows.c:
        if not column.name.isidentifier():
            raise ValueError(f"read_together needs plain column names, not {column.name!r}")
        pairs += [sa.literal_column(f"'{column.name}'"), column]
    if dialect == "postgresql":
        aggregate = sa.func.coalesce(
            sa.func.json_agg(sa.func.json_build_object(*pairs)), sa.literal_column("'[]'::json")
        )
    else:
        aggregate = sa.func.json_group_array(sa.func.json_object(*pairs))
    return sa.select(aggregate).select_from(rows).scalar_subquery()


_statements: dict[tuple, tuple[sa.Select, dict[str, dict[str, Callable]]]] = {}


def _statement(queries: dict[str, Callable[[], sa.Select]], dialect: str):
    """The combined statement and the decoders of each query's columns, built once per set of
    query builders (they use bind parameters, so the same statement serves every request)."""
    key = (dialect, tuple(queries.items()))
    found = _statements.get(key)
    if found is None:
        built = {name: make() for name, make in queries.items()}
        statement = sa.select(*(_json_rows(query, dialect).label(name) for name, query in built.items()))
        decoders = {
            name: {
                column.name: decode
                for column in query.selected_columns
                if (decode := _decoder(column.type)) is not None
            }
            for name, query in built.items()
        }
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
    values = db.session.execute(statement, params or {}).one()
    found = {}
    for name, value in zip(queries, values, strict=True):
        rows = json.loads(value) if isinstance(value, str | bytes) else (value or [])
        for row in rows:
            for key, decode in decoders[name].items():
                row[key] = decode(row.get(key))
        found[name] = rows
    return found
