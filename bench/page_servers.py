"""What the page server itself costs: CPU per request of gunicorn (sync and gthread) and granian
serving the same trivial WSGI application (not a test; `make bench-servers`).

    python bench/page_servers.py                 # 2 rounds, 10 s per run, one connection per request
    python bench/page_servers.py --keep-alive    # wrk's connections kept open where the server allows

Each server runs 2 worker processes (gthread and granian with 4 threads each, as deploy/pages.py
and the old gunicorn configuration ran the pages) with an application that answers every request
with the same 3.6 KB body, the size of a gzipped lesson page: whatever CPU the processes spend is
the server's own (parsing, its loop, handing the request to a thread, writing the answer). The
CPU is utime + stime of the server's processes from /proc, divided by the requests wrk completed.
Issue 15, docs/benchmarks.md "Session 15".
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

from bench.pages import free_port, tree_cpu  # noqa: E402

APP = """
BODY = b"x" * 3600


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(BODY)))])
    return [BODY]
"""


def commands(port: int) -> dict[str, list[str]]:
    bin_ = Path(sys.executable).parent
    bind = ["-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "-w", "2"]
    return {
        "gunicorn sync": [str(bin_ / "gunicorn"), *bind, "-k", "sync", "app:app"],
        "gunicorn gthread": [str(bin_ / "gunicorn"), *bind, "-k", "gthread", "--threads", "4", "app:app"],
        "granian": [
            str(bin_ / "granian"),
            *("--interface", "wsgi", "--workers", "2", "--blocking-threads", "4", "--backpressure", "4"),
            *("--host", "127.0.0.1", "--port", str(port), "--no-ws", "app:app"),
        ],
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


def run(name: str, folder: Path, seconds: int, keep_alive: bool) -> tuple[float, float]:
    """(requests per second, CPU microseconds per request) of one server."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        commands(port)[name], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_up(port)
        before = tree_cpu(server.pid)
        headers = [] if keep_alive else ["-H", "Connection: close"]
        out = subprocess.run(  # noqa: S603
            ["wrk", "-t2", "-c10", f"-d{seconds}s", *headers, f"http://127.0.0.1:{port}/"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        cpu = tree_cpu(server.pid) - before
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return requests / seconds, 1e6 * cpu / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--keep-alive", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="bench-servers-"))
    (folder / "app.py").write_text(APP)
    connections = "keep-alive" if args.keep_alive else "one connection per request"
    print(f"load before: {os.getloadavg()[0]:.1f}; {connections}")
    for round_no in range(args.rounds):
        for name in commands(0):
            rate, cpu = run(name, folder, args.duration, args.keep_alive)
            line = f"round {round_no + 1}  {name:<17} {rate:8.0f} req/s  {cpu:6.0f} µs CPU per request"
            print(line, flush=True)


if __name__ == "__main__":
    main()
