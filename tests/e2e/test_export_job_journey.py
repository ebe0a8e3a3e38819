"""Done when, in the browser: HR asks for a whole-agency export in the background, watches the
progress page (its small script follows the job without a reload), and downloads the file."""

import re

import pytest
from playwright.sync_api import expect

from lms.accounts.models import Role
from lms.extensions import db, limiter
from lms.jobs import queue_of
from tests import factories
from tests.e2e.steps import log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def hr(live_app):
    limiter.reset()
    queue_of(live_app).huey.flush()
    with live_app.test_request_context():
        agency = factories.agency(code="EKSPOR", name="Badan Ekspor Peramban")
        person = factories.user(agency, roles=(Role.AGENCY_ADMIN, Role.LEARNER), email="sdm@ekspor.go.id")
        factories.user(agency, name="Sari Lestari")
        db.session.commit()
        return {"agency": agency.id, "email": person.email}


def test_background_export_progress_and_download(contexts, live_app, hr):
    page = contexts.new(accept_downloads=True).new_page()
    assert log_in(page, hr["email"]).status == 302
    page.goto(f"/hr/{hr['agency']}/jp")
    page.get_by_role("button", name="Siapkan XLSX di latar belakang (untuk data besar)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Pekerjaan #\d+"))
    expect(page.locator("[data-job-state]")).to_have_text("Menunggu")
    expect(page.locator("progress")).to_have_attribute("value", "0")
    # The script took over from the meta refresh.
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)  # once the deferred script ran

    assert queue_of(live_app).drain() == 1  # the worker runs the job

    link = page.get_by_role("link", name="Unduh")
    expect(link).to_be_visible(timeout=10_000)  # the script saw "done" and showed the final page
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert download.value.path().read_bytes()[:2] == b"PK"
