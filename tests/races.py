"""Two requests at the same moment, for the race tests on PostgreSQL (real sessions, real
commits): each piece of work runs in its own thread and request context, and every thread is
held just before its first statement that starts with a given text until all have got there, so
they really do meet at the statement that decides who wins."""

from __future__ import annotations

import threading
from collections.abc import Callable

import sqlalchemy as sa

from lms.extensions import db


def at_once(app, statement_start: str, *works: Callable[[], object]) -> tuple[list, list]:
    """Run each of `works` (committing after it) in its own thread; return what they returned
    (in the order they finished) and the exceptions they raised. Fails the test when a thread
    never reached the statement: then nothing raced."""
    barrier = threading.Barrier(len(works), timeout=10)
    held, met = threading.local(), []
    results, errors = [], []

    def hold(conn, cursor, statement, parameters, context, executemany):
        if not getattr(held, "done", False) and statement.lstrip().upper().startswith(statement_start):
            held.done = True
            met.append(threading.get_ident())
            barrier.wait()

    def run(work):
        try:
            with app.test_request_context():
                result = work()
                db.session.commit()
                results.append(result)
        except Exception as exc:  # reported to the caller
            errors.append(exc)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=run, args=(work,)) for work in works]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sa.event.remove(engine, "before_cursor_execute", hold)
    assert len(met) == len(works), (
        f"only {len(met)} of {len(works)} reached {statement_start}: no race was run"
    )
    return results, errors


def twice_at_once(app, statement_start: str, work: Callable[[], object]) -> tuple[list, list]:
    """The same work twice at once."""
    return at_once(app, statement_start, work, work)
