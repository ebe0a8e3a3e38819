"""Load benchmark of a webinar room (not a test; `make bench-webinar`).

Starts the server as it runs in production (gunicorn, one gevent worker, raised
--worker-connections, LMS_CONFIG=production), connects N simulated participants with
python-socketio's AsyncClient over websocket (each logged in with its own session cookie, joined
to the room in its connect as the room page is, with `auth={"webinar_id": N}`, and sending
heartbeats), then has participants send chat messages and measures how long each message takes
to reach every participant. Reports participants held by the one process, the worker's memory
(RSS) and CPU, and delivery time (median, p99, max).

    python bench/webinar_load.py                       # 2000 participants, SQLite, Redis queue
    python bench/webinar_load.py --participants 500 --no-queue
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/webinar_load.py

With PostgreSQL the run works in a schema of its own, dropped at the end. The participants are
spread over `--client-processes` processes (default 3), each with its own asyncio loop, so the
clients' cost does not queue behind one loop; they still share the machine's cores with the
server. Times are taken with the system-wide monotonic clock, so a message sent in one client
process and received in another is timed correctly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NS = "/webinar"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=5, help="chat messages to time")
    parser.add_argument(
        "--heartbeat", type=float, default=30, help="seconds between heartbeats (as in production)"
    )
    parser.add_argument(
        "--hold", type=float, default=35, help="seconds to hold everyone connected while measuring"
    )
    parser.add_argument("--connect-concurrency", type=int, default=48, help="over all client processes")
    parser.add_argument("--client-processes", type=int, default=3)
    parser.add_argument(
        "--database", default=os.environ.get("BENCH_DATABASE_URL"), help="default: SQLite file"
    )
    parser.add_argument("--queue", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument("--no-queue", action="store_true", help="run without the Redis message queue")
    parser.add_argument("--worker-connections", type=int, default=10000)
    parser.add_argument(
        "--ceiling", action="store_true", help="also run the bare ceiling, interleaved, and print the ratios"
    )
    parser.add_argument("--ceiling-dir", help="default: ../shared/bench-ceiling/sio above the repository")
    parser.add_argument("--rounds", type=int, default=1, help="platform/ceiling rounds (interleaved)")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raise_open_files_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


# ---------------------------------------------------------------- database and people


def prepare_database(url: str | None, tmp: Path):
    """A migrated database with a trainer, N learners registered for a live webinar."""
    from tests.conftest import postgres_schema

    schema = None
    if url:
        schema = f"bench_{os.getpid()}"
        url = postgres_schema(url, schema) if url.startswith("postgresql") else url
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    return url, schema


def seed(url: str, secret: str, participants: int):
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from lms import create_app
    from lms.accounts.models import Role, User, UserRole
    from lms.accounts.sessions import start_session
    from lms.extensions import db, login_manager
    from lms.webinars.models import Registration, Webinar

    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=secret)
    with app.app_context():
        upgrade()
        trainer = User(name="Pemandu Beban", email="pemandu@bench.go.id")
        trainer.role_rows = [UserRole(role=Role.TRAINER)]
        db.session.add(trainer)
        users = [User(name=f"Peserta {i:05d}", email=f"peserta{i}@bench.go.id") for i in range(participants)]
        db.session.add_all(users)
        db.session.flush()
        start = datetime.now(UTC) - timedelta(minutes=5)
        webinar = Webinar(
            title="Webinar uji beban",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            jp=2,
            host_id=trainer.id,
        )
        db.session.add(webinar)
        db.session.flush()
        db.session.execute(
            sa.insert(Registration), [{"webinar_id": webinar.id, "user_id": u.id} for u in users]
        )
        # A server-side login session each (accounts.sessions), as the login page opens it.
        now = datetime.now(UTC)
        for user in users:
            start_session(user, ip="127.0.0.1", user_agent="bench", at=now)
        db.session.commit()
        # The session cookie a browser holds in the room, signed with the server's key: what the
        # login page set (Flask-Login's digest of the browser among it) and the CSRF token of the
        # room page's forms.
        serializer = app.session_interface.get_signing_serializer(app)
        browser_environ = {"HTTP_USER_AGENT": "bench", "REMOTE_ADDR": "127.0.0.1"}
        with app.test_request_context(environ_base=browser_environ):
            browser = login_manager._session_identifier_generator()
        cookies = [
            "session="
            + serializer.dumps(
                {"_fresh": True, "_id": browser, "_user_id": u.get_id(), "csrf_token": secrets.token_hex(20)}
            )
            for u in users
        ]
        webinar_id = webinar.id
        db.engine.dispose()
    return app, webinar_id, cookies


def open_connections(app, webinar_id: int) -> int:
    import sqlalchemy as sa

    from lms.extensions import db
    from lms.webinars.models import WebinarConnection

    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).where(
                WebinarConnection.webinar_id == webinar_id, WebinarConnection.closed_at.is_(None)
            )
        )
        db.session.rollback()
        db.engine.dispose()
        return count


# ---------------------------------------------------------------- server


def start_server(url: str, secret: str, port: int, args, tmp: Path):
    run = f"lms-bench-{uuid.uuid4().hex}"  # other runs on the same Redis stay apart
    env = {
        **os.environ,
        "LMS_CONFIG": "production",
        "SECRET_KEY": secret,
        "DATABASE_URL": url,
        "LMS_INSTANCE_PATH": str(tmp),
        "SOCKETIO_CHANNEL": run,
        "RATELIMIT_STORAGE_URI": args.queue if not args.no_queue else "memory://",
        "LMS_RATELIMIT_STORAGE_OPTIONS": "{}" if args.no_queue else f'{{"key_prefix": "{run}"}}',
        "LMS_WEBINAR_HEARTBEAT_SECONDS": str(int(args.heartbeat)),
    }
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    if not args.no_queue:
        env["SOCKETIO_MESSAGE_QUEUE"] = args.queue
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--worker-class",
        "gevent",
        "--workers",
        "1",
        "--worker-connections",
        str(args.worker_connections),
        "--backlog",
        "4096",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    log = open(tmp / "server.log", "w+")  # noqa: SIM115 - closed by the caller
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    return process, log, command


def wait_ready(base: str, process, log, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise SystemExit(f"server exited with {process.returncode}:\n{log.read()[-3000:]}")
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit("server not ready")


# ---------------------------------------------------------------- participants


class Participant:
    def __init__(self, index: int, cookie: str, webinar_id: int):
        import socketio

        self.index, self.cookie, self.webinar_id = index, cookie, webinar_id
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: dict[int, float] = {}  # message number -> arrival time
        self.joined = False
        self.reply = asyncio.Event()  # the `joined` event: the reply of the join in the connect
        self.errors: list[str] = []
        self.client.on("chat", self.on_chat, namespace=NS)
        self.client.on("error", self.on_error, namespace=NS)
        self.client.on("joined", self.on_joined, namespace=NS)

    async def on_chat(self, message):
        text = message.get("text", "")
        if text.startswith("bench "):
            self.received[int(text.split()[1])] = time.monotonic()

    async def on_joined(self, reply):
        self.joined = bool(reply and reply.get("ok"))
        self.reply.set()

    async def on_error(self, error):
        self.errors.append(error.get("message", "") if isinstance(error, dict) else str(error))

    async def connect(self, base: str) -> None:
        # Like the room page: the connect names the webinar and is the join (a refusal raises).
        await self.client.connect(
            base,
            namespaces=[NS],
            transports=["websocket"],
            headers={"Cookie": self.cookie},
            auth={"webinar_id": self.webinar_id},
            wait_timeout=60,
        )
        await asyncio.wait_for(self.reply.wait(), timeout=120)

    async def heartbeats(self, every: float, stop: asyncio.Event) -> None:
        await asyncio.sleep(random.uniform(0, every))  # noqa: S311 - spread, not security
        while not stop.is_set() and self.client.connected:
            try:
                await self.client.emit("heartbeat", {"webinar_id": self.webinar_id}, namespace=NS)
            except Exception:  # noqa: BLE001 - a dropped client is counted at the end
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)


async def client_process_main(pipe, base: str, cookies: list[str], webinar_id: int, options: dict) -> None:
    """One client process: connect its share, then obey the conductor (send / stop)."""
    loop = asyncio.get_running_loop()
    people = [Participant(i, cookie, webinar_id) for i, cookie in enumerate(cookies)]
    gate = asyncio.Semaphore(options["concurrency"])
    failures: list[str] = []
    stop = asyncio.Event()
    beats = []

    async def connect(person: Participant) -> None:
        async with gate:
            try:
                await person.connect(base)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                failures.append(f"{type(exc).__name__}: {exc}")
                return
        if person.joined:  # like the room page: heartbeats from the moment of joining
            beats.append(asyncio.create_task(person.heartbeats(options["heartbeat"], stop)))

    await loop.run_in_executor(None, pipe.recv)  # "connect"
    await asyncio.gather(*(connect(p) for p in people))
    joined = [p for p in people if p.joined]
    pipe.send({"joined": len(joined), "failures": failures[:3], "failed": len(failures)})
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command[0] == "send":
            number = command[1]
            sender = joined[(number * 7919) % len(joined)]
            sent = time.monotonic()
            try:
                reply = await sender.client.call(
                    "chat", {"webinar_id": webinar_id, "text": f"bench {number}"}, namespace=NS, timeout=120
                )
            except Exception as exc:  # noqa: BLE001 - reported
                reply = {"ok": False, "error": repr(exc)}
            pipe.send({"sent": sent, "reply": reply})
        elif command[0] == "stop":
            break
    stop.set()
    await asyncio.gather(*beats)
    pipe.send(
        {
            "received": [p.received for p in joined],
            "still": sum(1 for p in joined if p.client.connected),
            "errors": [e for p in people for e in p.errors][:20],
            "error_count": sum(len(p.errors) for p in people),
            "cpu": resource.getrusage(resource.RUSAGE_SELF).ru_utime
            + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
        }
    )
    await asyncio.gather(
        *(p.client.disconnect() for p in people if p.client.connected), return_exceptions=True
    )


def client_process(pipe, base, cookies, webinar_id, options) -> None:
    raise_open_files_limit()
    asyncio.run(client_process_main(pipe, base, cookies, webinar_id, options))


def run_clients(base: str, cookies: list[str], webinar_id: int, args, worker: int, on_connected) -> dict:
    """Conduct the client processes: connect everyone, time the chat messages, collect."""
    count = max(1, min(args.client_processes, len(cookies)))
    options = {"concurrency": max(1, args.connect_concurrency // count), "heartbeat": args.heartbeat}
    spawn = multiprocessing.get_context("spawn")
    pipes, processes = [], []
    for index in range(count):
        mine, theirs = spawn.Pipe()
        share = cookies[index::count]
        process = spawn.Process(target=client_process, args=(theirs, base, share, webinar_id, options))
        process.start()
        pipes.append(mine)
        processes.append(process)
    try:
        cpu_before = cpu_seconds(worker)
        started = time.monotonic()
        for pipe in pipes:
            pipe.send(("connect",))
        connected = [pipe.recv() for pipe in pipes]
        connect_seconds = time.monotonic() - started
        cpu_connect = cpu_seconds(worker) - cpu_before
        joined = sum(c["joined"] for c in connected)
        failed = sum(c["failed"] for c in connected)
        print(
            f"connected and joined: {joined}/{len(cookies)} in {connect_seconds:.1f} s "
            f"(server worker CPU {cpu_connect:.1f} s; load {load()})",
            flush=True,
        )
        if failed:
            first = next(f for c in connected for f in c["failures"])
            print(f"  {failed} failures, first: {first}", flush=True)
        measured = on_connected()  # server memory and open connections, with everyone in the room

        time.sleep(2)
        hold_started = time.monotonic()
        cpu_hold_before = cpu_seconds(worker)
        sends: dict[int, float] = {}
        gap = max(1.0, (args.hold - 5) / max(args.messages, 1))
        for number in range(args.messages):
            pipe = pipes[number % count]
            pipe.send(("send", number))
            answer = pipe.recv()
            sends[number] = answer["sent"]
            if not answer["reply"] or not answer["reply"].get("ok"):
                print(f"  message {number} refused: {answer['reply']}", flush=True)
            time.sleep(max(0.0, gap - (time.monotonic() - answer["sent"])))
        time.sleep(max(0.0, hold_started + args.hold - time.monotonic()))
        hold_seconds = time.monotonic() - hold_started
        cpu_hold = cpu_seconds(worker) - cpu_hold_before
        for pipe in pipes:
            pipe.send(("stop",))
        results = [pipe.recv() for pipe in pipes]
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()

    latencies, missing, per_message = [], 0, []
    for number, sent in sends.items():
        these = []
        for result in results:
            for received in result["received"]:
                if number in received:
                    these.append(received[number] - sent)
                else:
                    missing += 1
        latencies.extend(these)
        if these:
            per_message.append(
                f"#{number}: median {statistics.median(these) * 1000:.0f} / "
                f"p99 {percentile(these, 0.99) * 1000:.0f} / max {max(these) * 1000:.0f} ms"
            )
    return {
        "joined": joined,
        "connect_seconds": connect_seconds,
        "cpu_connect": cpu_connect,
        "cpu_hold": cpu_hold,
        "hold_seconds": hold_seconds,
        "client_cpu": sum(r["cpu"] for r in results),
        "client_processes": count,
        "still_connected": sum(r["still"] for r in results),
        "latencies": latencies,
        "missing": missing,
        "per_message": per_message,
        "errors": [e for r in results for e in r["errors"]],
        "error_count": sum(r["error_count"] for r in results),
        **measured,
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main() -> int:
    args = parse_args()
    limit = raise_open_files_limit()
    if limit < 2 * args.participants + 200:
        print(f"warning: open files limit {limit} is low for {args.participants} participants", flush=True)
    secret = secrets.token_urlsafe(32)
    tmp = Path(tempfile.mkdtemp(prefix="webinar-bench-"))
    url, schema = prepare_database(args.database, tmp)
    print(f"seeding {args.participants} participants into {url.split('?')[0]} ...", flush=True)
    app, webinar_id, cookies = seed(url, secret, args.participants)
    ceiling_dir = find_ceiling(args) if args.ceiling else None
    rows: list[tuple[dict, dict | None]] = []
    ok = True
    try:
        # Interleaved: platform, ceiling, platform, ceiling, ... so that both see the same load.
        for number in range(args.rounds):
            if args.rounds > 1 or ceiling_dir:
                print(f"\n== round {number + 1}/{args.rounds}: platform", flush=True)
            summary = run_platform(url, secret, args, tmp, app, webinar_id, cookies, schema)
            ok = ok and summary["ok"]
            ceiling = None
            if ceiling_dir:
                print(f"\n== round {number + 1}/{args.rounds}: bare ceiling ({ceiling_dir})", flush=True)
                ceiling = run_ceiling(ceiling_dir, args, tmp)
            rows.append((summary, ceiling))
    finally:
        if schema:
            from tests.conftest import postgres_schema

            postgres_schema(args.database, schema, drop=True)
    if ceiling_dir:
        print_ratios(rows)
    return 0 if ok else 1


def run_platform(url, secret, args, tmp, app, webinar_id, cookies, schema) -> dict:
    """One round against the platform: start the server, connect everyone, time the messages."""
    port = free_port()
    process, log, command = start_server(url, secret, port, args, tmp)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, log)
        worker = worker_pid(process.pid)
        baseline = rss_kib(worker)
        print(f"server worker pid {worker}; load {load()}", flush=True)

        def on_connected() -> dict:
            return {"rss_kib": rss_kib(worker), "open_in_db": open_connections(app, webinar_id)}

        result = run_clients(base, cookies, webinar_id, args, worker, on_connected)
        result["rss_end_kib"] = rss_kib(worker)
        result["load_end"] = load()
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.seek(0)
        server_log = log.read()
        log.close()

    latencies = result["latencies"]
    per_participant = (result["rss_kib"] - baseline) / max(result["joined"], 1)
    print()
    print(
        f"machine: {os.cpu_count()} CPUs; database: {'PostgreSQL' if schema else 'SQLite'}; "
        f"message queue: {'none' if args.no_queue else 'Redis'}"
    )
    print(f"server: {' '.join(command[1:])}")
    print(
        f"participants held by one process: {result['joined']} joined "
        f"({result['open_in_db']} open connections in the database, "
        f"{result['still_connected']} still connected after {args.hold:.0f} s of heartbeats every "
        f"{args.heartbeat:.0f} s)"
    )
    print(
        f"server worker CPU: {result['cpu_connect']:.1f} s for connect + join; "
        f"{result['cpu_hold']:.1f} s over the {result['hold_seconds']:.0f} s hold "
        f"({100 * result['cpu_hold'] / result['hold_seconds']:.0f} % of one core); "
        f"{result['client_processes']} client processes used {result['client_cpu']:.1f} s CPU in all; "
        f"load average at the end {result['load_end']}"
    )
    print(f"connect + join: {result['connect_seconds']:.1f} s for all")
    print(
        f"worker memory (RSS): {baseline / 1024:.0f} MiB idle, "
        f"{result['rss_kib'] / 1024:.0f} MiB with everyone joined "
        f"(~{per_participant:.1f} KiB per participant), "
        f"{result['rss_end_kib'] / 1024:.0f} MiB at the end"
    )
    if latencies:
        print(
            f"chat delivery to everyone, {args.messages} messages x {result['joined']} participants: "
            f"median {statistics.median(latencies) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms, undelivered {result['missing']}"
        )
    for line in result["per_message"]:
        print(f"  {line}")
    if result["errors"]:
        print(f"error events: {result['error_count']}, e.g. {result['errors'][0]}")
    problems = [line for line in server_log.splitlines() if "Traceback" in line or "ERROR" in line]
    if problems:
        print(f"server log has {len(problems)} error lines; see {tmp / 'server.log'}")
        (tmp / "server.log").write_text(server_log)
    ok = result["joined"] == args.participants and result["missing"] == 0
    return {
        "ok": ok,
        "joined": result["joined"],
        "joins_s": result["connect_seconds"],
        "cpu_ms_per_join": 1000 * result["cpu_connect"] / max(result["joined"], 1),
        "kib_per_participant": per_participant,
        "p99_ms": 1000 * percentile(latencies, 0.99) if latencies else float("nan"),
    }


# ---------------------------------------------------------------- the bare ceiling


def find_ceiling(args) -> Path:
    """The bare Flask-SocketIO room of ../shared/bench-ceiling/sio (server.py, clients.py)."""
    candidates = [Path(args.ceiling_dir)] if args.ceiling_dir else []
    candidates += [parent / "shared/bench-ceiling/sio" for parent in ROOT.parents]
    for candidate in candidates:
        if (candidate / "server.py").exists() and (candidate / "clients.py").exists():
            return candidate
    raise SystemExit("no bare ceiling found: pass --ceiling-dir (server.py and clients.py)")


def run_ceiling(directory: Path, args, tmp: Path) -> dict:
    """One round against the bare ceiling: the same gunicorn gevent worker serving a Flask-SocketIO
    app that only joins one room and broadcasts, driven by its own clients.py (websocket clients
    with heartbeats; the sender emits chat messages and every client times their arrival)."""
    import requests

    port = free_port()
    env = {**os.environ}
    env.pop("SIO_MQ", None)
    if not args.no_queue:
        env["SIO_MQ"] = args.queue
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "-k",
        "gevent",
        "-w",
        "1",
        "--worker-connections",
        str(args.worker_connections),
        "--backlog",
        "4096",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "server:app",
    ]
    log = open(tmp / "ceiling.log", "w+")  # noqa: SIM115 - closed below
    server = subprocess.Popen(command, cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    clients = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/stats", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                log.seek(0)
                raise SystemExit(f"ceiling server did not start:\n{log.read()[-2000:]}")
            time.sleep(0.2)
        worker = worker_pid(server.pid)
        baseline = rss_kib(worker)
        count = max(1, args.client_processes)
        shares = [args.participants // count + (i < args.participants % count) for i in range(count)]
        gap = max(1.0, (args.hold - 5) / max(args.messages, 1))
        cpu_before, started = cpu_seconds(worker), time.monotonic()
        for index, share in enumerate(shares):
            out = tmp / f"ceiling-{index}.json"
            clients.append(
                (
                    out,
                    subprocess.Popen(  # noqa: S603
                        [sys.executable, str(directory / "clients.py"), "--n", str(share), "--urls", base]
                        + ["--sender", "1" if index == 0 else "0", "--expect-total", str(args.participants)]
                        + ["--msgs", str(args.messages), "--gap", f"{gap:.1f}", "--hold", "2"]
                        + [
                            "--hb",
                            str(args.heartbeat),
                            "--ramp",
                            str(max(1, args.connect_concurrency // count)),
                        ]
                        + ["--out", str(out)],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    ),
                )
            )
        connected = 0
        while time.monotonic() - started < 600:
            connected = requests.get(f"{base}/stats", timeout=10).json()["connected"]
            if connected >= args.participants:
                break
            time.sleep(0.1)
        joins_s = time.monotonic() - started
        cpu = cpu_seconds(worker) - cpu_before
        rss = rss_kib(worker)
        print(
            f"connected: {connected}/{args.participants} in {joins_s:.1f} s (worker CPU {cpu:.1f} s)",
            flush=True,
        )
        latencies = []
        for out, process in clients:
            process.wait(timeout=600 + args.hold + args.messages * gap)
            if out.exists():
                raw = json.loads(out.read_text())["raw"]
                latencies += [value / 1000 for values in raw.values() for value in values]
    finally:
        for _out, process in clients:
            if process.poll() is None:
                process.kill()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    summary = {
        "joined": connected,
        "joins_s": joins_s,
        "cpu_ms_per_join": 1000 * cpu / max(connected, 1),
        "kib_per_participant": (rss - baseline) / max(connected, 1),
        "p99_ms": 1000 * percentile(latencies, 0.99) if latencies else float("nan"),
    }
    print(
        f"bare ceiling: {summary['joins_s']:.1f} s for all joins, "
        f"{summary['cpu_ms_per_join']:.1f} ms CPU each, ~{summary['kib_per_participant']:.1f} KiB per "
        f"participant, broadcast p99 {summary['p99_ms']:.0f} ms",
        flush=True,
    )
    return summary


METRICS = (
    ("joins_s", "joins, all (s)", "{:.1f}"),
    ("cpu_ms_per_join", "CPU per join (ms)", "{:.1f}"),
    ("kib_per_participant", "KiB per participant", "{:.1f}"),
    ("p99_ms", "broadcast p99 (ms)", "{:.0f}"),
)


def print_ratios(rows: list[tuple[dict, dict | None]]) -> None:
    """Platform against the bare ceiling, per round and the median: lower is better everywhere,
    and the ratio is platform / ceiling (1.0 = as cheap as the stack underneath)."""
    print("\nplatform vs bare ceiling (ratio = platform / ceiling)")
    print(f"{'round':>5}  {'metric':<22}{'platform':>10}{'ceiling':>10}{'ratio':>8}")
    for number, (platform, ceiling) in enumerate(rows, start=1):
        for key, label, fmt in METRICS:
            ratio = platform[key] / ceiling[key] if ceiling and ceiling[key] else float("nan")
            print(
                f"{number:>5}  {label:<22}{fmt.format(platform[key]):>10}"
                f"{fmt.format(ceiling[key]) if ceiling else '-':>10}{ratio:>8.2f}"
            )
    if len(rows) > 1:
        for key, label, fmt in METRICS:
            mine = statistics.median(p[key] for p, _ in rows)
            theirs = statistics.median(c[key] for _, c in rows if c)
            print(
                f"{'med':>5}  {label:<22}{fmt.format(mine):>10}{fmt.format(theirs):>10}{mine / theirs:>8.2f}"
            )


if __name__ == "__main__":
    sys.exit(main())
