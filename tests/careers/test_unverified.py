"""Unverified (self-registered) accounts are nobody's supervisor and in no team (issue 12, finding 1).
HR reports: tests/reports/test_unverified.py."""

import pytest
import sqlalchemy as sa

from lms.accounts import identity, services
from lms.accounts.models import utcnow
from lms.careers import access, staffing
from lms.careers.errors import CareerError
from lms.extensions import db
from tests import factories


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
