"""Benchmark: the platform's busiest pages side by side with the bare-stack ceiling.

    make bench-pages                                     # 3 rounds, c=10 and c=50, 10 s per run
    make bench-pages BENCH_ARGS="--rounds 1 --duration 5 --pages lesson,verify"

Issue 15. Both applications run the way production runs them, on the same PostgreSQL server:

- the platform: the page server of production, `deploy/pages.py` (granian; with `--sync`,
  gunicorn `-k sync -w 4 --preload` as the ceiling), `LMS_CONFIG=production`, its own database
  `lms_bench_pages` (migrated, demo data, --learners learners enrolled in a course with some
  lessons done and one certificate issued);
- the ceiling: `../shared/bench-ceiling/pages/app.py` (one query, one template, no session)
  with the same gunicorn workers, its own database `lms_bench_ceiling`.

Every learner logs in through the login form; wrk sends each request with the next learner's
cookies (a Lua script), gzip accepted, so the pages are the ones a logged-in learner sees.
Runs are interleaved in pairs: for each round and each concurrency, every platform page run has
a ceiling run of its own right beside it (after it in even rounds, before it in odd ones), so a
change in the machine's speed, which here comes and goes within a minute, hits both sides of a
ratio. For each run it reads requests/s and p99 from wrk, and the CPU time that the application
and PostgreSQL spent (utime + stime from /proc of each server's process tree, `tree_cpu`: exited
backends and replaced workers included through their parent's cutime), divided by the requests
served: server CPU per page. At the end, the proportional memory (PSS) of each worker.

Prints one table: page, concurrency, platform req/s, its ceiling runs' req/s, the ratio (the
median over the rounds of each page run's req/s over its own ceiling run's), CPU ms per page for
both, p99 for both; and the targets of issue 15 (ratio >= 0.6, CPU <= 4 ms, p99 <= 250 ms at
c=50, PSS <= 120 MiB per worker), each marked met or missed. Exits non-zero when wrk is missing
or a run returned errors, never because a target was missed (read the table).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
# ../shared/bench-ceiling/pages beside the checkout (or beside the folder of worktrees)
CEILING = Path(
    os.environ.get("BENCH_CEILING")
    or next(
        (
            path
            for base in (ROOT.parent, ROOT.parent.parent)
            if (path := base / "shared" / "bench-ceiling" / "pages").exists()
        ),
        ROOT.parent / "shared" / "bench-ceiling" / "pages",
    )
)
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-pages-12345"  # noqa: S105 - throwaway accounts in a throwaway database
TARGET_RATIO, TARGET_CPU_MS, TARGET_P99_MS, TARGET_PSS_MIB = 0.6, 4.0, 250.0, 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database(name: str) -> str:
    """Drop and create database `name` on the benchmark server; return its URL."""
    url = make_url(SERVER)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def platform_env(db_url: str, instance: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LMS_CONFIG": "production",
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": db_url,
        "SECRET_KEY": "bench-" + "x" * 40,
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        "LMS_INSTANCE_PATH": str(instance),
        # Plain HTTP on loopback: the cookies cannot be Secure here (production sits behind TLS).
        "LMS_SESSION_COOKIE_SECURE": "false",
        "LMS_REMEMBER_COOKIE_SECURE": "false",
        # Logins of all bench learners come from one address.
        "LMS_RATELIMIT_ENABLED": "false",
    }


def flask(env: dict[str, str], *args: str) -> str:
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(  # noqa: S603
        [str(bin_dir / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


SEED = """
import sys
from lms import create_app
from lms.extensions import db
from lms.accounts.models import Agency
from lms.accounts import services as accounts
app = create_app("production")
with app.app_context():
    agency = db.session.scalars(db.select(Agency).order_by(Agency.id)).first()
    unit_id = agency.units[0].id if agency.units else None  # placed in a unit, as civil servants are
    for i in range(int(sys.argv[1])):
        email = f"bench{i}@bench.go.id"
        if accounts.user_by_email(email) is None:
            accounts.create_user(accounts.NewUser(name=f"Peserta Bench {i}", email=email,
                                                  password=sys.argv[2], agency_id=agency.id,
                                                  unit_id=unit_id))
    # One certificate for the verify page: the first learner has completed the first course.
    from datetime import UTC, datetime
    from lms.courses.models import Course, CourseStatus
    from lms.courses import learning
    from lms.certificates import services as certificates
    published = db.select(Course).where(Course.status == CourseStatus.PUBLISHED)
    course = db.session.scalars(published.order_by(Course.id)).first()
    enrolment = learning.enrol(accounts.user_by_email("bench0@bench.go.id"), course)
    enrolment.completed_at = datetime.now(UTC)
    db.session.flush()
    if certificates.certificate_for_source(certificates.CertificateSource.COURSE, enrolment.id) is None:
        certificates.issue_for_enrolment(enrolment, base_url="http://localhost")
    db.session.commit()
"""


@dataclass
class Learner:
    email: str
    cookie: str = ""


def login(base: str, email: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=30)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    data = {"login": email, "password": PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    answer = http.post(f"{base}/login", data=data, timeout=30, allow_redirects=False)
    if answer.status_code not in (302, 303):
        sys.exit(f"login of {email} failed: {answer.status_code} {answer.text[:300]}")
    return http


def csrf(http: requests.Session, url: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', http.get(url, timeout=30).text)
    return match.group(1) if match else ""


def prepare_learners(base: str, count: int) -> tuple[list[str], dict[str, str]]:
    """Log every learner in, enrol them in the first catalogue course, mark its first lesson done
    for every other learner, and find the pages to measure. Returns the cookie headers and paths."""
    cookies, paths = [], {}
    for i in range(count):
        http = login(base, f"bench{i}@bench.go.id")
        catalogue = http.get(f"{base}/courses/", timeout=30).text
        slug = re.search(r'href="/courses/([a-z0-9-]+)/?"', catalogue).group(1)
        course_url = f"{base}/courses/{slug}"
        token = csrf(http, course_url)
        http.post(f"{course_url}/enrol", data={"csrf_token": token}, timeout=30)
        detail = http.get(course_url, timeout=30).text
        lesson = re.search(r'href="(/courses/[a-z0-9-]+/(?:lessons|learn)/[^"]+)"', detail)
        if lesson is None:
            learn = http.get(f"{course_url}/learn", timeout=30, allow_redirects=True)
            lesson_path = requests.utils.urlparse(learn.url).path
        else:
            lesson_path = lesson.group(1)
        paths.setdefault("lesson", lesson_path)
        if i % 2 == 0:
            page = http.get(f"{base}{lesson_path}", timeout=30).text
            form = re.search(r'<form[^>]*action="([^"]*(?:complete|done)[^"]*)"', page)
            if form:
                token = csrf(http, base + lesson_path)
                http.post(f"{base}{form.group(1)}", data={"csrf_token": token}, timeout=30)
        jar = http.cookies.get_dict()
        cookies.append("; ".join(f"{k}={v}" for k, v in jar.items()))
    paths["catalogue"] = "/courses/"
    paths["home"] = "/"
    return cookies, paths


def certificate_path(db_url: str) -> str | None:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        code = conn.exec_driver_sql("SELECT number FROM certificates ORDER BY id LIMIT 1").scalar()
    engine.dispose()
    return f"/verify/{code}" if code else None


def wrk_script(directory: Path, cookies: list[str]) -> Path:
    body = ",\n".join(json.dumps(c) for c in cookies) if cookies else ""
    script = directory / "cookies.lua"
    script.write_text(
        "local cookies = {\n" + body + "\n}\nlocal i = 0\n"
        "request = function()\n"
        "  local headers = {['Accept-Encoding'] = 'gzip'}\n"
        "  if #cookies > 0 then i = i % #cookies + 1; headers['Cookie'] = cookies[i] end\n"
        "  return wrk.format('GET', nil, headers)\n"
        "end\n"
    )
    return script


def gunicorn_command(port: int, app: str, workers: int) -> list[str]:
    """gunicorn as the ceiling runs: sync workers, the application preloaded."""
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    options = ["-k", "sync", "-w", str(workers), "--preload", "--access-logfile", "/dev/null"]
    return [gunicorn, "-b", f"127.0.0.1:{port}", *options, app]


def wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=5).status_code < 500:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    sys.exit(f"{url} did not come up")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(x) for x in path.read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def _ticks(pid: int, with_children: bool = False) -> int | None:
    """utime + stime of a process (plus cutime + cstime: its exited and reaped children), in clock
    ticks; None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    total = int(fields[11]) + int(fields[12])
    if with_children:
        total += int(fields[13]) + int(fields[14])
    return total


def tree_cpu(root: int) -> float:
    """CPU seconds of a server process and of all its children, the exited ones included: the live
    children's own time plus the root's, with what its reaped children left in its cutime/cstime.

    A server replaces a worker now and then and PostgreSQL ends a backend when a connection
    closes: summing only the live processes loses their time (and a delta across the exit turns
    negative). A child that exits between two reads would be counted twice or not at all, so the
    snapshot is taken again until the set of children is the same before and after."""
    tick = os.sysconf("SC_CLK_TCK")
    for _ in range(10):
        before = children(root)
        kids = [_ticks(pid, with_children=True) for pid in before]
        own = _ticks(root, with_children=True)
        if own is None:
            return 0.0
        if children(root) == before and None not in kids:
            return (own + sum(kids)) / tick
    return (own + sum(k for k in kids if k is not None)) / tick


def postgres_masters() -> list[int]:
    """The postmaster(s) on this machine: postgres processes whose parent is not a postgres."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if comm in ("postgres", "postmaster"):
            found[int(entry.name)] = ppid
    return [pid for pid, ppid in found.items() if ppid not in found]


def server_cpu(app_pid: int) -> tuple[float, float]:
    """CPU seconds so far of the application (the server's main process and workers, replaced workers
    included) and of every PostgreSQL process of the machine (ended backends included). Shared
    PostgreSQL: other databases' work counts too, so run on a quiet machine."""
    return tree_cpu(app_pid), sum(tree_cpu(master) for master in postgres_masters())


@dataclass
class Run:
    requests: int = 0
    seconds: float = 0.0
    p99_ms: float = 0.0
    cpu_s: float = 0.0  # the application's and PostgreSQL's
    db_cpu_s: float = 0.0  # PostgreSQL's part
    errors: int = 0
    rates: list[float] = field(default_factory=list)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(url: str, conns: int, seconds: int, script: Path, app_pid: int) -> Run:
    app_before, db_before = server_cpu(app_pid)
    done = subprocess.run(  # noqa: S603
        ["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", "-s", str(script), url],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    app_after, db_after = server_cpu(app_pid)
    db_cpu = db_after - db_before
    out = done.stdout
    served = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(\w+)", out)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    return Run(
        requests=served,
        seconds=seconds,
        p99_ms=float(p99.group(1)) * UNITS[p99.group(2)],
        cpu_s=app_after - app_before + db_cpu,
        db_cpu_s=db_cpu,
        errors=errors,
    )


def pss_mib(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except FileNotFoundError:
        return 0.0
    return int(re.search(r"^Pss:\s+(\d+)", text, re.M).group(1)) / 1024


def start(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True)  # noqa: S603


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--conns", default="10,50")
    parser.add_argument("--pages", default="lesson,catalogue,home,verify")
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4, help="sync workers of the ceiling (and --sync)")
    parser.add_argument(
        "--sync",
        action="store_true",
        help="run the platform like the ceiling (gunicorn sync -w WORKERS --preload), not deploy/pages.py",
    )
    parser.add_argument("--json", help="also write the raw figures here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")

    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    platform_db, ceiling_db = database("lms_bench_pages"), database("lms_bench_ceiling")
    env = platform_env(platform_db, work / "instance")
    flask(env, "db", "upgrade")
    flask(env, "lms", "seed-demo")
    subprocess.run(  # noqa: S603
        [sys.executable, "-c", SEED, str(args.learners), PASSWORD], cwd=ROOT, env=env, check=True
    )
    ceiling_env = {**os.environ, "CAT_URL": ceiling_db}
    subprocess.run([sys.executable, "app.py"], cwd=CEILING, env=ceiling_env, check=True, capture_output=True)  # noqa: S603,S607

    ports = {"platform": free_port(), "ceiling": free_port()}
    if args.sync:
        platform_command = gunicorn_command(ports["platform"], "wsgi:app", args.workers)
    else:
        platform_command = [sys.executable, str(ROOT / "deploy" / "pages.py")]
        env = {**env, "LMS_WEB_BIND": f"127.0.0.1:{ports['platform']}", "LMS_WEB_ACCESSLOG": "0"}
    platform = start(platform_command, ROOT, env)
    ceiling = start(gunicorn_command(ports["ceiling"], "app:app", args.workers), CEILING, ceiling_env)
    try:
        base = f"http://127.0.0.1:{ports['platform']}"
        wait_up(base + "/login")
        wait_up(f"http://127.0.0.1:{ports['ceiling']}/ok")
        cookies, paths = prepare_learners(base, args.learners)
        verify = certificate_path(platform_db)
        if verify:
            paths["verify"] = verify
        pages = [p for p in args.pages.split(",") if p in paths]
        (work / "anon").mkdir()
        anonymous = wrk_script(work / "anon", [])
        logged_in = wrk_script(work, cookies)
        ceiling_url = f"http://127.0.0.1:{ports['ceiling']}/catalog"
        results: dict[tuple[str, int], list[Run]] = {}
        conns_list = [int(c) for c in args.conns.split(",")]
        for _ in range(2):  # warm both up (imports, pools, template caches)
            for page in pages:
                wrk(base + paths[page], 10, 2, logged_in, platform.pid)
            wrk(ceiling_url, 10, 2, anonymous, ceiling.pid)
        for round_no in range(args.rounds):
            for conns in conns_list:
                for page in pages:
                    # Each page run has a ceiling run of its own right beside it: after it in even
                    # rounds, before it in odd ones, so a drift of the machine hits both sides.
                    pair = [page, "ceiling"] if round_no % 2 == 0 else ["ceiling", page]
                    for side in pair:
                        if side == "ceiling":
                            run = wrk(ceiling_url, conns, args.duration, anonymous, ceiling.pid)
                            results.setdefault(("ceiling", page, conns), []).append(run)
                        else:
                            script = anonymous if page == "verify" else logged_in
                            run = wrk(base + paths[page], conns, args.duration, script, platform.pid)
                            results.setdefault((page, conns), []).append(run)
                        label = page if side == page else f"ceiling ({page})"
                        print(
                            f"round {round_no + 1} c={conns} {label:<20} {run.requests / run.seconds:8.1f} "
                            f"req/s p99 {run.p99_ms:7.1f} ms  "
                            f"cpu {1000 * run.cpu_s / max(run.requests, 1):6.2f} ms/page"
                            f" (db {1000 * run.db_cpu_s / max(run.requests, 1):4.2f})"
                            f"  errors {run.errors}  load {os.getloadavg()[0]:.1f}",
                            flush=True,
                        )
        pss = {
            "platform": [pss_mib(pid) for pid in children(platform.pid)],
            "ceiling": [pss_mib(pid) for pid in children(ceiling.pid)],
        }
    finally:
        stop(platform)
        stop(ceiling)
    report(results, pages, conns_list, pss, args)


def median(runs: list[Run], key) -> float:
    return statistics.median(key(r) for r in runs)


def report(results, pages, conns_list, pss, args) -> None:
    rate = lambda r: r.requests / r.seconds  # noqa: E731
    cpu = lambda r: 1000 * r.cpu_s / max(r.requests, 1)  # noqa: E731
    p99 = lambda r: r.p99_ms  # noqa: E731
    print(f"\nmedian of {args.rounds} rounds, {args.duration} s each; load now {os.getloadavg()}")
    print(
        "| page | c | req/s | ceiling req/s | ratio | CPU ms/page | ceiling CPU "
        "| p99 ms | ceiling p99 | targets |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    raw, failed = [], False
    for conns in conns_list:
        for page in pages:
            runs, ceiling = results[(page, conns)], results[("ceiling", page, conns)]
            failed |= any(r.errors for r in runs + ceiling)
            # The median of each round's ratio to its own ceiling run, not a ratio of medians
            # taken minutes apart.
            ratio = statistics.median(rate(r) / rate(c) for r, c in zip(runs, ceiling, strict=True))
            missed = []
            if ratio < TARGET_RATIO:
                missed.append("ratio")
            if median(runs, cpu) > TARGET_CPU_MS:
                missed.append("cpu")
            if conns == 50 and median(runs, p99) > TARGET_P99_MS:
                missed.append("p99")
            print(
                f"| {page} | {conns} | {median(runs, rate):.0f} | {median(ceiling, rate):.0f} | {ratio:.2f} "
                f"| {median(runs, cpu):.2f} | {median(ceiling, cpu):.2f} | {median(runs, p99):.0f} "
                f"| {median(ceiling, p99):.0f} | {'met' if not missed else 'missed: ' + ', '.join(missed)} |"
            )
            raw.append(
                {
                    "page": page,
                    "conns": conns,
                    "runs": [r.__dict__ for r in runs],
                    "ceiling": [c.__dict__ for c in ceiling],
                }
            )
    worst = max(pss["platform"], default=0)
    print(
        f"\nPSS per page worker: platform {', '.join(f'{x:.0f}' for x in pss['platform'])} MiB "
        f"(target <= {TARGET_PSS_MIB:.0f}: {'met' if worst <= TARGET_PSS_MIB else 'missed'}); "
        f"ceiling {', '.join(f'{x:.0f}' for x in pss['ceiling'])} MiB"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"results": raw, "pss": pss}, indent=1))
    if failed:
        sys.exit("some runs had errors or non-2xx answers (see the lines above)")


if __name__ == "__main__":
    main()
