"""Benchmark (issue 17): a learner on a slow 3G link, with and without a connection.

    python bench/offline_3g.py [--runs 5]

Never part of `make test` (`make bench` runs it with the others); figures go in
docs/benchmarks.md. Headless Chromium (Debian's `chromium`) with CDP network emulation of slow
3G: 400 ms latency, 400 kbit/s down and up, applied to the page and to its service worker (a
target of its own, which CDP on the page does not reach; see tests/e2e/offline_steps.Network).
The app runs in this process (werkzeug, threaded, gzip on as in production) on a temporary
SQLite database with the sample course `manajemen-karier-asn`; each run is a new learner on a
new browser profile. Each case is the median of --runs:

- first visit: a profile that is only logged in (no service worker, empty HTTP cache), from
  navigation start until the lesson's text (`.prose`) is painted (first contentful paint; see
  `timed`); target < 3 s;
- repeat visit: the same lesson again, the service worker in control and static files cached (the
  page itself still comes over the link, network first); target < 1 s;
- course download: "Unduh untuk luring" pressed on the course page, until it says "Selesai", with
  the bytes that crossed the link (gzip bodies and headers, counted by the server) and requests
  (also printed for the first visit until the service worker has installed: the page weight);
- offline, downloaded: the network off, a lesson never opened before, from the download (the first
  offline open); target < 0.5 s;
- sync after reconnect: that lesson marked done offline, then the link back (slow 3G), until the
  queue on the page is empty and the server has the completion (exactly one).

Prints one table and the load average before and after (the machine may be shared). Exits
non-zero when chromium or playwright is missing, never because a target was missed.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"first visit": 3.0, "repeat visit": 1.0, "offline, downloaded": 0.5}
CASES = ("first visit", "repeat visit", "course download", "offline, downloaded", "sync after reconnect")
DONE = "Selesai. Kursus ini dapat dibuka tanpa koneksi."


class WireCounter:
    """WSGI middleware: requests and bytes (status line, headers, body) the server sent."""

    def __init__(self, app):
        self.app, self.requests, self.bytes, self._lock = app, 0, 0, threading.Lock()

    def __call__(self, environ, start_response):
        def counting_start(status, headers, exc_info=None):
            head = len(status) + 11 + sum(len(k) + len(v) + 4 for k, v in headers) + 2
            self._add(head, request=True)
            return start_response(status, headers, exc_info)

        for chunk in self.app(environ, counting_start):
            self._add(len(chunk))
            yield chunk

    def _add(self, n: int, request: bool = False) -> None:
        with self._lock:
            self.bytes += n
            self.requests += request

    def reset(self) -> None:
        with self._lock:
            self.requests = self.bytes = 0


def start_app(tmp: Path, learners: int):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from lms import create_app
    from lms.courses import bundles, learning
    from lms.courses.cli import SAMPLES_DIR
    from lms.extensions import db
    from tests import factories

    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp / 'bench.sqlite3'}",
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=False,
    )
    app.instance_path = str(tmp / "instance")
    with app.app_context():
        upgrade()
        course = bundles.import_bundle(SAMPLES_DIR / "manajemen-karier-asn", publish=True).course
        people = []
        for n in range(learners):
            learner = factories.user(email=f"bench{n}@uji.go.id")
            learning.enrol(learner, course)
            people.append((learner.id, learner.email))
        lessons = [lesson.id for lesson in learning.outline(course).lessons]
        slug = course.slug
        db.session.commit()
    counter = WireCounter(app.wsgi_app)
    app.wsgi_app = counter
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server, counter, f"http://127.0.0.1:{server.port}", slug, lessons, people


def completions(app, user_id: int) -> int:
    import sqlalchemy as sa

    from lms.courses.models import Enrolment, LessonCompletion
    from lms.extensions import db

    with app.app_context():
        query = (
            sa.select(sa.func.count())
            .select_from(LessonCompletion)
            .join(Enrolment, LessonCompletion.enrolment_id == Enrolment.id)
            .where(Enrolment.user_id == user_id)
        )
        found = db.session.scalar(query)
        db.session.remove()
        return found


PAINTED = "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0"


def timed(page, url: str) -> float:
    """Seconds from navigation start until the lesson's text is painted.

    Playwright calls `.prose` visible as soon as it is laid out, before the stylesheet (render
    blocking) has arrived and anything is on the screen; the page paints at once, so its first
    contentful paint is when the text can be read.
    """
    page.goto(url, wait_until="commit")
    page.locator(".prose").first.wait_for(state="visible")
    for _ in range(3000):
        painted = page.evaluate(PAINTED)
        if painted:
            return painted / 1000
        page.wait_for_timeout(10)
    raise RuntimeError(f"{url} was never painted")


def run(app, counter, base, slug, lessons, people, runs: int) -> tuple[dict, dict]:
    from playwright.sync_api import expect, sync_playwright

    from tests.e2e.offline_steps import Network, log_in, wait_for_worker

    found: dict[str, list[float]] = {name: [] for name in CASES}
    wire: list[tuple[int, int]] = []  # the course download
    first: list[tuple[int, int]] = []  # the first visit, until the service worker is installed
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True, args=["--no-sandbox", "--disable-quic"]
        )
        for n in range(runs):
            user_id, email = people[n]
            lesson = f"/courses/{slug}/learn/{lessons[n % len(lessons)]}"
            other = f"/courses/{slug}/learn/{lessons[(n + 1) % len(lessons)]}"
            # First visit: logged in (cookies only), nothing else on the device.
            login_context = browser.new_context(base_url=base)
            log_in(login_context.new_page(), email)
            cookies = login_context.cookies()
            login_context.close()
            context = browser.new_context(base_url=base, service_workers="allow")
            context.set_default_timeout(300_000)
            context.add_cookies(cookies)
            page = context.new_page()
            network = Network(context, page)
            network.slow_3g()
            counter.reset()
            found["first visit"].append(timed(page, lesson))
            network.on()
            wait_for_worker(page)
            first.append((counter.requests, counter.bytes))
            network.slow_3g()  # now the service worker too
            found["repeat visit"].append(timed(page, lesson))

            page.goto(f"/courses/{slug}")
            panel = page.locator("[data-offline-download]")
            expect(panel.locator("[data-summary]")).to_contain_text("Perlu sekitar", timeout=60_000)
            network.slow_3g()  # a worker restarted while idle is throttled again
            counter.reset()
            started = time.perf_counter()
            panel.get_by_role("button", name="Unduh untuk luring").click()
            expect(panel.locator("[data-status]")).to_have_text(DONE, timeout=300_000)
            found["course download"].append(time.perf_counter() - started)
            wire.append((counter.requests, counter.bytes))

            network.off()
            found["offline, downloaded"].append(timed(page, other))
            page.get_by_role("button", name="Tandai selesai").click()
            queue = page.locator("[data-offline-queue]")
            expect(queue).to_have_text("1 data menunggu dikirim")
            assert completions(app, user_id) == 0
            started = time.perf_counter()
            network.slow_3g()
            expect(queue).to_be_hidden(timeout=60_000)
            while completions(app, user_id) != 1:
                time.sleep(0.02)
            found["sync after reconnect"].append(time.perf_counter() - started)
            context.close()
        browser.close()
    return found, {"course download": wire, "first visit, with the worker": first}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("playwright is not installed", file=sys.stderr)
        return 2
    if shutil.which("chromium") is None:
        print("chromium is not installed", file=sys.stderr)
        return 2
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        app, server, counter, base, slug, lessons, people = start_app(Path(tmp), args.runs)
        try:
            found, wire = run(app, counter, base, slug, lessons, people, args.runs)
        finally:
            server.shutdown()
    load_after = os.getloadavg()
    print(f"slow 3G (400 ms, 400 kbit/s), {args.runs} runs, course {slug} ({len(lessons)} lessons)")
    print(f"{'case':<22} {'median s':>9} {'min s':>7} {'max s':>7} {'target s':>9}  result")
    for name, values in found.items():
        median = statistics.median(values)
        target = TARGETS.get(name)
        verdict = ("met" if median < target else "missed") if target else "-"
        low, high = min(values), max(values)
        shown = f"{target:>9.1f}" if target else f"{'-':>9}"
        print(f"{name:<22} {median:>9.2f} {low:>7.2f} {high:>7.2f} {shown}  {verdict}")
    for name, counts in wire.items():
        requests = statistics.median(r for r, _ in counts)
        kib = statistics.median(b for _, b in counts) / 1024
        print(f"{name} on the wire: {kib:.1f} KiB in {requests:.0f} requests (median)")
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*load_before))
    print("load average after:  {:.2f} {:.2f} {:.2f}".format(*load_after))
    return 0


if __name__ == "__main__":
    sys.exit(main())
