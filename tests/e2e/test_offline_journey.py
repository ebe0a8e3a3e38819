"""Browser journeys without a connection: the installable app, pages saved on the device,
lessons marked done offline and sent exactly once when the connection returns."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lms.accounts.models import Role
from lms.courses import learning
from lms.courses.models import LessonCompletion
from tests import factories

from .offline_steps import Network, log_in, wait_for_worker

pytestmark = pytest.mark.e2e


def _seed() -> dict:
    agency = factories.agency(units=("UMUM",))
    trainer = factories.user(agency, roles=(Role.TRAINER,))
    learner = factories.user(agency, name="Naomi Rumbewas", email="naomi@uji.go.id")
    course = factories.course(by=trainer, title="Pelayanan Publik", modules=1, lessons=3)
    learning.enrol(learner, course)
    lessons = [lesson.id for lesson in learning.outline(course).lessons]
    return {"email": learner.email, "slug": course.slug, "lessons": lessons}


def test_a_visited_lesson_opens_and_is_marked_done_offline(contexts, live_db, live_scalar):
    seeded = live_db(_seed)
    context = contexts.new()
    page = context.new_page()
    log_in(page, seeded["email"])
    wait_for_worker(page)
    lesson_url = f"/courses/{seeded['slug']}/learn/{seeded['lessons'][0]}"
    page.goto(lesson_url)
    expect(page.locator("h1")).to_have_text("Pelajaran 1.1")
    expect(page.locator("[data-offline-banner]")).to_be_hidden()

    network = Network(context, page)
    network.off()
    page.reload()
    expect(page.locator("h1")).to_have_text("Pelajaran 1.1")
    banner = page.locator("[data-offline-banner]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(re.compile(r"Sedang luring\. Halaman ini disimpan pada .*\d"))
    page.get_by_role("button", name="Tandai selesai").click()
    expect(page.locator("[data-queued]")).to_contain_text("Ditandai selesai di perangkat ini")
    expect(page.locator("[data-offline-queue]")).to_have_text("1 data menunggu dikirim")
    expect(page.locator(f"[data-lesson-id='{seeded['lessons'][0]}']")).to_contain_text("✓")
    # A page never visited: the offline shell says so.
    page.goto("/webinars/")
    expect(page.locator("h1")).to_have_text("Sedang luring")

    network.on()
    page.goto(lesson_url)
    expect(page.locator("[data-offline-queue]")).to_be_hidden()
    count = sa.select(sa.func.count()).select_from(LessonCompletion)
    for _ in range(50):
        if live_scalar(count) == 1:
            break
        page.wait_for_timeout(100)
    assert live_scalar(count) == 1
