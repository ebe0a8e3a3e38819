"""In-process cost of the busiest pages: CPU per request and what reaches PostgreSQL.

    python bench/pages_cpu.py                       # 200 requests per page, 10 learners
    python bench/pages_cpu.py --pages lesson,quiz --requests 100

A development tool for issue 15, usable on a busy machine: it measures CPU time, not wall time.
The application runs in this process with the production configuration (Flask test client, no
HTTP server) on its own PostgreSQL database `lms_bench_pages_cpu` (BENCH_DATABASE_URL names the
server). For each page it prints, per request:

- app CPU: `time.thread_time()` of the request in this process (Python, templates, gzip, driver);
- db CPU: utime + stime of the PostgreSQL backend process that served the connection (the pool
  holds one connection: the client is single-threaded), read from /proc;
- statements: what SQLAlchemy executed, transaction control counted apart;
- round trips: messages that wait for the server (Query or Sync), from libpq's protocol trace,
  so pre-pings, BEGIN and the reset ROLLBACK are counted too.

The quiz row is one POST saving every answer of a 10-question attempt plus the POST that
finishes it (a fresh attempt each time). The real benchmark is `make bench-pages` (wrk against
gunicorn, run by the lead on a quiet machine); this one only compares before and after a change.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DATABASE = "lms_bench_pages_cpu"
PASSWORD = "bench-pages-12345"  # noqa: S105 - throwaway accounts in a throwaway database
QUIZ_GIFT = (
    "$CATEGORY: bench\n\n" + "\n\n".join(f"::s{i}::Soal nomor {i} benar? {{T}}" for i in range(1, 11)) + "\n"
)


def prepare_environment(url: str, instance: str) -> None:
    os.environ.update(
        {
            "LMS_CONFIG": "production",
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "PUBLIC_BASE_URL": "http://localhost",
            "LMS_INSTANCE_PATH": instance,
            "LMS_SESSION_COOKIE_SECURE": "false",
            "LMS_REMEMBER_COOKIE_SECURE": "false",
            "LMS_RATELIMIT_ENABLED": "false",
        }
    )


def fresh_database() -> str:
    import sqlalchemy as sa

    url = sa.make_url(SERVER)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{DATABASE}"')
    engine.dispose()
    return url.set(database=DATABASE).render_as_string(hide_password=False)


class Wire:
    """Counts the round trips of the pool's connections from libpq's protocol trace."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.files: list[Path] = []
        self.backends: list[int] = []
        self.traced: list[tuple] = []

    def attach(self, engine) -> None:
        import sqlalchemy as sa

        @sa.event.listens_for(engine, "connect")
        def trace(dbapi_connection, record):
            path = self.directory / f"trace-{len(self.files)}.txt"
            handle = open(path, "w")  # noqa: SIM115 - closed with the process
            dbapi_connection.pgconn.trace(handle.fileno())
            self.traced.append((dbapi_connection, handle))
            self.files.append(path)
            self.backends.append(dbapi_connection.info.backend_pid)

    def round_trips(self) -> int:
        for dbapi_connection, handle in self.traced:  # libpq buffers the trace: untrace flushes it
            if not dbapi_connection.closed:
                dbapi_connection.pgconn.untrace()
                dbapi_connection.pgconn.trace(handle.fileno())
        count = 0
        for path in self.files:
            for line in path.read_text(errors="replace").splitlines():
                parts = line.split("\t")
                if len(parts) > 3 and parts[1] == "F" and parts[3] in ("Query", "Sync"):
                    count += 1
        return count

    def backend_cpu(self) -> float:
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.backends:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / tick


def seed(app, learners: int) -> dict:
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from lms.accounts import services as accounts
    from lms.accounts.models import Agency
    from lms.certificates import services as certificates
    from lms.core.cli import _demo_seeders
    from lms.courses import learning
    from lms.courses.models import Course, CourseStatus
    from lms.extensions import db
    from lms.quizzes import services as quizzes

    with app.app_context():
        for _order, seeder in _demo_seeders:
            seeder()
        db.session.commit()
        agency = db.session.scalars(sa.select(Agency).order_by(Agency.id)).first()
        emails = []
        for i in range(learners):
            email = f"bench{i}@bench.go.id"
            accounts.create_user(
                accounts.NewUser(
                    name=f"Peserta Bench {i}",
                    email=email,
                    password=PASSWORD,
                    agency_id=agency.id,
                    unit_id=agency.units[0].id if agency.units else None,  # as civil servants are
                )
            )
            emails.append(email)
        published = sa.select(Course).where(Course.status == CourseStatus.PUBLISHED).order_by(Course.id)
        course = db.session.scalars(published).first()
        bank = quizzes.default_bank(course)
        quizzes.import_questions(bank, QUIZ_GIFT, by=None)
        category = next(cat for cat, _count in quizzes.categories_of(course) if cat.name == "bench")
        quiz = quizzes.create_quiz(
            course,
            quizzes.QuizData(title="Kuis Bench", sources=[(category.id, None)], published=True),
            by=None,
        )
        enrolment = learning.enrol(accounts.user_by_email(emails[0]), course)
        enrolment.completed_at = datetime.now(UTC)
        db.session.flush()
        cert = certificates.issue_for_enrolment(enrolment, base_url="http://localhost")
        db.session.commit()
        return {"emails": emails, "slug": course.slug, "quiz": quiz.id, "certificate": cert.number}


def login(client, email: str) -> None:
    page = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"login": email, "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
    answer = client.post("/login", data=data)
    assert answer.status_code == 302, answer.text[:500]


def csrf_of(client, path: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).text).group(1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--learners", type=int, default=10)
    parser.add_argument("--pages", default="lesson,catalogue,home,verify,quiz")
    parser.add_argument(
        "--show-sql", action="store_true", help="print the statements of one request per page"
    )
    parser.add_argument("--profile", action="store_true", help="print each page's top functions (cProfile)")
    parser.add_argument("--sort", default="tottime", help="with --profile: tottime, cumulative, ncalls")
    parser.add_argument("--top", type=int, default=25, help="with --profile: how many functions")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pages-cpu-"))
    prepare_environment(fresh_database(), str(work / "instance"))

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from lms import create_app
    from lms.extensions import db

    app = create_app("production", SQLALCHEMY_ENGINE_OPTIONS={**create_app_options(), "pool_size": 1})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    data = seed(app, args.learners)
    with app.app_context():
        engine = db.engine
        engine.dispose()
    wire = Wire(work)
    wire.attach(engine)
    statements: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    clients = []
    for email in data["emails"]:
        client = app.test_client()
        login(client, email)
        client.post(
            f"/courses/{data['slug']}/enrol", data={"csrf_token": csrf_of(client, f"/courses/{data['slug']}")}
        )
        clients.append(client)
    learn = clients[0].get(f"/courses/{data['slug']}/learn")
    lesson_path = learn.headers["Location"]
    anonymous = app.test_client()
    paths = {
        "lesson": lesson_path,
        "catalogue": "/courses/",
        "home": "/",
        "verify": f"/verify/{data['certificate']}",
    }
    gzip = {"Accept-Encoding": "gzip"}
    # As the production page server does (deploy/pages.py): what exists now is out of the
    # collector's sight, else its full passes over the whole application are billed to the pages.
    gc.collect()
    gc.freeze()
    print(f"{'page':<10} {'app ms':>7} {'db ms':>6} {'stmts':>5} {'tx':>3} {'trips':>5} {'bytes':>6}")
    for page in args.pages.split(","):
        if page == "quiz":
            profiler = cProfile.Profile(time.thread_time) if args.profile else None
            measure_quiz(
                app, clients, data["quiz"], args.requests // 10, wire, statements, args.show_sql, profiler
            )
            if profiler is not None:
                pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
            continue
        path = paths[page]
        for client in clients:  # warm up
            (anonymous if page == "verify" else client).get(path, headers=gzip)
        if args.profile:
            profile(
                lambda page=page, path=path: [
                    (anonymous if page == "verify" else c).get(path, headers=gzip) for c in clients * 5
                ],
                args.sort,
                args.top,
            )
        app_cpu, sizes = [], []
        statements.clear()
        trips, db_cpu = wire.round_trips(), wire.backend_cpu()
        for i in range(args.requests):
            client = anonymous if page == "verify" else clients[i % len(clients)]
            start = time.thread_time()
            response = client.get(path, headers=gzip)
            body = response.get_data()
            app_cpu.append(time.thread_time() - start)
            assert response.status_code == 200, (page, response.status_code)
            sizes.append(len(body))
        trips, db_cpu = wire.round_trips() - trips, wire.backend_cpu() - db_cpu
        report(page, app_cpu, db_cpu, statements, trips, args.requests, statistics.median(sizes))
        if args.show_sql:
            show_one(client if page != "verify" else anonymous, path, statements)


def profile(work, sort: str = "tottime", top: int = 25) -> None:
    profiler = cProfile.Profile(time.thread_time)
    profiler.runcall(work)
    pstats.Stats(profiler).sort_stats(sort).print_stats(top)


def create_app_options() -> dict:
    from config import Config

    return dict(Config.SQLALCHEMY_ENGINE_OPTIONS)


TX = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def report(name, app_cpu, db_cpu, statements, trips, n, size):
    tx = sum(1 for s in statements if s.lstrip().upper().startswith(TX))
    print(
        f"{name:<10} {1000 * statistics.median(app_cpu):7.2f} {1000 * db_cpu / n:6.2f} "
        f"{(len(statements) - tx) / n:5.1f} {tx / n:3.1f} {trips / n:5.1f} {size:6.0f}",
        flush=True,
    )


def show_one(client, path, statements):
    statements.clear()
    client.get(path)
    for statement in statements:
        print("    ", " ".join(statement.split())[: int(os.environ.get("SQL_WIDTH", 160))])


def measure_quiz(app, clients, quiz_id, rounds, wire, statements, show_sql, profiler=None):
    """Save 10 answers in one POST, then finish: a fresh attempt per learner and round (with a
    profiler, it profiles these two requests only)."""
    app_cpu, db_cpu_total, trips_total, count = [], 0.0, 0, 0
    statements_seen: list[str] = []
    for r in range(max(rounds, 1)):
        for client in clients:
            token = csrf_of(client, f"/quizzes/{quiz_id}")
            started = client.post(f"/quizzes/{quiz_id}/start", data={"csrf_token": token})
            attempt_path = started.headers["Location"]
            page = client.get(attempt_path).text
            action = re.search(r'action="([^"]*/answer)"', page).group(1)
            slots = re.findall(r'name="slots" value="(\d+)"', page)
            form = {"csrf_token": token, "slots": slots, "go": "summary"}
            for slot in slots:  # every question is true/false
                form[f"q{slot}-answer"] = "true"
            finish = action.replace("/answer", "/finish")
            statements.clear()
            trips, db_cpu = wire.round_trips(), wire.backend_cpu()
            if profiler is not None:
                profiler.enable()
            start = time.thread_time()
            saved = client.post(action, data=form)
            done = client.post(finish, data={"csrf_token": token})
            app_cpu.append(time.thread_time() - start)
            if profiler is not None:
                profiler.disable()
            trips_total += wire.round_trips() - trips
            db_cpu_total += wire.backend_cpu() - db_cpu
            assert saved.status_code == 302 and done.status_code == 302, (saved.status_code, done.status_code)
            statements_seen.extend(statements)
            count += 1
            if show_sql and r == 0 and client is clients[0]:
                for statement in statements:
                    print("    ", " ".join(statement.split())[: int(os.environ.get("SQL_WIDTH", 160))])
        # every learner has used their attempts? the quiz has no limit by default
    report("quiz", app_cpu, db_cpu_total, statements_seen, trips_total, count, 0)


if __name__ == "__main__":
    main()
