"""Work that must follow a commit: a log line that says something was stored is written only
once the transaction that stored it has committed, and never for one that rolled back (a
database that drops mid-request makes the request run again; its first try stored nothing)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import sqlalchemy as sa
from sqlalchemy.orm import Session

AFTER_COMMIT = "lms.after_commit"


def after_commit(session: Session, callback: Callable[..., object], *args: object) -> None:
    """Call `callback(*args)` once the session's transaction commits (nothing on rollback)."""
    session.info.setdefault(AFTER_COMMIT, []).append(partial(callback, *args))


@sa.event.listens_for(Session, "after_commit")
def _run(session: Session) -> None:
    for callback in session.info.pop(AFTER_COMMIT, ()):
        callback()


@sa.event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(AFTER_COMMIT, None)
