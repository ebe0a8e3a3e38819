"""Two HR officers approving one report at the same moment make one JP record and one competency
record per claimed competency: real sessions on PostgreSQL, both past their reads before either
writes."""

from datetime import date

import pytest
import sqlalchemy as sa

from lms.accounts.models import Agency, AuditEntry, Role, User
from lms.careers import external
from lms.careers.errors import CareerError
from lms.careers.models import CompetencyRecord, ExternalLearning, ExternalStatus, JpRecord, RecordSource
from lms.careers.records import cached_levels
from lms.careers.summaries import jp_total
from lms.competencies.services import competency_by_code
from lms.extensions import db
from lms.jobs.models import Job
from tests import factories
from tests.races import at_once

pytestmark = pytest.mark.postgres


@pytest.fixture
def committed(app):
    with app.test_request_context():
        jobs_before = db.session.scalar(sa.select(sa.func.max(Job.id))) or 0  # the mails it queues go too
        agency = factories.agency(code="RACE-EL", name="Instansi Balapan")
        officers = [factories.user(agency, roles=(Role.AGENCY_ADMIN,), name=f"SDM {n}") for n in (1, 2)]
        learner = factories.user(agency, name="Pelapor")
        item = external.report(
            learner,
            external.ExternalData(
                kind="classroom",
                title="Diklat Kepemimpinan",
                organizer="LAN",
                started_on=date(2026, 2, 2),
                ended_on=date(2026, 2, 6),
                jp=40,
                certificate_number="LAN-2026-1",
                competencies=[(competency_by_code("KOM").id, 3), (competency_by_code("PB").id, 2)],
            ),
            today=date(2026, 3, 1),
        )
        db.session.commit()
        ids = {"agency": agency.id, "users": [*(o.id for o in officers), learner.id], "item": item.id}
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(Job).where(Job.id > jobs_before))
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.subject_id.in_(ids["users"])))
        db.session.execute(sa.delete(User).where(User.id.in_(ids["users"])))
        db.session.execute(sa.delete(Agency).where(Agency.id == ids["agency"]))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_two_approvals_at_once_make_one_jp_record(app, committed):
    def approve_as(officer_id):
        # Both officers have loaded the report as waiting: they meet where each claims it.
        item = db.session.get(ExternalLearning, committed["item"])
        assert item.status is ExternalStatus.PENDING
        external.approve(item, by=db.session.get(User, officer_id))
        return officer_id

    first, second = committed["users"][:2]
    approved, failed = at_once(
        app, "UPDATE EXTERNAL_LEARNING", lambda: approve_as(first), lambda: approve_as(second)
    )
    errors = [exc for exc in failed if not isinstance(exc, CareerError)]
    refused = [exc for exc in failed if isinstance(exc, CareerError)]
    assert not errors, errors
    assert len(approved) == 1 and len(refused) == 1
    with app.app_context():
        learner_id = committed["users"][2]
        records = db.session.scalars(sa.select(JpRecord).where(JpRecord.user_id == learner_id)).all()
        assert len(records) == 1 and records[0].recorded_by_id == approved[0]
        assert db.session.get(ExternalLearning, committed["item"]).jp_record_id == records[0].id
        assert jp_total(db.session, learner_id, 2026) == 40
        earned = db.session.execute(
            sa.select(CompetencyRecord.competency_id, CompetencyRecord.level, CompetencyRecord.recorded_by_id)
            .where(
                CompetencyRecord.user_id == learner_id,
                CompetencyRecord.source == RecordSource.EXTERNAL,
                CompetencyRecord.source_id == committed["item"],
            )
            .order_by(CompetencyRecord.level)
        ).all()
        kom, pb = competency_by_code("KOM").id, competency_by_code("PB").id
        assert [tuple(row) for row in earned] == [(pb, 2, approved[0]), (kom, 3, approved[0])]
        assert cached_levels(learner_id) == {kom: 3, pb: 2}
