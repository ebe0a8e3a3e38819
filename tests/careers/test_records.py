"""Competency records: from completed courses, from HR assessments; levels; the audit log."""

from datetime import date

import pytest
import sqlalchemy as sa

from lms.accounts import audit
from lms.accounts.models import AuditEntry
from lms.careers import records, summaries
from lms.careers.errors import CareerError, CareerPermissionDenied
from lms.careers.models import CompetencyRecord, RecordSource, StaffCompetency
from lms.courses import learning
from lms.extensions import db
from tests import factories
from tests.careers.conftest import code, complete


def test_completing_a_course_awards_its_competencies_once(org, make_course):
    course = make_course(competencies=[("KOM", 3), ("INT", 2)])
    complete(org.staff, course)
    rows = db.session.scalars(
        sa.select(CompetencyRecord).where(CompetencyRecord.user_id == org.staff.id)
    ).all()
    assert {(r.competency.code, r.level, r.source) for r in rows} == {
        ("KOM", 3, RecordSource.COURSE),
        ("INT", 2, RecordSource.COURSE),
    }
    enrolment = learning.enrolment_for(org.staff, course)
    assert {r.source_id for r in rows} == {enrolment.id}
    assert all(r.achieved_on == date.today() or (date.today() - r.achieved_on).days <= 1 for r in rows)
    # a second award of the same enrolment (e.g. the signal sent again) changes nothing
    assert records.award_course(enrolment) == []
    assert records.levels_of(org.staff.id) == {code("KOM"): 3, code("INT"): 2}
    # the analytics table follows
    assert records.cached_levels(org.staff.id) == {code("KOM"): 3, code("INT"): 2}
    entries = audit.history_of(org.staff.id)
    assert {(e.entity, e.action, e.actor_id) for e in entries} == {("competency_record", "create", None)}
    assert {e.after["level"] for e in entries} == {3, 2}


def test_level_is_the_highest_active_evidence(org, make_course):
    complete(org.staff, make_course(competencies=[("KOM", 2)]))
    record = records.record_assessment(
        org.staff,
        records.AssessmentData(code("KOM"), 4, date(2025, 3, 1), "Laporan AC No. 12/2025"),
        by=org.hr,
    )
    complete(org.staff, make_course(title="Lagi", competencies=[("KOM", 3)]))
    assert records.levels_of(org.staff.id)[code("KOM")] == 4
    records.revoke_record(record, by=org.hr, reason="Salah orang")
    assert records.levels_of(org.staff.id)[code("KOM")] == 3
    assert records.cached_levels(org.staff.id)[code("KOM")] == 3
    assert record in records.records_of(org.staff.id, include_revoked=True)
    assert record not in records.records_of(org.staff.id)


def test_every_change_is_audited_with_before_and_after(org):
    data = records.AssessmentData(code("PK"), 2, date(2025, 1, 10), "Assessment center BKN No. 7")
    record = records.record_assessment(org.staff, data, by=org.hr)
    records.update_assessment(
        record,
        records.AssessmentData(code("PK"), 3, date(2025, 1, 10), "Assessment center BKN No. 7 (koreksi)"),
        by=org.hr,
    )
    records.revoke_record(record, by=org.hr, reason="Dokumen tidak sah")
    entries = audit.history_of_entity("competency_record", record.id)
    assert [e.action for e in entries] == ["create", "update", "revoke"]
    assert all(e.actor_id == org.hr.id and e.subject_id == org.staff.id and e.at is not None for e in entries)
    create, update, revoke = entries
    assert create.before is None and create.after["level"] == 2
    assert update.before["level"] == 2 and update.after["level"] == 3
    assert update.after["evidence"].endswith("(koreksi)")
    assert revoke.before["revoked_at"] is None and revoke.after["revoked_at"] is not None
    assert revoke.after["reason"] == "Dokumen tidak sah"
    # revoking twice changes nothing and logs nothing
    records.revoke_record(record, by=org.hr, reason="lagi")
    assert len(audit.history_of_entity("competency_record", record.id)) == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"competency_id": None}, "competency_id"),
        ({"level": 0}, "level"),
        ({"level": 6}, "level"),
        ({"achieved_on": None}, "achieved_on"),
        ({"achieved_on": date(2999, 1, 1)}, "achieved_on"),
        ({"evidence": " "}, "evidence"),
    ],
)
def test_bad_assessments_are_refused(org, change, field):
    values = {"competency_id": code("KOM"), "level": 3, "achieved_on": date(2025, 1, 1), "evidence": "AC 1"}
    with pytest.raises(CareerError) as info:
        records.record_assessment(org.staff, records.AssessmentData(**(values | change)), by=org.hr)
    assert info.value.field == field
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CompetencyRecord)
            .where(CompetencyRecord.user_id == org.staff.id)
        )
        == 0
    )


def test_only_hr_of_the_agency_records_assessments(org):
    other = factories.agency(code="LAIN")
    other_hr = factories.user(other, roles=(factories.Role.AGENCY_ADMIN,))
    data = records.AssessmentData(code("KOM"), 3, date(2025, 1, 1), "AC 1")
    for actor in (org.head, org.staff, other_hr):
        with pytest.raises(CareerPermissionDenied):
            records.record_assessment(org.staff, data, by=actor)
    # another agency's technical competency cannot be recorded here
    from lms.competencies import services
    from lms.competencies.models import CompetencyType

    foreign = services.create_competency(
        "LAIN-T1", "Teknis Lain", CompetencyType.TECHNICAL, {n: "x" for n in range(1, 6)}, agency_id=other.id
    )
    with pytest.raises(CareerError):
        records.record_assessment(
            org.staff, records.AssessmentData(foreign.id, 3, date(2025, 1, 1), "AC 1"), by=org.hr
        )


def test_course_records_can_be_revoked_not_edited(org, make_course):
    complete(org.staff, make_course(competencies=[("KOM", 2)]))
    record = records.records_of(org.staff.id)[0]
    with pytest.raises(CareerError):
        records.update_assessment(
            record, records.AssessmentData(code("KOM"), 5, date(2025, 1, 1), "x" * 5), by=org.hr
        )
    records.revoke_record(record, by=org.hr, reason="Kursus diulang")
    assert code("KOM") not in records.levels_of(org.staff.id)
    assert db.session.get(StaffCompetency, (org.staff.id, code("KOM"))) is None


def test_audit_entries_outlive_nothing_but_are_never_rewritten(org):
    record = records.record_assessment(
        org.staff, records.AssessmentData(code("KOM"), 2, date(2025, 1, 1), "AC 1"), by=org.hr
    )
    count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    summaries.rebuild(db.session, org.agency.id)  # a rebuild recomputes analytics, not history
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == count
    assert audit.history_of(org.staff.id)[0].entity_id == record.id
