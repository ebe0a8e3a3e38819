"""Benchmark (issue 17): time until a lesson's text is readable on a slow 3G link.

    python bench/offline_3g.py [--runs 5]

Never part of `make test`; the lead runs it on a quiet machine and copies the table into
docs/benchmarks.md. Headless Chromium (Debian's `chromium`) with CDP network emulation of slow
3G: 400 ms latency, 400 kbit/s down and up. The app runs in this process (werkzeug, threaded)
on a temporary SQLite database with the sample course `manajemen-karier-asn`, gzip on, as a
learner sees it. Three cases, each timed from navigation start until the lesson's text
(`.prose`) is visible, the median of --runs:

- first visit: a fresh browser profile that is only logged in (no service worker, empty HTTP
  cache), target < 3 s;
- repeat visit: the same profile after one visit (service worker in control, static files cached;
  the page itself still comes from the network, network-first), target < 1 s;
- offline from a downloaded course: the course stored with "Unduh untuk luring", then the network
  switched off, a lesson never opened before, target < 0.5 s.

Prints one table (case, median, min, max, target, met/missed). Exits non-zero when chromium or
playwright is missing, never because a target was missed (read the table).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
NO_LIMIT = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
PASSWORD = "bench-offline-12345"  # noqa: S105 - a throwaway account in a throwaway database
TARGETS = {"first visit": 3.0, "repeat visit": 1.0, "offline, downloaded": 0.5}


def start_app(tmp: Path):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from lms import create_app
    from lms.accounts.models import Role
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
        learner = factories.user(roles=(Role.LEARNER,), email="bench@uji.go.id", password=PASSWORD)
        course = bundles.import_bundle(SAMPLES_DIR / "manajemen-karier-asn", publish=True).course
        learning.enrol(learner, course)
        lessons = [lesson.id for lesson in learning.outline(course).lessons]
        slug = course.slug
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.port}", slug, lessons


def log_in(page) -> None:
    page.goto("/login")
    page.fill("input[name=login]", "bench@uji.go.id")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


def wait_for_worker(page) -> None:
    for _ in range(200):
        if page.evaluate("() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)"):
            return
        page.wait_for_timeout(50)
    page.reload()


def timed(page, cdp, conditions: dict, url: str) -> float:
    cdp.send("Network.emulateNetworkConditions", conditions)
    started = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.locator(".prose").first.wait_for(state="visible")
    return time.perf_counter() - started


def run(base: str, slug: str, lessons: list[int], runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    found: dict[str, list[float]] = {name: [] for name in TARGETS}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True, args=["--no-sandbox", "--disable-quic"]
        )
        for n in range(runs):
            lesson = f"/courses/{slug}/learn/{lessons[n % len(lessons)]}"
            # First visit: logged in (cookies only), nothing else on the device.
            login_context = browser.new_context(base_url=base)
            log_in(login_context.new_page())
            cookies = login_context.cookies()
            login_context.close()
            context = browser.new_context(base_url=base, service_workers="allow")
            context.add_cookies(cookies)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            found["first visit"].append(timed(page, cdp, SLOW_3G, lesson))
            cdp.send("Network.emulateNetworkConditions", NO_LIMIT)
            wait_for_worker(page)
            found["repeat visit"].append(timed(page, cdp, SLOW_3G, lesson))
            # Download the course at full speed, then read another lesson with the network off.
            cdp.send("Network.emulateNetworkConditions", NO_LIMIT)
            page.goto(f"/courses/{slug}")
            page.get_by_role("button", name="Unduh untuk luring").click()
            page.locator("[data-status]").filter(has_text="Selesai").wait_for()
            context.set_offline(True)
            other = f"/courses/{slug}/learn/{lessons[(n + 1) % len(lessons)]}"
            found["offline, downloaded"].append(timed(page, cdp, OFFLINE, other))
            context.close()
        browser.close()
    return found


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
    with tempfile.TemporaryDirectory() as tmp:
        server, base, slug, lessons = start_app(Path(tmp))
        try:
            found = run(base, slug, lessons, args.runs)
        finally:
            server.shutdown()
    print(f"{'case':<22} {'median s':>9} {'min s':>7} {'max s':>7} {'target s':>9}  result")
    for name, values in found.items():
        median = statistics.median(values)
        verdict = "met" if median < TARGETS[name] else "missed"
        low, high = min(values), max(values)
        print(f"{name:<22} {median:>9.2f} {low:>7.2f} {high:>7.2f} {TARGETS[name]:>9.1f}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
