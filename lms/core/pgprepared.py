"""psycopg's prepared statements, kept through the rollback of a transaction that had no error.

psycopg prepares a statement on a connection once it has run there five times, and PostgreSQL then
stops parsing it and, after five more runs, planning it. But at every rollback psycopg forgets all
of them and sends DEALLOCATE ALL. And most requests end in a rollback: a view that is not
`@read_only` (lms/core/reads.py) ends its transaction that way when its connection goes back to
the pool, even after reading only. So with ordinary traffic almost nothing stayed prepared: every
statement was parsed and planned again, the user's statement at every request, and each such
request paid one more round trip for the DEALLOCATE ALL. Saving a quiz's answers and finishing it,
after the pages that lead there, cost PostgreSQL 5.2-5.7 ms; with this, 2.7-3.4 ms
(`bench/pages_cpu.py --pages quiz`, docs/benchmarks.md, session 16).

PostgreSQL keeps prepared statements through a rollback: they belong to the session, not to the
transaction. What psycopg's forgetting guards against is a statement it counts as prepared that
the server never prepared: in a pipeline (psycopg's executemany runs in one) it counts the
preparation as soon as it sends it, and behind an error the server skips it. That takes an error
in the transaction. So here the rollback of a transaction without an error keeps them, and the
rest stays as psycopg does it: the rollback of a failed transaction, a ROLLBACK TO SAVEPOINT, DDL
and DISCARD ALL still make it forget them all.

`install(dbapi_connection)` applies it to a new connection (on connect, lms.extensions). It relies
on two internals of psycopg 3 (the connection's `_prepared` manager and its `clear()` at rollback);
tests/core/test_pgprepared.py fails if a psycopg release changes them.
"""

from __future__ import annotations

import psycopg
from psycopg._preparing import PrepareManager
from psycopg.pq import TransactionStatus


class KeptPrepareManager(PrepareManager):
    """psycopg's manager, which ignores `clear()` while `keeping` (a clean rollback)."""

    keeping = False

    def clear(self) -> bool:
        if self.keeping:
            return False
        return super().clear()


class Connection(psycopg.Connection):
    def rollback(self) -> None:
        if self.pgconn.transaction_status != TransactionStatus.INTRANS:
            super().rollback()  # a failed transaction, or none at all: as psycopg does
            return
        self._prepared.keeping = True
        try:
            super().rollback()
        finally:
            self._prepared.keeping = False


def install(dbapi_connection: psycopg.Connection) -> None:
    if type(dbapi_connection) is psycopg.Connection:
        dbapi_connection.__class__ = Connection
        dbapi_connection._prepared.__class__ = KeptPrepareManager
