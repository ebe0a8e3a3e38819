"""Done when, on a 360 px phone: a learner assigned a course sees the bell's count (no script
needed), opens the notifications page, opens the notice (marked read, the bell empties), and
the mail went out once through the job queue."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lms.accounts.models import Role, User
from lms.core.clock import utcnow
from lms.courses import learning
from lms.courses.models import Course
from lms.extensions import db, limiter
from lms.jobs import queue_of
from tests import factories
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.steps import PHONE, log_in

SCREENSHOTS = ARTIFACTS / "screenshots"

pytestmark = pytest.mark.e2e


@pytest.fixture
def assigned(live_app):
    limiter.reset()
    queue_of(live_app).huey.flush()
    live_app.extensions["mail_outbox"] = []
    with live_app.test_request_context():
        agency = factories.agency(code="BELL", name="Badan Lonceng")
        hr = factories.user(agency, roles=(Role.AGENCY_ADMIN,), name="Petugas SDM")
        trainer = factories.user(agency, roles=(Role.TRAINER,))
        learner = factories.user(agency, name="Ani Lonceng", email="ani@lonceng.go.id")
        course = factories.course(by=trainer, title="Pelayanan Publik", modules=1, lessons=1)
        db.session.commit()
        due = utcnow().date() + timedelta(days=14)
        for _twice in range(2):  # the same assignment again notifies nobody again
            learning.assign_to_unit(
                db.session.get(Course, course.id), agency.units[0], due, by=db.session.get(User, hr.id)
            )
            db.session.commit()
        return {"email": learner.email, "slug": course.slug}


def test_the_bell_and_the_notifications_page_on_a_phone(contexts, live_app, assigned):
    assert queue_of(live_app).drain() == 1  # one mail job for the unit's batch
    # one mail each: the unit has HR, the trainer, the learner
    assert len(live_app.extensions["mail_outbox"]) == 3
    mails = [m for m in live_app.extensions["mail_outbox"] if m["To"] == assigned["email"]]
    assert len(mails) == 1 and mails[0]["Subject"] == "Kursus ditugaskan: Pelayanan Publik"

    page = contexts.new(**PHONE, java_script_enabled=False).new_page()
    assert log_in(page, assigned["email"]).status == 302
    bell = page.get_by_role("link", name="Pemberitahuan, 1 belum dibaca")
    expect(bell).to_be_visible()
    expect(bell).to_contain_text("1")
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pemberitahuan")
    expect(page.get_by_text("Kursus ditugaskan: Pelayanan Publik")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "learner-notifications-360.png", full_page=True)

    page.get_by_role("button", name="Buka").click()
    expect(page).to_have_url(re.compile(rf"/courses/{assigned['slug']}$"))
    expect(page.get_by_role("link", name="Pemberitahuan, tidak ada yang baru")).to_be_visible()
    page.goto("/notifications/")
    expect(page.get_by_role("button", name="Buka")).to_have_count(0)
    expect(page.get_by_role("link", name="Buka")).to_have_count(1)
    page.get_by_role("link", name="Atur pemberitahuan lewat surel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pemberitahuan lewat surel")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
