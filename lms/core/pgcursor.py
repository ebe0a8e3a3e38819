"""psycopg's cursor, its `description` built only when something reads it.

SQLAlchemy asks for `cursor.description` after every statement that returns rows, but for a
statement it has run before it only checks that the answer is not None: it keeps the columns it
read the first time. psycopg builds a `Column` object for every column at each call, some eighty
per lesson page (the logged-in user's statement alone has 34 columns), about 6 % of the page's
Python calls. This cursor hands out a sequence that builds them on first use, from the result
the statement produced even if the cursor has run another one since.

`install(dbapi_connection)` makes it the connection's cursor class (on connect, lms.extensions).

It also lets psycopg keep the conversion of longer statements. psycopg turns a statement's
`%(name)s` placeholders into `$n` with a regular expression and keeps the result, but only for
statements up to 4,096 characters (`MAX_CACHED_STATEMENT_LENGTH`, against ORMs' ever-different
multi-row INSERTs): the home page's one statement for every panel, some 7,000 characters, was
parsed again at every page, some 0.2 ms. Our statements are built once each, so the long ones are
few and always the same; psycopg's cache stays bounded (128 statements), and statements with
many parameters (bulk INSERTs) still pass it by (`MAX_CACHED_STATEMENT_PARAMS`).
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg import _queries
from psycopg.pq import ExecStatus

LONGEST_KEPT_STATEMENT = 32_768  # characters

_ROWS = frozenset(
    status
    for status in (getattr(ExecStatus, name, None) for name in ("TUPLES_OK", "SINGLE_TUPLE", "TUPLES_CHUNK"))
    if status is not None
)


class _Described:
    """What `psycopg.Column` reads from a cursor, kept as it was for one result."""

    __slots__ = ("pgresult", "_encoding", "adapters")

    def __init__(self, cursor: psycopg.Cursor):
        self.pgresult = cursor.pgresult
        self._encoding = cursor.connection.info.encoding
        self.adapters = cursor.adapters


class Description(Sequence):
    """The columns of one result, as psycopg describes them, made when first read."""

    __slots__ = ("_source", "_count", "_columns")

    def __init__(self, source: _Described, count: int):
        self._source, self._count, self._columns = source, count, None

    def _made(self) -> list[psycopg.Column]:
        if self._columns is None:
            self._columns = [psycopg.Column(self._source, index) for index in range(self._count)]
        return self._columns

    def __getitem__(self, index):
        return self._made()[index]

    def __len__(self) -> int:
        return self._count


class Cursor(psycopg.Cursor):
    @property
    def description(self) -> Description | None:
        result = self.pgresult
        # As psycopg: columns when the result has fields or says it returned rows ("SELECT ;").
        if result is not None and (result.nfields or result.status in _ROWS):
            return Description(_Described(self), result.nfields)
        return None


def install(dbapi_connection: psycopg.Connection) -> None:
    dbapi_connection.cursor_factory = Cursor
    # psycopg reads its module's limit at each statement (psycopg/_queries.py, PostgresQuery.convert).
    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, LONGEST_KEPT_STATEMENT)
