"""What a request runs after its view's commit, counted with sessions that expire at commit as
production's do (the `expiring_sessions` fixture). A view that reads an object after its commit
(for a redirect URL, a flash message or the locale of one) loads it again there: one hidden
SELECT a request in production, which the test sessions, which keep their objects, never show."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa

from lms.extensions import db

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class Statements:
    trace: list[str] = field(default_factory=list)  # everything, transaction control included

    @property
    def all(self) -> list[str]:
        """The statements, transaction control left out (what `count_queries` counts)."""
        return [s for s in self.trace if not s.upper().startswith(TRANSACTION_CONTROL)]

    @property
    def after_commit(self) -> list[str]:
        """The statements after the request's first commit. In the tests the request's session
        begins with a SAVEPOINT (db fixture: join_transaction_mode="create_savepoint") and its
        commit releases that savepoint."""
        if not self.trace or not self.trace[0].upper().startswith("SAVEPOINT"):
            return self.all
        release = "RELEASE " + self.trace[0]
        if release not in self.trace:
            return []
        rest = self.trace[self.trace.index(release) + 1 :]
        return [s for s in rest if not s.upper().startswith(TRANSACTION_CONTROL)]


@contextmanager
def listening(app, record: Callable[[str], None]) -> Iterator[None]:
    """Call `record(statement)` for every SQL statement the app's engine runs inside the block."""

    def before(conn, cursor, statement, parameters, context, executemany):
        record(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


@contextmanager
def recording(app) -> Iterator[Statements]:
    """`with recording(app) as statements:` records the SQL of the block, one line per statement."""
    statements = Statements()
    with listening(app, lambda statement: statements.trace.append(" ".join(statement.split()))):
        yield statements
