"""ORM objects made from a statement's plain columns, as if a query had loaded them.

The ORM's loading sets up its row processing (a processor per entity and column, the joined
loaders' aliasing) at every statement it runs. For the one-row statements of the busiest pages
(the logged-in user and their agency; the lesson page's course, enrolment and lesson) that setup
cost more than the rest of the statement: taking it out saved 3.5-6.6 % of a page's CPU for the
user and 4.9 % more of the lesson page's for its course (docs/benchmarks.md, session 17).

Such a statement selects each model's columns as plain columns (`Columns.of(Model)`), runs on
the session's connection, and `Columns.load(row)` gives the session's instance for the model's
slice of the row: the one the session already holds, or one made with SQLAlchemy's public
`make_transient_to_detached` and added to the session: persistent, with no history, its
relationships and left-out columns loaded on first use, saved at commit like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapper, make_transient_to_detached

from ..extensions import db


@dataclass(frozen=True, slots=True)
class Columns:
    """The columns of one model in a statement of plain columns, and where its slice of the row
    starts (`at`, given when the statement is built)."""

    model: type
    mapper: Mapper
    names: tuple[str, ...]  # attribute names, the primary key first
    columns: tuple[sa.ColumnElement, ...]  # what the statement selects, labelled
    at: int = 0

    @classmethod
    def of(cls, model: type, *, label: str, leave_out: tuple = ()) -> Columns:
        """Every column of `model`'s table but the attributes `leave_out` and those the mapping
        defers, labelled "<label>_<name>" (so two models' `id`s do not clash)."""
        mapper = sa.inspect(model)
        if len(mapper.primary_key) != 1:
            raise TypeError(f"{model.__name__}: Columns needs a primary key of one column")
        left_out = {attribute.key for attribute in leave_out}
        chosen = [
            (prop.key, column)
            for column in mapper.local_table.c
            if (prop := mapper.get_property_by_column(column)).key not in left_out and not prop.deferred
        ]
        chosen.sort(key=lambda pair: pair[1] is not mapper.primary_key[0])  # the id first
        names = tuple(name for name, _column in chosen)
        labelled = tuple(column.label(f"{label}_{column.name}") for _name, column in chosen)
        return cls(model, mapper, names, labelled)

    def placed(self, at: int) -> Columns:
        return replace(self, at=at)

    @property
    def end(self) -> int:
        return self.at + len(self.names)

    def load(self, row) -> Any:
        """The session's instance for this slice of `row`; None when its id is NULL (an outer
        join that found nothing)."""
        values = row[self.at : self.end]
        if values[0] is None:
            return None
        session = db.session()
        found = session.identity_map.get(self.mapper.identity_key_from_primary_key((values[0],)))
        if found is not None:
            return found
        instance = self.model()
        instance.__dict__.update(zip(self.names, values, strict=True))
        make_transient_to_detached(instance)
        session.add(instance)
        return instance


def placed_in_order(*models: Columns, start: int = 0) -> tuple[Columns, ...]:
    """The models' columns placed one after another in a row, from `start`."""
    placed = []
    for columns in models:
        placed.append(columns.placed(start))
        start = placed[-1].end
    return tuple(placed)
