"""Bulk issuance as a job: issues what is missing, with progress; a second run issues nothing."""

import sqlalchemy as sa

from lms.certificates import jobs, services, signing
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.jobs import enqueue, queue_of
from lms.jobs.models import JobState
from tests.certificates.conftest import certificate_of, complete
from tests.certificates.test_services import BASE, world  # noqa: F401 - the fixture


def test_issue_missing_job_issues_once(world, monkeypatch):  # noqa: F811
    def broken(award):
        raise signing.SigningKeyError("keys unreadable")

    monkeypatch.setattr(services, "issue", broken)
    enrolment = complete(world.learner, world.course)
    monkeypatch.undo()
    assert certificate_of(enrolment) is None
    queue_of().huey.flush()
    # ours, and the completions without a certificate other tests may have committed
    missing = db.session.scalar(sa.select(sa.func.count()).select_from(services.missing_query().subquery()))

    first = enqueue(jobs.ISSUE_MISSING, {"base_url": BASE}, by=world.trainer, key=jobs.ISSUE_MISSING)
    assert enqueue(jobs.ISSUE_MISSING, {"base_url": BASE}, key=jobs.ISSUE_MISSING).id == first.id
    db.session.commit()
    queue_of().drain()
    db.session.refresh(first)
    assert first.state is JobState.DONE and first.progress == 100
    assert first.message == f"{missing} sertifikat diterbitkan"
    assert certificate_of(enrolment) is not None

    second = enqueue(jobs.ISSUE_MISSING, {"base_url": BASE}, key=jobs.ISSUE_MISSING)
    db.session.commit()
    queue_of().drain()
    db.session.refresh(second)
    assert second.state is JobState.DONE and second.message == "0 sertifikat diterbitkan"
    mine = sa.select(sa.func.count()).select_from(Certificate).where(Certificate.user_id == world.learner.id)
    assert db.session.scalar(mine) == 1
