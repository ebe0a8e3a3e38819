"""The load test of the production topology, in one command: `make bench-load`.

    make bench-load                                            # 200 users for 10 minutes, large data
    make bench-load LOAD_SIZE=small LOAD_ARGS="--users 10 --spawn-rate 5 --run-time 30s"   # a smoke run
    python bench/load.py --size small --locust-args "--users 10 --spawn-rate 5 --run-time 30s"

Run it on a quiet machine: the load generator (locust), the application and PostgreSQL share its
cores, and anything else running skews every figure. What it does:

1. The data. A PostgreSQL database of its own on 127.0.0.1:5432 (user postgres, --server):
   `lms_load` (--size large: one agency of 10,000 staff, 50 courses, 100,000 enrolments) or
   `lms_load_small` (--size small: 300 staff, 6 courses). Created once, migrated and filled by
   bench/generate_agency.py `generate`; then `add_content` gives every generated course the
   modules, lessons (Markdown of some KB, from the three course bundles under courses/) and the
   published quiz of ~10 questions of one of those bundles, marks every lesson of a completed
   enrolment done, and issues certificates for some completed enrolments. The plan is stored in
   the database: a second run with the same size reuses it (--regenerate drops and rebuilds it).
   Deterministic: the same size gives the same rows.
2. The topology. deploy/run-local.sh on spare loopback ports (front door, the page server,
   a gevent room process, the job worker), against that database and Redis 127.0.0.1:6379 database
   --redis-db (13 by default, with a Socket.IO channel of its own), in its own process session.
   Two limits are raised, because every simulated person comes from the same address (127.0.0.1)
   where real people come from thousands: the login form's per-address limit and the certificate
   verification page's.
3. The load. locust, headless, loopback only (bench/locustfile.py), for --locust-args (LOAD_ARGS).
4. The watch. Every 10 s: the resident memory (RSS) of each of the topology's processes, summed by
   role, and the machine's load average.
5. The summary. Requests/s, p50/p95/p99 per group of endpoints and overall, the failures, memory
   at the start and end per role, the load average; then everything it started is stopped.
   Exits non-zero when a request failed or a group of tasks was never exercised.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
META = "bench_load_meta"
BUNDLES = sorted((ROOT / "courses").glob("*/course.yaml"))
CONTENT_VERSION = 1  # bump when add_content changes: stored plans then no longer match
# The plans of --size: (generate_agency.Plan fields, certificates issued)
SIZES = {
    "large": (
        {
            "users": 10_000,
            "positions": 100,
            "courses": 50,
            "enrolments": 100_000,
            "records": 100_000,
            "units": 200,
        },
        1_000,
    ),
    "small": (
        {"users": 300, "positions": 10, "courses": 6, "enrolments": 1_500, "records": 1_500, "units": 10},
        50,
    ),
}


# ---------------------------------------------------------------- the data


def add_content(course_ids: list[int], certificates: int, base_url: str) -> dict[str, int]:
    """Give each course the modules, lessons and published quiz of one of the course bundles, mark
    the lessons of completed enrolments done and issue `certificates` certificates.

    The bundles are imported once (as courses of their own, through the service a trainer uses);
    their rows are then copied to every course with COPY, and the lesson completions written with
    one INSERT ... SELECT. Quizzes allow any number of attempts: a simulated learner takes one
    every few seconds for minutes. Runs in the caller's transaction and application context.
    """
    from bench.generate_agency import _copy, _next_id, _reset_sequences
    from lms.certificates import services as certificates_service
    from lms.courses.bundles import import_bundle
    from lms.courses.models import Enrolment, Lesson, LessonCompletion, Module
    from lms.extensions import db
    from lms.quizzes.models import Question, QuestionBank, QuestionCategory, Quiz, QuizSource

    templates = [import_bundle(path.parent, publish=True).course.id for path in BUNDLES]
    db.session.flush()

    def rows(model, column, value) -> list[dict]:
        table = model.__table__
        query = sa.select(table).where(table.c[column] == value).order_by(table.c.id)
        return [dict(row) for row in db.session.execute(query).mappings()]

    tables = {
        m: m.__table__ for m in (Module, Lesson, QuestionBank, QuestionCategory, Question, Quiz, QuizSource)
    }
    out: dict = {m: [] for m in tables}
    ids = {m: _next_id(m) for m in tables}

    def add(model, row: dict, **changes) -> int:
        new = {**row, **changes, "id": ids[model]}
        ids[model] += 1
        out[model].append(new)
        return new["id"]

    for index, course_id in enumerate(course_ids):
        template = templates[index % len(templates)]
        modules = {m["id"]: add(Module, m, course_id=course_id) for m in rows(Module, "course_id", template)}
        for lesson in rows(Lesson, "course_id", template):
            add(
                Lesson,
                lesson,
                course_id=course_id,
                module_id=modules[lesson["module_id"]],
                video_media_id=None,
            )
        banks, categories, quizzes = {}, {}, {}
        for bank in rows(QuestionBank, "course_id", template):
            banks[bank["id"]] = add(QuestionBank, bank, course_id=course_id)
            for category in rows(QuestionCategory, "bank_id", bank["id"]):
                categories[category["id"]] = add(QuestionCategory, category, bank_id=banks[bank["id"]])
            for question in rows(Question, "bank_id", bank["id"]):
                add(
                    Question,
                    question,
                    bank_id=banks[bank["id"]],
                    category_id=categories[question["category_id"]],
                    created_by_id=None,
                )
        for quiz in rows(Quiz, "course_id", template):
            module = modules.get(quiz["module_id"])
            quizzes[quiz["id"]] = add(
                Quiz, quiz, course_id=course_id, module_id=module, published=True, max_attempts=None
            )
            for source in rows(QuizSource, "quiz_id", quiz["id"]):
                add(
                    QuizSource,
                    source,
                    quiz_id=quizzes[quiz["id"]],
                    category_id=categories[source["category_id"]],
                )
    counts = {}
    for model, table in tables.items():
        columns = [c.name for c in table.columns]
        counts[table.name] = _copy(table, columns, ([r[c] for c in columns] for r in out[model]))
    _reset_sequences(list(tables.values()))

    completions = LessonCompletion.__table__
    done = sa.select(Enrolment.id, Lesson.id, Enrolment.completed_at).join(
        Lesson, Lesson.course_id == Enrolment.course_id
    )
    done = done.where(Enrolment.completed_at.is_not(None), Enrolment.course_id.in_(course_ids))
    db.session.execute(completions.insert().from_select(["enrolment_id", "lesson_id", "completed_at"], done))
    counts["lesson_completions"] = db.session.scalar(sa.select(sa.func.count()).select_from(completions))

    completed = db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.completed_at.is_not(None), Enrolment.course_id.in_(course_ids))
        .order_by(Enrolment.id)
        .limit(certificates)
    ).all()
    for enrolment in completed:
        certificates_service.issue_for_enrolment(enrolment, base_url=base_url)
    counts["certificates"] = len(completed)
    return counts


def database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def stored_plan(url: str) -> dict | None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(META):
                return None
            return json.loads(conn.scalar(sa.text(f"SELECT plan FROM {META}")))  # noqa: S608 - our constant
    except sa.exc.OperationalError:
        return None  # no such database yet
    finally:
        engine.dispose()


def prepare(url: str, size: str, instance: Path, regenerate: bool) -> None:
    """The data of `size` in the database at `url`, built only when missing or different."""
    fields, certificates = SIZES[size]
    wanted = {**fields, "certificates": certificates, "content": CONTENT_VERSION}
    keys = instance / "signing-keys"
    env = {**os.environ, "LMS_INSTANCE_PATH": str(instance), "DATABASE_URL": url}
    if not regenerate and stored_plan(url) == wanted and keys.is_dir():
        print(f"reusing the data in {make_url(url).database}: {wanted}")
        # The checkout may be newer than the data: bring the schema to its migrations.
        subprocess.run([sys.executable, __file__, "--migrate"], env=env, check=True, cwd=ROOT)  # noqa: S603
        return
    name = make_url(url).database
    admin = sa.create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    # Uploaded media and the certificates' signing keys live in the instance folder: start afresh.
    shutil.rmtree(instance, ignore_errors=True)
    instance.mkdir(parents=True)
    started = time.perf_counter()
    print(f"building {name}: {wanted}", flush=True)
    # A child process: the instance folder is read from the environment when `config` is imported.
    subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--build", size], env=env, check=True, cwd=ROOT
    )
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


def production_app():
    """The app as the topology runs it, on DATABASE_URL (in a child process of `prepare`)."""
    from lms import create_app

    url = os.environ["DATABASE_URL"]
    return create_app("production", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=secrets.token_urlsafe(32))


def migrate() -> None:
    """In a child process: the reused database brought to this checkout's migrations."""
    from flask_migrate import upgrade

    with production_app().app_context():
        upgrade()


def build(size: str) -> None:
    """In a child process (LMS_INSTANCE_PATH, DATABASE_URL set): migrate and fill the database."""
    from flask_migrate import upgrade

    from bench.generate_agency import Plan, generate
    from lms.courses.models import Course
    from lms.extensions import db

    fields, certificates = SIZES[size]
    app = production_app()
    started = time.perf_counter()

    def echo(line: str) -> None:
        print(f"  {line} ({time.perf_counter() - started:.0f} s)", flush=True)

    with app.app_context():
        upgrade()
    with app.test_request_context():
        before = db.session.scalar(sa.select(sa.func.max(Course.id))) or 0
        counts = generate(Plan(**fields), echo=echo)
        course_ids = list(
            db.session.scalars(sa.select(Course.id).where(Course.id > before).order_by(Course.id))
        )
        counts |= add_content(course_ids, certificates, base_url="http://127.0.0.1")
        echo(f"content: {counts}")
        wanted = {**fields, "certificates": certificates, "content": CONTENT_VERSION}
        db.session.execute(sa.text(f"CREATE TABLE {META} (plan text NOT NULL, counts text)"))
        db.session.execute(
            sa.text(f"INSERT INTO {META} VALUES (:plan, :counts)"),  # noqa: S608 - our constant
            {"plan": json.dumps(wanted), "counts": json.dumps(counts)},
        )
        db.session.commit()


# ---------------------------------------------------------------- the topology


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Topology:
    """deploy/run-local.sh on spare loopback ports, in a process session of its own."""

    def __init__(self, url: str, redis_url: str, instance: Path, log: Path):
        self.port, self.web_port, self.room_port = free_port(), free_port(), free_port()
        self.front = f"http://127.0.0.1:{self.port}"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("LMS_", "SOCKETIO_", "RATELIMIT_", "JOBS_", "DATABASE_URL", "REDIS_URL"))
        }
        env.update(
            {
                "DATABASE_URL": url,
                "REDIS_URL": redis_url,
                "SOCKETIO_CHANNEL": f"lms-load-{uuid.uuid4().hex}",
                "LMS_INSTANCE_PATH": str(instance),
                "SECRET_KEY": secrets.token_urlsafe(48),
                "PORT": str(self.port),
                "WEB_PORT": str(self.web_port),
                "ROOMS_PORTS": str(self.room_port),
                "LMS_BIN": str(BIN),
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
                # One address for every simulated person (see the module's docstring).
                "LMS_LOGIN_RATE_LIMIT": "100000 per minute",
                "LMS_VERIFY_RATE_LIMIT": "100000 per minute",
            }
        )
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.script = subprocess.Popen(  # noqa: S603
            [shutil.which("bash") or "/bin/bash", str(ROOT / "deploy" / "run-local.sh")],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.log_path = log

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.script.poll() is not None:
                raise SystemExit(f"run-local.sh exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.front + "/login", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise SystemExit(f"the topology did not answer within {timeout} s (log: {self.log_path})")

    def stop(self) -> None:
        try:
            os.killpg(self.script.pid, signal.SIGTERM)
            self.script.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.script.pid, signal.SIGKILL)
            self.script.wait()
        except ProcessLookupError:
            pass
        self.log.close()


# ---------------------------------------------------------------- the watch


def role(cmdline: str) -> str | None:
    if "gunicorn-rooms.conf.py" in cmdline:
        return "rooms"
    if "deploy/pages.py" in cmdline:
        return "pages"
    if "jobs-worker" in cmdline:
        return "job worker"
    if "router.py" in cmdline or "nginx" in cmdline:
        return "front door"
    return None  # the script itself


def processes(session: int) -> list[tuple[int, str, float]]:
    """(pid, role, RSS in MiB) of every process of a session."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[3]) != session:  # field 6: the session id
                continue
            name = role((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            rss = next(
                int(line.split()[1]) / 1024
                for line in (entry / "status").read_text().splitlines()
                if line.startswith("VmRSS:")
            )
        except (OSError, StopIteration, ValueError, IndexError):
            continue  # ended meanwhile, or a kernel thread
        if name:
            found.append((int(entry.name), name, rss))
    return found


@dataclass
class Watch:
    session: int
    every: float = 10
    samples: list[dict] = field(default_factory=list)
    pids: dict[str, set] = field(default_factory=dict)
    stopped: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        by_role: dict[str, float] = {}
        for pid, name, rss in processes(self.session):
            by_role[name] = by_role.get(name, 0) + rss
            self.pids.setdefault(name, set()).add(pid)
        self.samples.append({"t": time.monotonic(), "rss": by_role, "load": os.getloadavg()[0]})

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.sample()


# ---------------------------------------------------------------- the summary


def report(stats: dict, watch: Watch, args) -> list[str]:
    """Print the summary; return the problems (failures, task groups never exercised)."""
    print(f"\n== load test: {args.size} data, locust {args.locust_args}")
    print(f"{'group':<12} {'requests':>9} {'fails':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    for name, row in [*stats["groups"].items(), ("overall", stats["total"])]:
        print(
            f"{name:<12} {row['requests']:>9} {row['failures']:>6} {row['rps']:>7.1f} "
            f"{row['p50']:>6.0f} {row['p95']:>6.0f} {row['p99']:>6.0f}"
        )
    problems = []
    for error in stats["errors"]:
        print(f"failure: {error['occurrences']} x {error['method']} {error['name']}: {error['error']}")
    if stats["total"]["failures"]:
        problems.append(f"{stats['total']['failures']} failed requests")
    missing = [name for name, row in stats["groups"].items() if not row["requests"]]
    if missing:
        problems.append("never exercised: " + ", ".join(missing))
    if watch.samples:
        first, last = watch.samples[0], watch.samples[-1]
        # Memory is flat when it stops growing once warm: compare the end with the first minute's end.
        warm = next((i for i, s in enumerate(watch.samples) if s["t"] - first["t"] >= 60), 0)
        print(
            f"\nmemory (RSS, MiB), {len(watch.samples)} samples, every {watch.every:.0f} s:"
            " idle -> after 1 min -> max -> end"
        )
        rows = {name: [s["rss"].get(name, 0) for s in watch.samples] for name in sorted(first["rss"])}
        rows["all"] = [sum(s["rss"].values()) for s in watch.samples]
        for name, values in rows.items():
            seen = f"({len(watch.pids[name])} processes seen)" if name in watch.pids else ""
            print(
                f"  {name:<11} {values[0]:7.0f} -> {values[warm]:7.0f} -> {max(values):7.0f}"
                f" -> {values[-1]:7.0f}   {seen}"
            )
        loads = [s["load"] for s in watch.samples]
        print(
            f"load average (1 min): start {first['load']:.2f}, max {max(loads):.2f}, end {last['load']:.2f}"
            f" on {os.cpu_count()} cores"
        )
    return problems


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default=os.environ.get("LOAD_SIZE") or "large")
    parser.add_argument(
        "--server", default=os.environ.get("LOAD_SERVER", SERVER), help="PostgreSQL server URL"
    )
    parser.add_argument("--database", help="its name (default lms_load, lms_load_small for --size small)")
    parser.add_argument("--regenerate", action="store_true", help="drop and rebuild the data")
    parser.add_argument("--redis-db", type=int, default=13, help="database number on 127.0.0.1:6379")
    parser.add_argument(
        "--locust-args",
        default=os.environ.get("LOAD_ARGS") or "--users 200 --spawn-rate 20 --run-time 10m",
    )
    parser.add_argument("--sample-every", type=float, default=10, help="seconds between memory samples")
    parser.add_argument("--setup-only", action="store_true", help="build the data, start nothing")
    parser.add_argument("--build", choices=sorted(SIZES), help=argparse.SUPPRESS)
    parser.add_argument("--migrate", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    args = arguments()
    if args.build or args.migrate:
        sys.path.insert(0, str(ROOT))
        if args.build:
            build(args.build)
        else:
            migrate()
        return 0
    name = args.database or ("lms_load" if args.size == "large" else f"lms_load_{args.size}")
    if name in ("test", "postgres"):
        raise SystemExit(f"refusing to use the database {name!r}: give the load test its own")
    url = database_url(args.server, name)
    instance = ROOT / "instance" / "bench-load" / name
    try:
        prepare(url, args.size, instance, args.regenerate)
    except sa.exc.OperationalError as exc:
        raise SystemExit(f"PostgreSQL is not reachable at {args.server}: {exc.orig}") from None
    if args.setup_only:
        return 0
    run = instance.parent / "runs" / time.strftime("%Y%m%d-%H%M%S")
    run.mkdir(parents=True)
    topology = Topology(url, f"redis://127.0.0.1:6379/{args.redis_db}", instance, run / "topology.log")
    watch = Watch(topology.script.pid, args.sample_every)
    watcher = threading.Thread(target=watch.run, daemon=True)
    try:
        topology.wait_ready()
        print(f"topology up on {topology.front} (log: {run / 'topology.log'}); load {os.getloadavg()[0]:.2f}")
        watch.sample()
        watcher.start()
        command = [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--only-summary",
            "--host",
            topology.front,
            "--csv",
            str(run / "locust"),
            *shlex.split(args.locust_args),
        ]
        env = {**os.environ, "LOAD_DATABASE_URL": url, "LOAD_SUMMARY": str(run / "summary.json")}
        locust = subprocess.run(command, env=env, cwd=ROOT, check=False)  # noqa: S603
        watch.sample()
    finally:
        watch.stopped.set()
        topology.stop()
    summary = run / "summary.json"
    if not summary.exists():
        print(f"locust ended ({locust.returncode}) without a summary; see its output above")
        return 1
    problems = report(json.loads(summary.read_text()), watch, args)
    (run / "watch.json").write_text(json.dumps([{**s} for s in watch.samples], indent=1))
    print(f"files of this run: {run}")
    if problems:
        print("PROBLEMS: " + "; ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
