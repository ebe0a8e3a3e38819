"""The admins' jobs page: states, the failure reason, the filter, the retry button."""

import pytest

from lms.accounts.models import Role
from lms.extensions import db
from lms.jobs import enqueue, queue_of, services
from lms.jobs.models import Job, JobState
from tests.jobs.test_services import CALLS  # noqa: F401 - declares the test.record job


@pytest.fixture
def jobs_world(app, make_user):
    queue_of(app).huey.flush()
    admin = make_user(roles=(Role.ADMIN,))
    with app.app_context():
        ok = enqueue("test.record", {"value": 1}, by=admin)
        bad = enqueue("test.record", {"value": 2, "domain": True}, by=admin)
        waiting = enqueue("test.record", {"value": 3}, by=admin)
        db.session.commit()
        services.run(ok.id)
        services.run(bad.id)
        ids = ok.id, bad.id, waiting.id
    yield admin, ids
    queue_of(app).huey.flush()


def test_admin_sees_states_reasons_and_filters(client, login, jobs_world):
    admin, (ok, bad, waiting) = jobs_world
    login(admin)
    html = client.get("/admin/jobs").get_data(as_text=True)
    assert "Pekerjaan latar belakang" in html
    assert "Selesai" in html and "Gagal" in html and "Menunggu" in html
    assert "DomainError: bad input" in html
    assert html.count(">Ulangi</button>") == 1  # only the failed one
    assert f"<td>{admin.name}</td>" in html  # who asked
    failed = client.get("/admin/jobs?state=failed").get_data(as_text=True)
    assert f"<td>{bad}</td>" in failed and f"<td>{ok}</td>" not in failed
    assert f"<td>{waiting}</td>" in client.get("/admin/jobs?state=queued").get_data(as_text=True)
    assert client.get("/admin/jobs?state=nonsense").status_code == 200  # all, no error


def test_retry_button_queues_the_failed_job_again(app, client, login, jobs_world):
    admin, (ok, bad, _waiting) = jobs_world
    login(admin)
    response = client.post(f"/admin/jobs/{bad}/retry", follow_redirects=True)
    assert "dijadwalkan ulang" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Job, bad).state is JobState.QUEUED
    refused = client.post(f"/admin/jobs/{ok}/retry", follow_redirects=True)
    assert "Hanya pekerjaan yang gagal" in refused.get_data(as_text=True)


def test_the_page_in_english(client, login, jobs_world):
    admin, _ids = jobs_world
    login(admin)
    client.post("/language", data={"lang": "en"})
    html = client.get("/admin/jobs").get_data(as_text=True)
    assert "Background jobs" in html and "Failed" in html and "Retry" in html
