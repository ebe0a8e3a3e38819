"""Unverified (self-registered) accounts learn, but are nobody's supervisor, in no team, and absent
from HR analytics and the SIASN export until their identity is confirmed; then their records count
(issue 12, finding 1)."""

import pytest
import sqlalchemy as sa

from lms.accounts import identity, services
from lms.accounts.models import utcnow
from lms.careers import access, analytics, export, jp, positions, staffing
from lms.careers.errors import CareerError
from lms.extensions import db
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
    report = analytics.compliance(org.agency.id, year, 20)
    assert report.total.staff == 5  # HR, head, staff, junior, peer: not the registrant
    people, _ = analytics.under_target(org.agency.id, year, 20)
    assert squatter.id not in {p.user.id for p in people}
    assert squatter.name not in {row[1] for row in analytics.under_target_rows(org.agency.id, year, 20)}

    confirm(org, squatter)
    report = analytics.compliance(org.agency.id, year, 20)
    assert report.total.staff == 6 and report.total.under == 5  # their 25 JP count now


def test_heatmap_ninebox_and_readiness_leave_unverified_people_out(org, squatter, make_course):
    for person in (org.peer, squatter):
        positions.assign_position(person, org.pertama, by=org.hr)
    complete(squatter, make_course(competencies=[("KOM", 2)]))
    dinkes = next(row for row in analytics.heatmap(org.agency.id).rows if row.unit.code == "DINKES")
    assert dinkes.cells[code("KOM")].staff == 1 and dinkes.cells[code("KOM")].met == 0
    assert analytics.ninebox(org.agency.id).total == 5
    candidates, _total = analytics.readiness(org.muda, jp.current_year(org.peer))
    assert squatter.id not in {c.user.id for c in candidates}
    assert squatter.id not in set(db.session.scalars(analytics.candidate_pool(org.muda)))

    confirm(org, squatter)
    dinkes = next(row for row in analytics.heatmap(org.agency.id).rows if row.unit.code == "DINKES")
    assert dinkes.cells[code("KOM")].staff == 2 and dinkes.cells[code("KOM")].met == 1
    assert analytics.ninebox(org.agency.id).total == 6


def test_siasn_training_history_leaves_unverified_people_out(org, squatter, make_course):
    course = make_course(title="Kursus Terbuka", jp=4)
    complete(squatter, course)
    complete(org.peer, course)
    names = {row[1] for row in export.training_history_rows(org.agency.id)}
    assert org.peer.name in names and squatter.name not in names
    confirm(org, squatter)
    assert squatter.name in {row[1] for row in export.training_history_rows(org.agency.id)}


def test_an_unverified_account_cannot_be_made_a_supervisor(org, squatter):
    with pytest.raises(CareerError, match="belum diverifikasi"):
        staffing.set_assignment(org.peer, None, squatter, by=org.hr)


def test_an_unverified_person_is_in_no_team_and_supervises_nobody(org, squatter):
    # A supervisor link left from before (e.g. set by SQL): it still opens nothing.
    squatter.supervisor_id = org.head.id
    org.peer.supervisor_id = squatter.id
    db.session.flush()
    assert not access.is_supervisor_of(squatter, org.peer)
    assert not access.can_view_profile(squatter, org.peer)
    down = access.subordinates_cte(org.head.id)
    team = set(db.session.scalars(sa.select(down.c.id)))
    assert squatter.id not in team and org.staff.id in team
    assert not set(db.session.scalars(sa.select(access.subordinates_cte(squatter.id).c.id)))
