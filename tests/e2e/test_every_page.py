"""Every page a user can reach, on a 360 × 740 phone: nothing pans sideways, axe finds nothing serious.

The pages are the authorization matrix's GET rows (tests/core/test_authorization.py) that each
role may open, over the same seeded world (a course with lessons, a quiz with an attempt, a live
webinar, certificates, a career profile with a supervisor and an appraisal, HR reports).

axe-core comes from npm (`.ci/run` installs it into .ci/node); it is injected into a context that
bypasses the CSP, in this test only. Screenshots of the main pages at 360 and 1280 px go to
test-artifacts/screenshots/ for a reviewer to look at.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from lms import ROOT
from tests import factories
from tests.core.test_authorization import ACTORS, MATRIX, OK, seed_world
from tests.e2e.conftest import ARTIFACTS, REQUIRE_BROWSER
from tests.e2e.steps import PHONE, log_in

AXE_PATHS = [
    Path(os.environ["AXE_CORE_JS"]) if os.environ.get("AXE_CORE_JS") else None,
    ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js",
    Path.home() / ".cache" / "lms-ci" / "node_modules" / "axe-core" / "axe.min.js",
]
SCREENSHOTS = ARTIFACTS / "screenshots"
NOT_PAGES = re.compile(
    r"^/(static|api|\.well-known|healthz)|^/courses/media/|^/jobs/\d+/file$|/external/\d+/evidence$"
    r"|\.(csv|xlsx|pdf|jwt|zip|gift|json|ics|js|webmanifest)(\?|$)"
)
# The pages a reviewer looks at first, as (actor, matrix path template).
MAIN_PAGES = {
    ("anonymous", "/register"),
    ("anonymous", "/courses/"),
    ("anonymous", "/courses/{c1}"),
    ("anonymous", "/verify/{cert}"),
    ("learner", "/"),
    ("learner", "/courses/{c1}/learn/{c1_lesson}"),
    ("learner", "/quizzes/attempts/{a1}"),
    ("learner", "/certificates/"),
    ("learner", "/careers/people/{own_person}"),
    ("learner", "/webinars/{webinar}"),
    ("trainer", "/webinars/{webinar}/room"),
    ("trainer", "/webinars/{webinar}/attendance"),
    ("trainer", "/teach/quizzes/{q1}"),
    ("trainer", "/teach/{c1_id}/quizzes/new"),
    ("trainer", "/teach/quizzes/{q1}/results"),
    ("trainer", "/teach/quizzes/{q1}/analysis"),
    ("agency_admin", "/hr/{own}"),
    ("agency_admin", "/hr/{own}/jp"),
    ("agency_admin", "/hr/{own}/heatmap"),
    ("agency_admin", "/hr/{own}/talent"),
    ("agency_admin", "/hr/people/{own_person}/audit"),
    ("learner", "/evaluations/surveys/{survey}"),
    ("trainer", "/evaluations/follow-ups/{follow_up_boss}"),
    ("agency_admin", "/evaluations/course/{c1_id}/results"),
    ("agency_admin", "/hr/{own}/completion/{c1_id}?status=overdue"),
    ("trainer", "/teach/{c1_id}/learners"),
}
SERIOUS = ("serious", "critical")


def _axe_source() -> str | None:
    for path in AXE_PATHS:
        if path is not None and path.is_file():
            return path.read_text(encoding="utf-8")
    return None


@pytest.fixture(scope="module")
def axe() -> str:
    source = _axe_source()
    if source is None:
        message = "axe-core is not installed: `npm install --prefix .ci/node axe-core@4` (as .ci/run does)"
        if REQUIRE_BROWSER:  # CI: a sweep without axe must not pass as skipped (as in conftest's browser)
            pytest.fail(f"LMS_REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    return source


@pytest.fixture(scope="module")
def axe_checked() -> set:
    """(page, structure of its main content) pairs axe has already checked in this module: a page
    that looks the same to another role is not checked again (axe is most of the sweep's time)."""
    return set()


# The structure of <main> (tags, classes, roles, labels, not the text): equal for two roles when
# they see the same page.
STRUCTURE = """() => [...document.querySelectorAll('main *')].map(e =>
    e.tagName + '.' + e.className + (e.getAttribute('role') || '') + (e.getAttribute('aria-label') || '')
).join('|')"""


@pytest.fixture(scope="module")
def world(live_app):
    with live_app.app_context():  # one session for the whole seeding, so its objects stay usable
        actors, ids = seed_world(
            live_app, factories.bind(live_app, factories.agency), factories.bind(live_app, factories.user)
        )
        return {name: user.email for name, user in actors.items()}, ids


def pages_of(actor: str, ids: dict) -> list[tuple[str, str]]:
    """(template, path) of every HTML page the actor may open."""
    found = []
    for method, template, expected in MATRIX:
        path = template.format(**ids)
        if method == "GET" and expected[actor] == OK and not NOT_PAGES.search(path):
            found.append((template, path))
    return found


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window it was opened in."""
    return page.evaluate("document.documentElement.scrollWidth") - page.viewport_size["width"]


WIDEST = """(limit) => {
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        const sticks = (e) => e.getBoundingClientRect().right > limit + 1;
        if (sticks(el) && ![...el.children].some(sticks)) {
            const cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim() : '';
            const text = (el.textContent || '').trim().slice(0, 30);
            out.push(`${el.tagName.toLowerCase()}${cls} "${text}" ${Math.round(box.right)}px`);
        }
        if (out.length >= 3) break;
    }
    return out;
}"""


def too_wide(page: Page) -> list[str]:
    """The innermost elements that stick out to the right: where an overflow comes from."""
    return page.evaluate(WIDEST, page.viewport_size["width"])


def leave(page: Page) -> None:
    """Leave the last page (a webinar room closes its socket) before the database is emptied."""
    page.goto("about:blank")
    page.wait_for_timeout(300)


def serious_violations(page: Page, axe_source: str) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {json.dumps(v['nodes'])}"
        for v in found
        if v["impact"] in SERIOUS
    ]


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def slug(actor: str, template: str) -> str:
    return actor + "-" + (re.sub(r"[^\w]+", "_", template).strip("_") or "home")


# Layout and accessibility do not depend on the database: checked in the first (SQLite) pass only.
# Every page's SQL runs on PostgreSQL too, through the test client (tests/core/test_authorization.py
# and tests/core/test_wording.py visit every route as every role).
@pytest.mark.once
@pytest.mark.parametrize("actor", ACTORS)
def test_every_page_fits_a_phone_and_passes_axe(contexts, world, axe, axe_checked, actor):
    actors, ids = world
    context = contexts.new(bypass_csp=True, **PHONE)
    page = context.new_page()
    if actor != "anonymous":
        assert log_in(page, actors[actor]).status == 302
    failures, first = [], True
    for template, path in pages_of(actor, ids):
        page.goto(path)
        if (wider := overflow(page)) > 0:
            failures.append(f"{template}: {wider} px wider than the 360 px screen: {too_wide(page)}")
        structure = (template, hash(page.evaluate(STRUCTURE)))
        if first or structure not in axe_checked:  # the header differs per role: checked once each
            axe_checked.add(structure)
            failures += [f"{template}: {problem}" for problem in serious_violations(page, axe)]
        first = False
        if (actor, template) in MAIN_PAGES:
            shoot(page, f"360-{slug(actor, template)}")
    leave(page)
    assert not failures, f"as {actor}:\n" + "\n".join(failures)


@pytest.mark.once
def test_main_pages_on_a_desktop(contexts, world):
    """Screenshots at 1280 px (the phone ones come from the sweep), and no overflow there either."""
    actors, ids = world
    failures = []
    by_actor = {}
    for actor, template in sorted(MAIN_PAGES):
        by_actor.setdefault(actor, []).append(template)
    for actor, templates in by_actor.items():
        page = contexts.new(viewport={"width": 1280, "height": 800}).new_page()
        if actor != "anonymous":
            assert log_in(page, actors[actor]).status == 302
        for template in templates:
            page.goto(template.format(**ids))
            if (wider := overflow(page)) > 0:
                failures.append(f"{actor} {template}: {wider} px too wide")
            shoot(page, f"1280-{slug(actor, template)}")
        leave(page)
        page.context.close()
    assert not failures, "\n".join(failures)
