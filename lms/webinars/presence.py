"""Heartbeats of this process's own room connections, written to the database in batches.

A heartbeat used to be an UPDATE of its connection's row; at 2,000 participants beating every
30 s that is 67 writes a second for a value nobody reads until a connection goes silent. So a
process keeps the newest heartbeat time of each of its own sockets and writes them all in one
batched UPDATE every few seconds (`WEBINAR_FLUSH_SECONDS`), and the same background task sweeps
stale connections (of every process) every `WEBINAR_SWEEP_SECONDS`.

Nothing here is state another process needs: the sockets live in this process anyway, the
database's `last_seen_at` lags by at most the flush interval, and a crash loses at most that much
attendance (the sweep then closes the rows at their last written heartbeat plus the grace).
Correctness rules:

- Only a connection whose row this process opened or touched itself (join, or a heartbeat that
  went to the database) is buffered.
- A heartbeat is buffered only while the last time written for its connection is recent enough
  that no sweep anywhere can have closed the row before the next flush (timeout minus twice
  the flush interval); otherwise it goes to the database the old way, which reopens a closed
  interval.
- After a flush, connections whose row turned out closed (by a sweep or the cron of another
  process) are dropped from the buffer, so their next heartbeat opens a new interval.
"""

from __future__ import annotations

import gc
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from ..extensions import db, socketio
from .attendance import close_stale
from .broadcast import announce_departures
from .models import WebinarConnection

logger = logging.getLogger(__name__)

# Collections of the youngest generation happen every this many allocations (Python: 700).
GC_THRESHOLD = 10_000


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)  # one per socket: 2,000 of them in a busy process
class _Seen:
    webinar_id: int
    user_id: int
    written: datetime  # the last_seen_at this process knows to be in the database
    pending: datetime | None = None  # a newer heartbeat, not written yet


_table = WebinarConnection.__table__
_FLUSH = (
    _table.update()
    .where(
        _table.c.sid == sa.bindparam("b_sid"),
        _table.c.webinar_id == sa.bindparam("b_webinar"),
        _table.c.closed_at.is_(None),
    )
    .values(last_seen_at=sa.bindparam("b_at", type_=_table.c.last_seen_at.type))
)


class Beats:
    """The heartbeat buffer of one process (one per app, see `beats()`)."""

    def __init__(self, *, timeout: timedelta, flush_every: float, sweep_every: float):
        self.flush_every, self.sweep_every = flush_every, sweep_every
        # Beyond this age of the written time, a row might be swept before our next flush.
        self.safe_age = timeout - timedelta(seconds=2 * flush_every)
        self._seen: dict[str, _Seen] = {}
        self._lock = threading.Lock()
        self._task = None

    def __len__(self) -> int:
        return len(self._seen)

    def track(self, sid: str, webinar_id: int, user_id: int, at: datetime) -> None:
        """The connection's row is open with last_seen_at = at, written by this process."""
        with self._lock:
            self._seen[sid] = _Seen(webinar_id, user_id, written=at)

    def forget(self, sid: str) -> None:
        with self._lock:
            self._seen.pop(sid, None)

    def beat(self, sid: str, webinar_id: int, user_id: int, at: datetime) -> bool:
        """Buffer a heartbeat; False when it must go to the database (see the module rules)."""
        with self._lock:
            seen = self._seen.get(sid)
            if seen is None or (seen.webinar_id, seen.user_id) != (webinar_id, user_id):
                return False
            if at - seen.written >= self.safe_age:
                return False
            if seen.pending is None or at > seen.pending:
                seen.pending = at
            return True

    def flush(self) -> int:
        """Write the buffered heartbeats in one batched UPDATE (in the caller's transaction,
        which the caller commits). Returns the number of connections written."""
        with self._lock:
            rows = [
                {"b_sid": sid, "b_webinar": seen.webinar_id, "b_at": seen.pending}
                for sid, seen in self._seen.items()
                if seen.pending is not None
            ]
        if not rows:
            return 0
        result = db.session.execute(_FLUSH, rows)
        closed: set[str] = set()
        if result.rowcount != len(rows):
            # Some rows were closed meanwhile (a sweep elsewhere, the cron, the end of the webinar).
            sids = [row["b_sid"] for row in rows]
            still_open = set(
                db.session.scalars(
                    sa.select(WebinarConnection.sid).where(
                        WebinarConnection.sid.in_(sids), WebinarConnection.closed_at.is_(None)
                    )
                )
            )
            closed = set(sids) - still_open
        with self._lock:
            for row in rows:
                seen = self._seen.get(row["b_sid"])
                if seen is None:
                    continue
                if row["b_sid"] in closed:
                    del self._seen[row["b_sid"]]
                    continue
                seen.written = max(seen.written, row["b_at"])
                if seen.pending is not None and seen.pending <= row["b_at"]:
                    seen.pending = None
        if closed:
            logger.info("%d buffered webinar connections were closed elsewhere", len(closed))
        return len(rows)

    def start(self, app: Flask) -> None:
        """Run the flush and the sweep in the background of this process (once)."""
        with self._lock:
            if self._task is not None:
                return
            tune_garbage_collector()
            self._task = socketio.start_background_task(self._run, app)

    def _run(self, app: Flask) -> None:
        next_sweep = 0.0
        elapsed = 0.0
        while True:
            socketio.sleep(self.flush_every)
            elapsed += self.flush_every
            with app.app_context():
                sweep = elapsed >= next_sweep
                if sweep:
                    next_sweep = elapsed + self.sweep_every
                try:
                    tick(self, now(), sweep=sweep)
                except Exception:
                    db.session.rollback()
                    logger.exception("webinar heartbeat flush or sweep failed; retrying later")


def tune_garbage_collector() -> None:
    """Keep the collector's full passes short and rare in a process that holds a room.

    With 2,000 sockets, Python's full collection walked the whole heap (the app and every
    connection's objects) every 10 to 15 s and stopped the process for 0.5 to 1 s each time:
    the late broadcasts of docs/benchmarks.md. What exists when the first participant joins (the
    app, its modules) is moved out of the collector's sight, and young collections run less often.
    """
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


def tick(beats_: Beats, at: datetime, *, sweep: bool = True) -> int:
    """One round of the background task: flush the buffer, sweep stale connections, announce
    who left. Returns the number of heartbeats written."""
    written = beats_.flush()
    db.session.commit()  # short transactions: the flush's row locks go at once
    if sweep:
        departures = close_stale(None, at)
        db.session.commit()
        announce_departures(departures)
    return written


def beats() -> Beats:
    """This process's buffer for the current app."""
    found = current_app.extensions.get("webinar_beats")
    if found is None:
        config = current_app.config
        found = current_app.extensions.setdefault(
            "webinar_beats",
            Beats(
                timeout=timedelta(seconds=config["WEBINAR_HEARTBEAT_TIMEOUT"]),
                flush_every=config["WEBINAR_FLUSH_SECONDS"],
                sweep_every=config["WEBINAR_SWEEP_SECONDS"],
            ),
        )
    return found
