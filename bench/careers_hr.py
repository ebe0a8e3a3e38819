"""Benchmark: the HR pages, the career profile and the exports of one large agency.

    python bench/careers_hr.py                      # 100,000 staff, 2 million records (PostgreSQL)
    python bench/careers_hr.py --users 2000 --enrolments 40000 --records 40000 --units 40
    make bench-careers BENCH_ARGS="--no-exports --repeat 20"

Issue 7: with 100,000 staff, 300 positions, 1,000 courses and 2 million competency records and
enrolments on PostgreSQL, the profile page and every HR page answer in under 300 ms at the
median, and the exports of a whole agency stream without loading everything into memory.

What it does:

1. Creates a dedicated PostgreSQL database (`lms_bench_<users>` on the server of
   BENCH_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/) unless it exists,
   runs the migrations, and fills it with `bench/generate_agency.py` (the code behind
   `flask lms generate`). The parameters are remembered in the database: a second run with the
   same parameters reuses the data (generating 2 million rows takes minutes); other parameters,
   or --regenerate, drop and recreate it. The test suites' `test` database is never touched.
   The database gets the planner settings we recommend for production (TUNING below;
   --server-defaults leaves the server's).
2. Logs in as the agency's HR administrator (and as some staff for their own profile) through
   the Flask test client, in this process, and requests every HR page and the profile page: a
   warm-up request per variant, then --repeat requests per page spread over several units,
   positions, competencies and people. Prints the median, p95 and the most SQL statements of
   one request.
3. Downloads each export of the whole agency (CSV and XLSX): time to the first byte and to the
   first MiB, total time, size, and the memory of the process while streaming (growth of the
   resident set, sampled every 64 chunks; with --tracemalloc also the peak of Python
   allocations). Each XLSX file is opened with openpyxl and its rows counted per sheet.

Exits non-zero when a page misses the 300 ms median target or an export does not stream (its
first byte comes after more than 5 s, or the process grows by more than 200 MiB).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.generate_agency import PASSWORD, Plan, generate  # noqa: E402
from lms import create_app  # noqa: E402
from lms.accounts.models import Agency, User, UserRole  # noqa: E402
from lms.extensions import db  # noqa: E402

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
TARGET_MS = 300
FIRST_BYTE_LIMIT_S = 5
MEMORY_LIMIT_MIB = 200
META = "bench_careers_meta"


def machine() -> str:
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores, {cpu}{memory}, Python {platform.python_version()}"


def load() -> str:
    return "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg())


def rss_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_now_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# ---------------------------------------------------------------- the database


def ensure_database(url: str, fresh: bool) -> None:
    """CREATE DATABASE (or drop and recreate it) through the server's `postgres` database."""
    target = make_url(url)
    name = target.database
    if name in (None, "", "test", "postgres"):
        raise SystemExit(f"refusing to use the database {name!r}: give the benchmark its own")
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists and fresh:
            print(f"dropping database {name}")
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = False
        if not exists:
            print(f"creating database {name}")
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


# What we recommend for PostgreSQL in production (docs/benchmarks.md): data on SSD or in RAM, so
# an index look-up costs little more than reading in sequence; and no JIT compilation, which costs
# tens of milliseconds to save a few on the short queries of a web page.
TUNING = {"random_page_cost": "1.1", "jit": "off"}


def tune(url: str, on: bool) -> str:
    name = make_url(url).database
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for key, value in TUNING.items():
            if on:
                connection.execute(sa.text(f'ALTER DATABASE "{name}" SET {key} = {value}'))
            else:
                connection.execute(sa.text(f'ALTER DATABASE "{name}" RESET {key}'))
    engine.dispose()
    return ", ".join(f"{k} = {v if on else 'server default'}" for k, v in TUNING.items())


def stored_plan() -> dict | None:
    if not sa.inspect(db.engine).has_table(META):
        return None
    value = db.session.scalar(sa.text(f"SELECT plan FROM {META}"))  # noqa: S608 - our constant
    return json.loads(value) if value else None


def prepare(app, plan: Plan, regenerate: bool) -> None:
    """The data of `plan` in the benchmark database, generated only when missing."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    wanted = asdict(plan)
    with app.app_context():
        if not regenerate:
            try:
                if stored_plan() == wanted:
                    print(f"reusing the generated data in {make_url(url).database}: {wanted}")
                    return
            except sa.exc.OperationalError:
                pass  # no such database yet
            finally:
                db.session.remove()
                db.engine.dispose()
    ensure_database(url, fresh=True)
    with app.app_context():
        upgrade()
    with app.test_request_context():
        started = time.perf_counter()
        print(f"generating {wanted} ({load()})")
        counts = generate(plan, echo=lambda line: print(f"  {line} ({time.perf_counter() - started:.0f} s)"))
        db.session.execute(sa.text(f"CREATE TABLE {META} (plan text NOT NULL, counts text, seconds float)"))
        db.session.execute(
            sa.text(f"INSERT INTO {META} VALUES (:plan, :counts, :seconds)"),  # noqa: S608 - our constant
            {
                "plan": json.dumps(wanted),
                "counts": json.dumps(counts),
                "seconds": time.perf_counter() - started,
            },
        )
        db.session.commit()
        print(f"generated in {time.perf_counter() - started:.0f} s: {counts}")
        db.session.remove()
    # VACUUM cannot run in a transaction: set the visibility map for index-only scans.
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()


# ---------------------------------------------------------------- what is requested


class Counter:
    """SQL statements sent by this process (the test client runs the app in it)."""

    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, *_args):
        self.count += 1


def subjects(app, limit: int = 5) -> dict:
    """The HR administrator, some staff, units, positions and competencies of the agency."""
    with app.app_context():
        agency = db.session.scalar(sa.select(Agency).where(Agency.code.like("GEN%")).order_by(Agency.id))
        hr = db.session.scalar(
            sa.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.agency_id == agency.id, UserRole.role == "agency_admin")
            .order_by(User.id)
        )
        staff = list(
            db.session.scalars(
                sa.select(User.email)
                .where(User.agency_id == agency.id, User.supervisor_id.is_not(None))
                .order_by(User.id)
                .offset(1000)
                .limit(limit)
            )
        )
        staff_ids = list(
            db.session.scalars(
                sa.select(User.id)
                .where(User.agency_id == agency.id, User.supervisor_id.is_not(None))
                .order_by(User.id.desc())
                .limit(limit)
            )
        )
        heads = list(
            db.session.scalars(
                sa.select(User.email)
                .where(User.agency_id == agency.id, User.id.in_(sa.select(User.supervisor_id)))
                .order_by(User.id)
                .offset(3)
                .limit(limit)
            )
        )
        # top units (the biggest subtrees) and deeper ones
        units = list(
            db.session.execute(
                sa.text(
                    "SELECT u.id FROM units u WHERE u.agency_id = :a "
                    "ORDER BY (u.parent_id IS NOT NULL), u.id LIMIT :n"
                ),
                {"a": agency.id, "n": limit},
            ).scalars()
        )
        # the positions with the largest candidate pools (the slowest to rank) and some others
        positions = list(
            db.session.execute(
                sa.text(
                    "SELECT p.id FROM positions p LEFT JOIN position_paths pp ON pp.to_position_id = p.id "
                    "LEFT JOIN staff_positions sp ON sp.position_id = pp.from_position_id "
                    "WHERE p.agency_id = :a GROUP BY p.id ORDER BY count(sp.user_id) DESC, p.id LIMIT :n"
                ),
                {"a": agency.id, "n": limit},
            ).scalars()
        )
        competencies = list(
            db.session.execute(
                sa.text(
                    "SELECT competency_id FROM unit_competency_stats WHERE agency_id = :a "
                    "GROUP BY competency_id ORDER BY sum(staff - met) DESC LIMIT :n"
                ),
                {"a": agency.id, "n": limit},
            ).scalars()
        )
        return {
            "agency": agency.id,
            "hr": hr.email,
            "staff": staff,
            "staff_ids": staff_ids,
            "heads": heads,
            "units": units,
            "positions": positions,
            "competencies": competencies,
        }


def pages(s: dict) -> dict[str, list[tuple[str, str]]]:
    """Page -> [(who, path)]: several variants of each page, requested in turn."""
    a, hr = s["agency"], s["hr"]
    return {
        "profile (own, /careers/)": [(email, "/careers/") for email in s["staff"]],
        "profile seen by HR (/careers/people/<id>)": [(hr, f"/careers/people/{i}") for i in s["staff_ids"]],
        "team of a unit head (/careers/team)": [(email, "/careers/team") for email in s["heads"]],
        "HR dashboard": [(hr, f"/hr/{a}")],
        "JP compliance (agency, page 1 and 20)": [(hr, f"/hr/{a}/jp"), (hr, f"/hr/{a}/jp?page=20")],
        "JP compliance of a unit": [(hr, f"/hr/{a}/jp?unit={u}") for u in s["units"]],
        "gap heatmap (top units)": [(hr, f"/hr/{a}/heatmap")],
        "gap heatmap of a unit": [(hr, f"/hr/{a}/heatmap?unit={u}") for u in s["units"]],
        "people with a gap (competency)": [(hr, f"/hr/{a}/heatmap/{c}") for c in s["competencies"]],
        "talent 9-box": [(hr, f"/hr/{a}/talent")],
        "talent 9-box, one box's people": [
            (hr, f"/hr/{a}/talent?perf={p}&fit={f}") for p, f in ((2, 1), (2, 2), (1, 1), (3, 1))
        ],
        "promotion readiness (a position)": [(hr, f"/hr/{a}/readiness?position={p}") for p in s["positions"]],
        "positions": [(hr, f"/hr/{a}/positions")],
        "a position": [(hr, f"/hr/positions/{p}") for p in s["positions"]],
        "competencies": [(hr, f"/hr/{a}/competencies")],
        "training requests": [(hr, f"/hr/{a}/requests")],
    }


def exports(s: dict) -> list[str]:
    a = s["agency"]
    kinds = ["jp", "heatmap", "talent", f"readiness?position={s['positions'][0]}", "training-history"]
    result = []
    for kind in kinds:
        name, _, query = kind.partition("?")
        for fmt in ("csv", "xlsx"):
            result.append(f"/hr/{a}/export/{name}.{fmt}" + (f"?{query}" if query else ""))
    return result


# ---------------------------------------------------------------- timing


def client_for(app, email: str, clients: dict):
    if email not in clients:
        client = app.test_client()
        response = client.post("/login", data={"login": email, "password": PASSWORD})
        if response.status_code != 302:
            raise SystemExit(f"could not log in as {email}: {response.status_code}")
        clients[email] = client
    return clients[email]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_pages(app, s: dict, repeat: int, counter: Counter) -> list[dict]:
    clients: dict = {}
    results = []
    for name, variants in pages(s).items():
        for email, path in variants:  # warm-up: caches, the login, the first plan
            response = client_for(app, email, clients).get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        times, queries = [], []
        for n in range(max(repeat, len(variants))):
            email, path = variants[n % len(variants)]
            client = client_for(app, email, clients)
            before = counter.count
            started = time.perf_counter()
            response = client.get(path)
            response.get_data()
            times.append((time.perf_counter() - started) * 1000)
            queries.append(counter.count - before)
        row = {
            "page": name,
            "median_ms": statistics.median(times),
            "p95_ms": percentile(times, 0.95),
            "queries": max(queries),
            "variants": len(variants),
            "requests": len(times),
        }
        row["met"] = row["median_ms"] < TARGET_MS
        results.append(row)
        print(
            f"  {name:45} median {row['median_ms']:6.0f} ms  p95 {row['p95_ms']:6.0f} ms  "
            f"{row['queries']:3d} queries  {'ok' if row['met'] else 'MISSED'}",
            flush=True,
        )
    return results


def xlsx_check(path: str) -> str:
    """Open the workbook with openpyxl (read-only) and count the rows of each sheet."""
    import zipfile

    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    names = workbook.sheetnames
    headers = [next(ws.iter_rows(max_row=1, values_only=True)) for ws in workbook.worksheets]
    workbook.close()
    with zipfile.ZipFile(path) as archive:
        counts = []
        for number in range(1, len(names) + 1):
            with archive.open(f"xl/worksheets/sheet{number}.xml") as sheet:
                rows, tail = 0, b""
                while chunk := sheet.read(1 << 20):
                    rows += (tail + chunk).count(b"</row>")
                    tail = chunk[-5:]
                counts.append(rows - 1)  # less the header
    assert all(h == headers[0] for h in headers), "every sheet starts with the same header"
    return f"{len(names)} sheet(s), {sum(counts)} rows ({' + '.join(map(str, counts))})"


def time_exports(app, s: dict, trace: bool, matching: str = "") -> list[dict]:
    clients: dict = {}
    client = client_for(app, s["hr"], clients)
    results = []
    for path in (p for p in exports(s) if matching in p):
        tmp = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) if ".xlsx" in path else None  # noqa: SIM115
        rss_before = rss_now_mib()
        rss_top = rss_before
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        response = client.get(path)
        first = first_mib = None
        size = lines = 0
        for chunks, chunk in enumerate(response.response, start=1):
            data = chunk if isinstance(chunk, bytes) else chunk.encode()
            if first is None and data:
                first = time.perf_counter() - started
            size += len(data)
            if first_mib is None and size >= 1 << 20:
                first_mib = time.perf_counter() - started
            if tmp is None:
                lines += data.count(b"\r\n")
            else:
                tmp.write(data)
            if chunks % 64 == 0:
                rss_top = max(rss_top, rss_now_mib())
        response.close()
        total = time.perf_counter() - started
        peak_traced = tracemalloc.get_traced_memory()[1] / 1024 / 1024 if trace else None
        if trace:
            tracemalloc.stop()
        rss_top = max(rss_top, rss_now_mib())
        check = ""
        if tmp is not None:
            tmp.close()
            check = xlsx_check(tmp.name)
            os.unlink(tmp.name)
        else:
            check = f"{lines - 1} rows"
        row = {
            "export": path.split("/export/")[1],
            "status": response.status_code,
            "first_byte_s": first or total,
            "first_mib_s": first_mib or total,
            "total_s": total,
            "mib": size / 1024 / 1024,
            "rss_growth_mib": rss_top - rss_before,
            "traced_peak_mib": peak_traced,
            "check": check,
        }
        row["streams"] = (
            row["status"] == 200
            and row["first_byte_s"] <= FIRST_BYTE_LIMIT_S
            and row["rss_growth_mib"] < MEMORY_LIMIT_MIB
        )
        results.append(row)
        traced = f", tracemalloc peak {peak_traced:.1f} MiB" if trace else ""
        print(
            f"  {row['export']:32} first byte {row['first_byte_s']:5.2f} s, first MiB "
            f"{row['first_mib_s']:5.2f} s, total {total:6.1f} s  "
            f"{row['mib']:7.1f} MiB  RSS +{row['rss_growth_mib']:.0f} MiB{traced}  {check}  "
            f"{'ok' if row['streams'] else 'MISSED'}",
            flush=True,
        )
    return results


# ---------------------------------------------------------------- main


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--positions", type=int, default=300)
    parser.add_argument("--courses", type=int, default=1000)
    parser.add_argument("--enrolments", type=int, default=2_000_000)
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url",
        help=f"default: lms_bench_<users> on the PostgreSQL server of BENCH_DATABASE_URL, else {SERVER}",
    )
    parser.add_argument("--regenerate", action="store_true", help="drop and generate the data again")
    parser.add_argument("--setup-only", action="store_true", help="generate (if needed) and stop")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page")
    parser.add_argument("--no-exports", action="store_true")
    parser.add_argument("--only-exports", action="store_true")
    parser.add_argument("--exports-matching", default="", help="only the exports whose path contains this")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="trace Python allocations while exporting (slows the exports down about twofold)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--server-defaults",
        action="store_true",
        help=f"leave the planner settings of the server as they are (default: {TUNING})",
    )
    return parser.parse_args()


def main() -> int:
    args = arguments()
    url = args.database_url
    if url is None:
        server = os.environ.get("BENCH_DATABASE_URL", "")
        server = server if server.startswith("postgresql") else SERVER
        url = make_url(server).set(database=f"lms_bench_{args.users}").render_as_string(hide_password=False)
    if not url.startswith("postgresql"):
        raise SystemExit("this benchmark runs on PostgreSQL (COPY, the target database of issue 7)")
    plan = Plan(
        users=args.users,
        positions=args.positions,
        courses=args.courses,
        enrolments=args.enrolments,
        records=args.records,
        units=args.units,
        seed=args.seed,
    )
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)
    logging.getLogger("lms").setLevel(logging.WARNING)  # no line per login
    print(f"{machine()}; {load()}")
    try:
        prepare(app, plan, args.regenerate)
    except sa.exc.OperationalError as exc:
        raise SystemExit(
            f"PostgreSQL is not reachable at {make_url(url).render_as_string()}: start it, or set "
            f"BENCH_DATABASE_URL or --database-url.\n{exc.orig}"
        ) from None
    print(f"planner settings of the database: {tune(url, not args.server_defaults)}")
    if args.setup_only:
        return 0
    with app.app_context():
        counter = Counter(db.engine)
        size = {
            name: db.session.scalar(sa.text(f"SELECT count(*) FROM {name}"))  # noqa: S608 - fixed names
            for name in ("users", "positions", "courses", "enrolments", "competency_records", "units")
        }
    print(f"database {make_url(url).database}: {size}")
    s = subjects(app)
    results: dict = {
        "machine": machine(),
        "database": size,
        "tuning": not args.server_defaults,
        "started": datetime.now(UTC).isoformat(),
    }
    missed = []
    if not args.only_exports:
        print(f"pages: warm, {args.repeat} requests each after a warm-up ({load()})", flush=True)
        results["pages"] = time_pages(app, s, args.repeat, counter)
        missed += [r["page"] for r in results["pages"] if not r["met"]]
        print(f"  ({load()})")
    if not args.no_exports:
        print(f"exports of the whole agency ({load()})", flush=True)
        results["exports"] = time_exports(app, s, args.tracemalloc, args.exports_matching)
        missed += [r["export"] for r in results["exports"] if not r["streams"]]
        print(f"  ({load()})")
    results["load_after"] = os.getloadavg()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    if missed:
        print(f"target missed: {', '.join(missed)}")
        return 1
    print(f"every page under {TARGET_MS} ms at the median; every export streams")
    return 0


if __name__ == "__main__":
    sys.exit(main())
