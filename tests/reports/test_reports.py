"""HR analytics: JP compliance, gap heatmap, the 9-box levels, promotion readiness, and the derived
tables kept in step incrementally giving the same result as a rebuild from scratch."""

from datetime import date

import pytest
import sqlalchemy as sa

from lms.accounts import agencies as agency_services
from lms.accounts.models import Role
from lms.careers import appraisals, jp, positions, records, summaries
from lms.careers.models import (
    CareerSummary,
    JpTotal,
    Predikat,
    StaffCompetency,
    StaffGap,
    UnitCompetencyStat,
)
from lms.careers.summaries import PERF_LEVELS, fit_level, fit_percent
from lms.extensions import db
from lms.reports import compliance, dashboard, heatmap, readiness, talent, units
from tests import factories
from tests.careers.conftest import code, complete


def appraise(org, person, work, behaviour="meets", by=None):
    return appraisals.record_appraisal(
        person,
        appraisals.AppraisalData(2025, "annual", work, behaviour),
        by=by or org.head,
        today=date(2026, 1, 5),
    )


# ---------------------------------------------------------------- the 9-box axes


@pytest.mark.parametrize(
    ("fit", "level"), [(None, None), (0, 1), (69, 1), (70, 2), (89, 2), (90, 3), (100, 3)]
)
def test_fit_levels(fit, level):
    assert fit_level(fit) == level


def test_fit_percent_counts_each_competency_up_to_its_requirement():
    assert fit_percent(0, 0) is None
    assert fit_percent(5, 6) == 83 and fit_percent(6, 6) == 100


def test_performance_levels():
    assert PERF_LEVELS[Predikat.SANGAT_BAIK] == 3 and PERF_LEVELS[Predikat.BAIK] == 2
    assert {PERF_LEVELS[p] for p in (Predikat.BUTUH_PERBAIKAN, Predikat.KURANG, Predikat.SANGAT_KURANG)} == {
        1
    }


def test_box_numbers_follow_the_talent_guidance():
    # performance (1 below, 2 meets, 3 above) x fit (1 low, 2 medium, 3 high)
    assert talent.BOXES[(3, 3)] == 9 and talent.BOXES[(2, 3)] == 8 and talent.BOXES[(3, 2)] == 7
    assert talent.BOXES[(1, 3)] == 6 and talent.BOXES[(2, 2)] == 5 and talent.BOXES[(3, 1)] == 4
    assert talent.BOXES[(1, 2)] == 3 and talent.BOXES[(2, 1)] == 2 and talent.BOXES[(1, 1)] == 1


def test_ninebox_places_people_by_last_appraisal_and_fit(org, make_course):
    for person in (org.staff, org.junior, org.head):
        positions.assign_position(person, org.pertama, by=org.hr)  # requires KOM 2, INT 2, PB 2 (sum 6)
    complete(org.staff, make_course(competencies=[("KOM", 2), ("INT", 2), ("PB", 2)]))  # fit 100 -> high
    complete(
        org.junior, make_course(title="Kursus B", competencies=[("KOM", 2), ("INT", 2), ("PB", 1)])
    )  # 83 -> medium
    appraise(org, org.staff, "above", "above")  # Sangat Baik -> high
    appraise(org, org.junior, "meets", by=org.staff)  # Baik -> medium
    box = talent.ninebox(org.agency.id)
    assert box.count(3, 3) == 1 and box.count(2, 2) == 1
    assert box.unplaced == box.total - 2  # the head has no appraisal; HR and peer no position
    members, more = talent.box_members(org.agency.id, 3, 3)
    assert [m.user.id for m in members] == [org.staff.id] and not more
    assert members[0].fit == 100 and members[0].predikat is Predikat.SANGAT_BAIK
    rows = list(talent.ninebox_rows(org.agency.id))
    assert {row[-1] for row in rows} == {9, 5}
    complete(org.junior, make_course(title="Kursus C", jp=25))
    year = jp.current_year(org.staff)
    report, overview_box = dashboard.overview(org.agency.id, year, 20)  # the dashboard, in one query
    assert overview_box == box
    assert report.total == compliance.compliance(org.agency.id, year, 20).total
    assert (report.total.staff, report.total.under) == (box.total, box.total - 1)


# ---------------------------------------------------------------- compliance


def test_compliance_by_unit_with_sub_units_and_a_list_to_act_on(org, make_course):
    course = make_course(jp=12)
    complete(org.staff, course)
    year = jp.current_year(org.staff)
    jp.record_jp(
        org.staff,
        jp.JpRecordData("coaching", "Coaching", date(year, 1, 2), date(year, 1, 2), 8, evidence="ST 1"),
        by=org.hr,
    )
    complete(org.junior, course)
    report = compliance.compliance(org.agency.id, year, 20)
    rows = {row.unit.code: row for row in report.rows if row.unit}
    assert (rows["ORG"].own.staff, rows["ORG"].own.under) == (2, 1)  # staff has 20, junior 12
    assert (rows["SETDA"].total.staff, rows["SETDA"].total.under) == (4, 3)  # + HR and head, 0 JP
    assert report.total.staff == 5 and report.total.under == 4
    people, more = compliance.under_target(org.agency.id, year, 20)
    assert [p.user.id for p in people][-1] == org.junior.id and people[-1].jp == 12 and not more
    only_org, _ = compliance.under_target(org.agency.id, year, 20, unit_ids=[org.units.org.id])
    assert [p.user.id for p in only_org] == [org.junior.id]
    exported = list(compliance.under_target_rows(org.agency.id, year, 20))
    assert len(exported) == 4 and [row[4] for row in exported if row[1] == org.junior.name] == [12]


def test_inactive_people_are_not_counted(org):
    agency_services.update_staff(
        org.hr, org.peer, roles=[Role.LEARNER], unit_id=org.peer.unit_id, active=False
    )
    report = compliance.compliance(org.agency.id, 2026, 20)
    assert report.total.staff == 4


# ---------------------------------------------------------------- heatmap


def test_heatmap_moves_when_people_learn(org, make_course):
    for person in (org.staff, org.junior, org.peer):
        positions.assign_position(person, org.pertama, by=org.hr)
    heat = heatmap.heatmap(org.agency.id)
    assert [row.unit.code for row in heat.rows] == ["DINKES", "SETDA"]
    setda = next(row for row in heat.rows if row.unit.code == "SETDA")
    assert setda.has_children and setda.cells[code("KOM")].staff == 2 and setda.cells[code("KOM")].met == 0
    assert setda.cells[code("KOM")].heat == 4 and setda.cells[code("KOM")].gap_sum == 4
    complete(org.staff, make_course(competencies=[("KOM", 2)]))
    setda = next(row for row in heatmap.heatmap(org.agency.id).rows if row.unit.code == "SETDA")
    assert setda.cells[code("KOM")].met == 1 and setda.cells[code("KOM")].percent_met == 50
    drill = heatmap.heatmap(org.agency.id, org.units.setda.id)
    assert [row.unit.code for row in drill.rows] == ["ORG"] and drill.breadcrumbs == [org.units.setda]
    people, _ = heatmap.gap_people(
        org.agency.id, units.subtree_ids(org.agency.id, org.units.setda.id), code("KOM")
    )
    assert [(p.user.id, p.required, p.level) for p in people] == [(org.junior.id, 2, 0)]
    cells = list(heatmap.heatmap_rows(org.agency.id))
    assert ["ORG", "Bagian Organisasi", "KOM", "Komunikasi", 2, 1, 1, 1.0] in cells


def test_requirement_changes_move_every_holder(org):
    positions.assign_position(org.staff, org.pertama, by=org.hr)
    positions.assign_position(org.peer, org.pertama, by=org.hr)
    positions.set_requirements(org.pertama, {code("KOM"): 2, code("MP"): 1})
    heat = heatmap.heatmap(org.agency.id)
    assert {c.code for c in heat.competencies} == {"KOM", "MP"}
    assert db.session.get(CareerSummary, org.peer.id).requirements == 2


def test_moving_a_person_to_another_unit_moves_their_cells(org):
    positions.assign_position(org.staff, org.pertama, by=org.hr)
    agency_services.update_staff(
        org.hr, org.staff, roles=[Role.LEARNER], unit_id=org.units.pkm.id, active=True
    )
    db.session.flush()
    heat = {row.unit.code: row for row in heatmap.heatmap(org.agency.id).rows}
    assert heat["DINKES"].cells[code("KOM")].staff == 1
    assert code("KOM") not in heat["SETDA"].cells or heat["SETDA"].cells[code("KOM")].staff == 0


# ---------------------------------------------------------------- promotion readiness


def test_readiness_ranks_the_feeders_and_the_aspirants_by_fit(org, make_course):
    positions.assign_position(org.staff, org.pertama, by=org.hr)
    positions.assign_position(org.junior, org.pertama, by=org.hr)
    positions.assign_position(org.head, org.muda, by=org.hr)  # a holder is no candidate
    positions.choose_target(org.peer, org.muda, by=org.peer)  # an aspirant without a feeder position is
    complete(org.junior, make_course(competencies=[("KOM", 3), ("INT", 3)]))
    records.record_assessment(
        org.staff, records.AssessmentData(code("PK"), 2, date(2025, 6, 1), "AC 55"), by=org.hr
    )
    candidates, pool = readiness.readiness(org.muda, 2026)
    assert pool == 3
    assert [c.user.id for c in candidates] == [org.junior.id, org.staff.id, org.peer.id]
    assert candidates[2].fit == 0 and candidates[2].met == 0  # none of the required competencies
    top, pool = readiness.readiness(org.muda, 2026, limit=2)
    assert [c.user.id for c in top] == [org.junior.id, org.staff.id] and pool == 3
    only_peer, _ = readiness.readiness(org.muda, 2026, limit=3)
    assert only_peer[2].user.id == org.peer.id
    junior = candidates[0]
    assert (junior.met, junior.requirements, junior.fit) == (2, 4, 54)  # (3+3+0+0)/11
    evidence = {e.competency.code: e for e in junior.evidence}
    assert evidence["KOM"].level == 3 and evidence["KOM"].source == "Kursus" and evidence["PB"].level == 0
    staff = {e.competency.code: e for e in candidates[1].evidence}
    assert staff["PK"].detail.startswith("AC 55")
    rows = list(readiness.readiness_rows(org.muda, 2026))
    assert rows[0][0] == 1 and rows[0][2] == org.junior.name and "PB 0/3" in rows[0][9]


# ---------------------------------------------------------------- incremental == rebuild


def snapshot(agency_id):
    def rows(query):
        return sorted(tuple(r) for r in db.session.execute(query))

    users = sa.select(factories.services.User.id).where(factories.services.User.agency_id == agency_id)
    return {
        "levels": rows(
            sa.select(StaffCompetency.user_id, StaffCompetency.competency_id, StaffCompetency.level).where(
                StaffCompetency.user_id.in_(users)
            )
        ),
        "jp": rows(
            sa.select(JpTotal.user_id, JpTotal.year, JpTotal.jp).where(
                JpTotal.user_id.in_(users), JpTotal.jp != 0
            )
        ),
        "gaps": rows(
            sa.select(
                StaffGap.user_id, StaffGap.competency_id, StaffGap.unit_id, StaffGap.required, StaffGap.level
            ).where(StaffGap.agency_id == agency_id)
        ),
        "cells": rows(
            sa.select(
                UnitCompetencyStat.unit_id,
                UnitCompetencyStat.competency_id,
                UnitCompetencyStat.staff,
                UnitCompetencyStat.met,
                UnitCompetencyStat.gap_sum,
            ).where(
                UnitCompetencyStat.agency_id == agency_id,
                sa.or_(UnitCompetencyStat.staff != 0, UnitCompetencyStat.gap_sum != 0),
            )
        ),
        "summaries": rows(
            sa.select(
                CareerSummary.user_id,
                CareerSummary.position_id,
                CareerSummary.requirements,
                CareerSummary.met,
                CareerSummary.required_sum,
                CareerSummary.level_sum,
                CareerSummary.fit,
                CareerSummary.fit_level,
                CareerSummary.predikat,
                CareerSummary.perf_level,
                CareerSummary.appraisal_end,
            ).where(CareerSummary.user_id.in_(users), CareerSummary.position_id.is_not(None))
        ),
    }


def test_incremental_upkeep_equals_a_rebuild(org, make_course):
    course = make_course(jp=7, competencies=[("KOM", 3), ("PB", 2)])
    for person in (org.staff, org.junior, org.peer, org.head):
        positions.assign_position(person, org.pertama, by=org.hr)
    complete(org.staff, course)
    complete(org.peer, course)
    record = records.record_assessment(
        org.junior, records.AssessmentData(code("INT"), 4, date(2025, 2, 1), "AC 8"), by=org.hr
    )
    positions.set_requirements(org.pertama, {code("KOM"): 3, code("INT"): 2, code("PB"): 3})
    positions.assign_position(org.head, org.muda, by=org.hr)
    appraise(org, org.staff, "above", "above")
    appraise(org, org.junior, "below", by=org.staff)
    records.revoke_record(record, by=org.hr, reason="Ulang asesmen")
    agency_services.update_staff(
        org.hr, org.peer, roles=[Role.LEARNER], unit_id=org.units.org.id, active=True
    )
    agency_services.update_staff(
        org.hr, org.junior, roles=[Role.LEARNER], unit_id=org.units.org.id, active=False
    )
    positions.assign_position(org.staff, None, by=org.hr)
    db.session.flush()
    incremental = snapshot(org.agency.id)
    summaries.rebuild(db.session, org.agency.id)
    assert snapshot(org.agency.id) == incremental
    assert incremental["cells"] and incremental["gaps"] and incremental["jp"]


def test_done_when_a_course_completion_shows_everywhere(org, make_course):
    """An employee completes a course: their level rises, the gap to their target shrinks, the JP
    bar moves; HR of the agency sees the heatmap and the 9-box change."""
    from lms.careers.profile import career_profile

    positions.assign_position(org.staff, org.pertama, by=org.hr)
    positions.choose_target(org.staff, org.muda, by=org.staff)
    records.record_assessment(
        org.staff, records.AssessmentData(code("INT"), 2, date(2025, 1, 1), "AC 9"), by=org.hr
    )
    appraise(org, org.staff, "meets")
    before = career_profile(org.staff)
    box_before = talent.ninebox(org.agency.id)
    heat_before = {r.unit.code: r for r in heatmap.heatmap(org.agency.id).rows}["SETDA"].cells[code("KOM")]
    complete(org.staff, make_course(jp=9, competencies=[("KOM", 3), ("PB", 2)]))
    after = career_profile(org.staff)
    assert after.levels[code("KOM")] == 3 > before.levels.get(code("KOM"), 0)
    assert after.target_gap_count < before.target_gap_count
    assert after.jp.total == before.jp.total + 9
    heat_after = {r.unit.code: r for r in heatmap.heatmap(org.agency.id).rows}["SETDA"].cells[code("KOM")]
    assert heat_after.met == heat_before.met + 1
    box_after = talent.ninebox(org.agency.id)
    assert box_before.count(2, 1) == 1 and box_after.count(2, 3) == 1  # fit 33% -> 100%: box 2 -> box 8
