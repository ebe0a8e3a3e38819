"""In-process cost of a webinar join (not a test, not the benchmark): CPU time and SQL statements
per Socket.IO connect that joins the room (`auth={"webinar_id": N}`, as the room page connects),
measured with the Flask-SocketIO test client on N participants.

    python bench/webinar_profile.py --participants 300            # SQLite file
    python bench/webinar_profile.py --participants 300 --profile  # + cProfile, top functions
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/webinar_profile.py

CPU is `time.process_time` of this one process (the database server's share on PostgreSQL is
not in it), so the figures mean something on a busy machine where wall time does not. The
engine.io handshake and the websocket framing are not in this path; bench/webinar_load.py has them.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.webinar_load import prepare_database, seed  # noqa: E402

NS = "/webinar"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()

    from lms import create_app
    from lms.extensions import db, socketio

    tmp = Path(tempfile.mkdtemp(prefix="webinar-profile-"))
    url, schema = prepare_database(args.database, tmp)
    secret = "profile-secret-key-" + "x" * 20
    _seed_app, webinar_id, cookies = seed(url, secret, args.participants)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=secret, RATELIMIT_ENABLED=False)
    statements = 0

    def count(*_args):
        nonlocal statements
        statements += 1

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
    https = []
    for cookie in cookies:
        http = app.test_client()
        http.set_cookie("session", cookie.partition("=")[2])
        https.append(http)
    auth = {"webinar_id": webinar_id}
    # Warm up: first connect compiles statements and fills caches.
    warm = socketio.test_client(app, namespace=NS, flask_test_client=https[0], auth=auth)
    warm.disconnect(namespace=NS)

    profiler = cProfile.Profile(time.process_time) if args.profile else None
    socks = []
    statements = 0
    started = time.process_time()
    if profiler:
        profiler.enable()
    for http in https[1:]:
        socks.append(socketio.test_client(app, namespace=NS, flask_test_client=http, auth=auth))
    if profiler:
        profiler.disable()
    total = time.process_time() - started
    n = len(socks)
    failures = sum(not _joined(sock) for sock in socks)
    print(f"participants {n} ({'PostgreSQL' if schema else 'SQLite'}), failures {failures}")
    print(f"CPU per connect + join (one connect that joins): {1000 * total / n:.2f} ms")
    print(f"SQL statements per connect + join: {statements / n:.2f}")
    for sock in socks:
        if sock.is_connected(NS):
            sock.disconnect(namespace=NS)
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
    if schema:
        from tests.conftest import postgres_schema

        with app.app_context():
            db.engine.dispose()
        postgres_schema(args.database, schema, drop=True)
    return 0


def _joined(sock) -> bool:
    """Whether the connect was accepted and answered with the join's reply (`joined`)."""
    if not sock.is_connected(NS):
        return False
    return any(e["name"] == "joined" and e["args"][0].get("ok") for e in sock.get_received(NS))


if __name__ == "__main__":
    sys.exit(main())
