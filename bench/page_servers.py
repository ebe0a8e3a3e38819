"""What the page server itself costs: CPU per request and p99 of gunicorn (sync, gthread) and
granian serving the same small WSGI application (not a test; `make bench-servers`).

    python bench/page_servers.py                            # 2 rounds, 10 s, c=10, one connection per request
    python bench/page_servers.py --keep-alive               # connections kept where the server allows
    python bench/page_servers.py --connections 50 --work 60000   # CPU under the GIL, as a page: p99

Each server runs 2 worker processes (gthread and granian with 4 threads each, as the pages run)
and answers every request with the same 3.6 KB body, the size of a gzipped lesson page. Without
`--work` whatever CPU the processes spend is the server's own (parsing, its loop, handing the
request to a thread, writing the answer); with it each request also loops in Python, which shows
how the server shares the waiting connections among busy workers (the p99). CPU is utime + stime
of the server's processes from /proc, divided by the requests wrk completed.

The servers: gunicorn sync; gunicorn gthread (the pages until session 14); granian as its command
line starts it (a listening socket per worker, SO_REUSEPORT); `deploy/pages.py`'s PageServer with
that file's settings (one listening socket for all workers, one request per connection). Issue
15, docs/benchmarks.md "Session 15".
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pages import ROOT, free_port, tree_cpu  # noqa: E402

APP = """
import os

BODY = b"x" * 3600
WORK = int(os.environ.get("BENCH_WORK", "0"))


def app(environ, start_response):
    total = 0
    for i in range(WORK):  # Python under the GIL, as a page's
        total += i
    start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(BODY)))])
    return [BODY]
"""

# deploy/pages.py's server with that file's settings, serving app.py.
PAGE_SERVER = """
import runpy
import sys

pages = runpy.run_path(sys.argv[1])
environ = {"LMS_WEB_BIND": f"127.0.0.1:{sys.argv[2]}", "WEB_CONCURRENCY": "2", "LMS_WEB_ACCESSLOG": "0"}
pages["PageServer"]("app:app", **pages["settings"]({**environ, "LMS_WEB_LOG_LEVEL": "warning"})).serve()
"""


def commands(port: int) -> dict[str, list[str]]:
    bin_ = Path(sys.executable).parent
    gunicorn = [str(bin_ / "gunicorn"), "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "-w", "2"]
    granian = [str(bin_ / "granian"), "--interface", "wsgi", "--workers", "2", "--blocking-threads", "4"]
    return {
        "gunicorn sync": [*gunicorn, "-k", "sync", "app:app"],
        "gunicorn gthread": [*gunicorn, "-k", "gthread", "--threads", "4", "app:app"],
        "granian, a socket per worker": [
            *granian,
            *("--backpressure", "4", "--host", "127.0.0.1", "--port", str(port)),
            *("--no-ws", "--no-http1-keep-alive", "app:app"),
        ],
        "deploy/pages.py": [sys.executable, "page_server.py", str(ROOT / "deploy" / "pages.py"), str(port)],
    }


def wait_up(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the server on port {port} did not come up")


def run(name: str, folder: Path, args) -> tuple[float, float, float]:
    """(requests per second, CPU microseconds per request, p99 in ms) of one server."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        commands(port)[name],
        cwd=folder,
        env={**os.environ, "BENCH_WORK": str(args.work)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_up(port)
        before = tree_cpu(server.pid)
        headers = [] if args.keep_alive else ["-H", "Connection: close"]
        wrk = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency", *headers]
        out = subprocess.run(  # noqa: S603
            [*wrk, f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True
        ).stdout
        cpu = tree_cpu(server.pid) - before
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    p99, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out).groups()
    p99_ms = float(p99) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return requests / args.duration, 1e6 * cpu / requests, p99_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--work", type=int, default=0, help="loop iterations of Python per request")
    parser.add_argument("--keep-alive", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="bench-servers-"))
    (folder / "app.py").write_text(APP)
    (folder / "page_server.py").write_text(PAGE_SERVER)
    kept = "keep-alive" if args.keep_alive else "one connection per request"
    print(f"load before: {os.getloadavg()[0]:.1f}; c={args.connections}, {kept}, work {args.work}")
    for round_no in range(args.rounds):
        for name in commands(0):
            rate, cpu, p99 = run(name, folder, args)
            print(
                f"round {round_no + 1}  {name:<28} {rate:7.0f} req/s  {cpu:5.0f} µs CPU a request"
                f"  p99 {p99:6.1f} ms",
                flush=True,
            )


if __name__ == "__main__":
    main()
