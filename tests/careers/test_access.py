"""Privacy, as a matrix: who sees whose career profile (services and pages)."""

import pytest

from lms.accounts.models import Role
from lms.careers import access
from lms.extensions import db
from tests import factories
from tests.careers.conftest import build_org

# viewer -> person -> may see?
EXPECTED = {
    "staff": {"staff": True, "junior": True, "head": False, "peer": False, "foreign": False},
    "head": {"staff": True, "junior": True, "head": True, "peer": False, "foreign": False},
    "junior": {"staff": False, "junior": True, "head": False, "peer": False, "foreign": False},
    "peer": {"staff": False, "junior": False, "head": False, "peer": True, "foreign": False},
    "hr": {"staff": True, "junior": True, "head": True, "peer": True, "foreign": False},
    "foreign_hr": {"staff": False, "junior": False, "head": False, "peer": False, "foreign": True},
    "foreign_boss": {"staff": False, "junior": False, "head": False, "peer": False, "foreign": True},
    "admin": {"staff": True, "junior": True, "head": True, "peer": True, "foreign": True},
}


def people():
    org = build_org()
    other = factories.agency(code="LAIN")
    foreign = factories.user(other, name="Pegawai Instansi Lain")
    foreign_hr = factories.user(other, roles=(Role.AGENCY_ADMIN,), name="SDM Lain")
    foreign_boss = factories.user(other, name="Atasan Lain")
    foreign.supervisor_id = foreign_boss.id
    # A supervisor link across agencies (bad data) still shows nothing of the other agency.
    org.peer.supervisor_id = foreign_boss.id
    db.session.flush()
    return {
        "staff": org.staff,
        "junior": org.junior,
        "head": org.head,
        "peer": org.peer,
        "hr": org.hr,
        "foreign": foreign,
        "foreign_hr": foreign_hr,
        "foreign_boss": foreign_boss,
        "admin": factories.user(roles=(Role.ADMIN,), name="Admin"),
    }


def test_privacy_matrix_in_services(ctx):
    everyone = people()
    got = {
        viewer: {
            person: access.can_view_profile(everyone[viewer], everyone[person]) for person in EXPECTED[viewer]
        }
        for viewer in EXPECTED
    }
    assert got == EXPECTED


def test_privacy_matrix_on_pages(app, client, login):
    with app.app_context():
        everyone = {name: (user.id, user.email) for name, user in people().items()}
        db.session.commit()
    for viewer, row in EXPECTED.items():
        client.post("/logout")
        login(type("U", (), {"email": everyone[viewer][1]}))
        for person, allowed in row.items():
            response = client.get(f"/careers/people/{everyone[person][0]}", follow_redirects=True)
            assert response.status_code == (200 if allowed else 403), (viewer, person, response.status_code)


def test_supervisor_chain_stops_at_cycles(ctx):
    org = build_org()
    org.head.supervisor_id = org.junior.id  # head -> junior -> staff -> head
    db.session.flush()
    assert access.supervisor_chain_ids(org.junior.id) == {org.staff.id, org.head.id, org.junior.id}
    assert access.can_view_profile(org.staff, org.head)


@pytest.mark.parametrize("path", ["/careers/team"])
def test_team_lists_only_subordinates(app, client, login, path):
    with app.app_context():
        org = build_org()
        names = org.head.email, org.staff.name, org.junior.name, org.peer.name
        db.session.commit()
    login(type("U", (), {"email": names[0]}))
    page = client.get(path).text
    assert names[1] in page and names[2] in page and names[3] not in page
