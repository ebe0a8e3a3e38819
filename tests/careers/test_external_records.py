"""Learning elsewhere, approved by HR, becomes the learner's competency records (source
`external`), which the profile, the gaps and HR's analytics count like a course's; revoking the
approval revokes them with their own cause."""

from datetime import date

import pytest
import sqlalchemy as sa

from lms.accounts.audit import history_of_entity
from lms.careers import awards, external, jp, positions, records, summaries
from lms.careers.errors import CareerError
from lms.careers.models import CompetencyRecord, RecordSource, RevokeCause
from lms.careers.profile import career_profile
from lms.extensions import db
from tests.careers.conftest import code, complete
from tests.careers.test_external import TODAY, data, pdf_upload
from tests.reports.test_reports import snapshot


def records_of_item(item) -> list[CompetencyRecord]:
    return list(
        db.session.scalars(
            sa.select(CompetencyRecord)
            .where(CompetencyRecord.source == RecordSource.EXTERNAL, CompetencyRecord.source_id == item.id)
            .order_by(CompetencyRecord.competency_id)
        )
    )


def claimed(**over):
    values = {"certificate_number": "LKPP-2026-0042", "competencies": [(code("PB"), 3), (code("KOM"), 2)]}
    return data(**(values | over))


def test_approval_records_each_claimed_competency_at_its_level(org):
    positions.assign_position(org.staff, org.pertama, by=org.hr)
    item = external.report(org.staff, claimed(), today=TODAY)
    assert records_of_item(item) == [] and records.levels_of(org.staff.id) == {}  # nothing while it waits

    external.approve(item, by=org.hr)
    found = records_of_item(item)
    assert sorted((r.competency.code, r.level) for r in found) == [("KOM", 2), ("PB", 3)]
    for record in found:
        assert record.user_id == org.staff.id and record.is_active
        assert record.achieved_on == item.ended_on == date(2026, 5, 6)
        assert record.recorded_by_id == org.hr.id
        assert record.evidence == (
            f"Laporan pegawai No. {item.id}: Pelatihan Pengadaan Barang/Jasa (LKPP), "
            "sertifikat No. LKPP-2026-0042"
        )
        actions = [(e.action, e.actor_id) for e in history_of_entity("competency_record", record.id)]
        assert actions == [("create", org.hr.id)]
    # Counted everywhere a course record is: the levels, the maintained table, the gaps.
    assert records.levels_of(org.staff.id) == {code("PB"): 3, code("KOM"): 2}
    assert records.cached_levels(org.staff.id) == {code("PB"): 3, code("KOM"): 2}
    profile = career_profile(org.staff)
    own = {r.competency.code: (r.own, r.gap) for r in profile.current}
    assert own["PB"] == (3, 0) and own["KOM"] == (2, 0) and own["INT"] == (0, 2)
    assert {r.source for r in profile.records} == {RecordSource.EXTERNAL}
    incremental = snapshot(org.agency.id)
    summaries.rebuild(db.session, org.agency.id)
    assert snapshot(org.agency.id) == incremental


def test_evidence_names_the_file_when_there_is_no_certificate_number(org):
    item = external.report(org.staff, claimed(certificate_number=""), pdf_upload("surat.pdf"), today=TODAY)
    external.approve(item, by=org.hr)
    assert {r.evidence for r in records_of_item(item)} == {
        f"Laporan pegawai No. {item.id}: Pelatihan Pengadaan Barang/Jasa (LKPP), berkas surat.pdf"
    }


def test_a_report_without_competencies_records_none(org):
    item = external.report(org.staff, claimed(competencies=[]), today=TODAY)
    external.approve(item, by=org.hr)
    assert records_of_item(item) == [] and jp.jp_year(org.staff, 2026).total == 24


def test_approving_twice_records_each_competency_once(org):
    item = external.report(org.staff, claimed(), today=TODAY)
    external.approve(item, by=org.hr)
    with pytest.raises(CareerError, match="sudah berubah"):
        external.approve(item, by=org.hr)
    assert len(records_of_item(item)) == 2
    # following the same approved report again (any later event) changes nothing either
    assert awards.follow(RecordSource.EXTERNAL, [item.id]) == []
    assert len(records_of_item(item)) == 2


def test_a_higher_level_held_already_stays_the_level(org, make_course):
    complete(org.staff, make_course(competencies=[("PB", 4)]))
    item = external.report(org.staff, claimed(), today=TODAY)
    external.approve(item, by=org.hr)
    # Both records are kept as evidence; the level is the highest active one (levels_of).
    assert {r.competency.code: r.level for r in records_of_item(item)} == {"PB": 3, "KOM": 2}
    assert records.levels_of(org.staff.id) == {code("PB"): 4, code("KOM"): 2}
    assert records.cached_levels(org.staff.id) == {code("PB"): 4, code("KOM"): 2}
    external.revoke(item, "Sertifikat ternyata palsu.", by=org.hr)
    assert records.levels_of(org.staff.id) == {code("PB"): 4}
    assert records.cached_levels(org.staff.id) == {code("PB"): 4}


def test_revoking_the_approval_revokes_its_records_with_its_cause(org):
    positions.assign_position(org.staff, org.pertama, by=org.hr)
    item = external.report(org.staff, claimed(), today=TODAY)
    external.approve(item, by=org.hr)
    external.revoke(item, "Sertifikat ternyata milik pegawai lain.", by=org.hr)
    found = records_of_item(item)
    assert len(found) == 2
    assert all(r.revoked_at is not None and r.revoked_cause is RevokeCause.EXTERNAL for r in found)
    assert RevokeCause.EXTERNAL.label == "pelatihan di luar platform dicabut"
    assert records.levels_of(org.staff.id) == {} and records.cached_levels(org.staff.id) == {}
    assert {r.competency.code for r in career_profile(org.staff).revoked} == {"PB", "KOM"}
    for record in found:
        actions = [(e.action, e.actor_id) for e in history_of_entity("competency_record", record.id)]
        assert sorted(actions) == [("create", org.hr.id), ("revoke", org.hr.id)]
    incremental = snapshot(org.agency.id)
    summaries.rebuild(db.session, org.agency.id)
    assert snapshot(org.agency.id) == incremental


def test_deleting_the_jp_record_revokes_the_records_too(org):
    item = external.report(org.staff, claimed(), today=TODAY)
    external.approve(item, by=org.hr)
    jp.delete_jp_record(item.jp_record, by=org.hr)
    assert {r.revoked_cause for r in records_of_item(item)} == {RevokeCause.EXTERNAL}
    assert records.levels_of(org.staff.id) == {}


def test_a_record_hr_withdrew_by_hand_stays_withdrawn(org):
    item = external.report(org.staff, claimed(), today=TODAY)
    external.approve(item, by=org.hr)
    pb = next(r for r in records_of_item(item) if r.competency_id == code("PB"))
    records.revoke_record(pb, by=org.hr, reason="Level PB terlalu tinggi")
    external.revoke(item, "Sertifikat ternyata palsu.", by=org.hr)
    causes = {r.competency.code: r.revoked_cause for r in records_of_item(item)}
    assert causes == {"PB": RevokeCause.HR, "KOM": RevokeCause.EXTERNAL}


def test_returned_or_withdrawn_reports_record_nothing(org):
    returned = external.report(org.staff, claimed(), today=TODAY)
    external.send_back(returned, "Tanggalnya berbeda dengan sertifikat.", by=org.hr)
    withdrawn = external.report(org.staff, claimed(certificate_number="X-2"), today=TODAY)
    external.withdraw(withdrawn, by=org.staff)
    assert records_of_item(returned) == records_of_item(withdrawn) == []
    assert records.levels_of(org.staff.id) == {}
