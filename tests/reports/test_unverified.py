"""Unverified (self-registered) accounts learn, but are absent from HR analytics and the SIASN
export until their identity is confirmed; then their records count (issue 12, finding 1)."""

import pytest

from lms.accounts import identity, services
from lms.accounts.models import utcnow
from lms.careers import jp, positions
from lms.extensions import db
from lms.reports import compliance, heatmap, readiness, talent, training_history
from tests import factories
from tests.careers.conftest import code, complete


@pytest.fixture
def squatter(org):
    """Someone who registered with a NIP that is not theirs, in the agency's Puskesmas."""
    user = services.register(
        services.NewUser(
            nip=factories.unique_nip(),
            name="Pendaftar Belum Diverifikasi",
            email="belum.verifikasi@contoh.id",
            unit_id=org.units.pkm.id,
            password=factories.PASSWORD,
        ),
        at=utcnow(),
    )
    user.email_confirmed_at = utcnow()
    db.session.flush()
    return user


def confirm(org, person):
    identity.confirm_identity(person, by=org.hr, at=utcnow())
    db.session.flush()


def test_jp_compliance_counts_only_verified_people_and_records_follow_confirmation(
    org, squatter, make_course
):
    complete(squatter, make_course(jp=25))  # learning works while unverified
    year = jp.current_year(squatter)
    report = compliance.compliance(org.agency.id, year, 20)
    assert report.total.staff == 5  # HR, head, staff, junior, peer: not the registrant
    people, _ = compliance.under_target(org.agency.id, year, 20)
    assert squatter.id not in {p.user.id for p in people}
    assert squatter.name not in {row[1] for row in compliance.under_target_rows(org.agency.id, year, 20)}

    confirm(org, squatter)
    report = compliance.compliance(org.agency.id, year, 20)
    assert report.total.staff == 6 and report.total.under == 5  # their 25 JP count now


def test_heatmap_ninebox_and_readiness_leave_unverified_people_out(org, squatter, make_course):
    for person in (org.peer, squatter):
        positions.assign_position(person, org.pertama, by=org.hr)
    complete(squatter, make_course(competencies=[("KOM", 2)]))
    dinkes = next(row for row in heatmap.heatmap(org.agency.id).rows if row.unit.code == "DINKES")
    assert dinkes.cells[code("KOM")].staff == 1 and dinkes.cells[code("KOM")].met == 0
    assert talent.ninebox(org.agency.id).total == 5
    candidates, _total = readiness.readiness(org.muda, jp.current_year(org.peer))
    assert squatter.id not in {c.user.id for c in candidates}
    assert squatter.id not in set(db.session.scalars(readiness.candidate_pool(org.muda)))

    confirm(org, squatter)
    dinkes = next(row for row in heatmap.heatmap(org.agency.id).rows if row.unit.code == "DINKES")
    assert dinkes.cells[code("KOM")].staff == 2 and dinkes.cells[code("KOM")].met == 1
    assert talent.ninebox(org.agency.id).total == 6


def test_siasn_training_history_leaves_unverified_people_out(org, squatter, make_course):
    course = make_course(title="Kursus Terbuka", jp=4)
    complete(squatter, course)
    complete(org.peer, course)
    names = {row[1] for row in training_history.training_history_rows(org.agency.id)}
    assert org.peer.name in names and squatter.name not in names
    confirm(org, squatter)
    assert squatter.name in {row[1] for row in training_history.training_history_rows(org.agency.id)}
