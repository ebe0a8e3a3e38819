"""The whole-agency export as a job, over HTTP: request -> progress page -> file, for the person
who asked only; the file expires."""

import re
from datetime import timedelta

import pytest

from lms.core.clock import utcnow
from lms.extensions import db
from lms.jobs import queue_of, services
from lms.jobs.models import Job, JobState
from tests import factories
from tests.reports.test_exports import hr_world, rows_of  # noqa: F401 - the fixture


@pytest.fixture(autouse=True)
def _empty_queue(app):
    queue_of(app).huey.flush()
    yield
    queue_of(app).huey.flush()


def test_export_journey(app, client, hr_world, login):  # noqa: F811
    queue_of(app).huey.flush()  # the seeding's notification mails (lms.notifications): not this test's
    agency = hr_world["agency"]
    response = client.post(f"/hr/{agency}/export/jp.csv/job?year=2026")
    assert response.status_code == 302
    status_url = response.headers["Location"]
    job_id = int(re.search(r"/jobs/(\d+)$", status_url).group(1))
    assert client.post(f"/hr/{agency}/export/jp.csv/job?year=2026").headers["Location"] == status_url

    page = client.get(status_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in html and "job-progress.js" in html
    assert 'value="0"' in html
    assert client.get(f"/jobs/{job_id}/file").status_code == 404  # not ready
    assert client.get(f"/jobs/{job_id}.json").json["state"] == "queued"

    assert queue_of(app).drain() == 1

    data = client.get(f"/jobs/{job_id}.json").json
    assert data["state"] == "done" and data["progress"] == 100
    assert data["file_url"] == f"/jobs/{job_id}/file"
    html = client.get(status_url).get_data(as_text=True)
    assert "http-equiv" not in html and f"/jobs/{job_id}/file" in html
    with client.get(f"/jobs/{job_id}/file") as download:
        assert download.status_code == 200
        assert "attachment" in download.headers["Content-Disposition"]
        rows = rows_of(download)
    assert rows[0][:2] == ["NIP", "Nama"]
    assert rows == rows_of(client.get(f"/hr/{agency}/export/jp.csv?year=2026"))  # as streamed

    # Only the person who asked sees the job and gets the file.
    with app.app_context():
        other = factories.user(factories.agency(code="LAIN"), roles=("admin",))
        db.session.commit()
    client.post("/logout")
    login(other)
    assert client.get(status_url).status_code == 404
    assert client.get(f"/jobs/{job_id}/file").status_code == 404


def test_expired_file_is_gone(app, client, hr_world):  # noqa: F811
    agency = hr_world["agency"]
    job_id = int(client.post(f"/hr/{agency}/export/heatmap.xlsx/job").headers["Location"].rsplit("/", 1)[1])
    queue_of(app).drain()
    with client.get(f"/jobs/{job_id}/file") as download:
        assert download.status_code == 200
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.state is JobState.DONE and job.result_name.endswith(".xlsx")
        assert services.delete_expired_files(utcnow() + timedelta(days=8)) == 1
        db.session.commit()
    assert client.get(f"/jobs/{job_id}/file").status_code == 404
    assert "kedaluwarsa" in client.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_export_job_needs_the_agency(app, client, hr_world):  # noqa: F811
    assert client.post("/hr/999999/export/jp.csv/job").status_code == 404
    assert client.post(f"/hr/{hr_world['agency']}/export/readiness.csv/job").status_code == 404
