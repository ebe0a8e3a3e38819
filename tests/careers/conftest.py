"""Builders for careers tests: an agency with a unit tree, a supervisor chain, positions with SKJ
and a career path, courses that award competencies, and a helper to complete a course."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from lms.accounts import agencies as agency_services
from lms.accounts.models import Role, User
from lms.careers import positions
from lms.competencies import services
from lms.courses import learning
from lms.courses.models import Course, Lesson
from lms.extensions import db
from tests import factories


def code(value: str) -> int:
    return services.competency_by_code(value).id


def build_org(name: str = "ORG") -> SimpleNamespace:
    """An agency: units SETDA > ORGANISASI and DINKES > PKM, HR, a head with a direct report
    (staff) who has a report of their own (junior), a peer without supervisor, and two positions
    on one career path: PERTAMA (KOM 2, INT 2, PB 2) -> MUDA (KOM 3, INT 3, PB 3, PK 2)."""
    agency = factories.agency(code=name, units=())
    setda = agency_services.add_unit(agency, "SETDA", "Sekretariat Daerah", None, by=None)
    org = agency_services.add_unit(agency, "ORG", "Bagian Organisasi", setda.id, by=None)
    dinkes = agency_services.add_unit(agency, "DINKES", "Dinas Kesehatan", None, by=None)
    pkm = agency_services.add_unit(agency, "PKM", "Puskesmas", dinkes.id, by=None)
    hr = factories.user(agency, roles=(Role.AGENCY_ADMIN, Role.LEARNER), unit=setda, name="Petugas SDM")
    head = factories.user(agency, unit=setda, name="Kepala Bagian")
    staff = factories.user(agency, unit=org, name="Staf Organisasi")
    junior = factories.user(agency, unit=org, name="Staf Junior")
    peer = factories.user(agency, unit=pkm, name="Perawat Puskesmas")
    staff.supervisor_id, junior.supervisor_id = head.id, staff.id
    db.session.flush()
    muda = positions.save_position(
        agency,
        positions.PositionData(
            "MUDA",
            "Analis Ahli Muda",
            "fungsional",
            {code("KOM"): 3, code("INT"): 3, code("PB"): 3, code("PK"): 2},
        ),
        by=hr,
    )
    pertama = positions.save_position(
        agency,
        positions.PositionData(
            "PERTAMA", "Analis Ahli Pertama", "fungsional", {code("KOM"): 2, code("INT"): 2, code("PB"): 2}
        ),
        by=hr,
    )
    positions.set_next_positions(pertama, [muda.id], by=hr)
    return SimpleNamespace(
        agency=agency,
        units=SimpleNamespace(setda=setda, org=org, dinkes=dinkes, pkm=pkm),
        hr=hr,
        head=head,
        staff=staff,
        junior=junior,
        peer=peer,
        pertama=pertama,
        muda=muda,
    )


def complete(user: User, course: Course) -> None:
    """Enrol and mark every lesson done, so the course completes through the real rule."""
    enrolment = learning.enrol(user, course)
    lessons = db.session.scalars(sa.select(Lesson).where(Lesson.course_id == course.id)).all()
    for lesson in lessons:
        learning.mark_lesson_done(enrolment, lesson)
    assert enrolment.completed_at is not None


@pytest.fixture
def org(ctx):
    return build_org()


@pytest.fixture
def trainer(ctx):
    return factories.user(roles=(Role.TRAINER,), name="Widyaiswara")


@pytest.fixture
def make_course(ctx, trainer):
    def make(**kwargs):
        kwargs.setdefault("modules", 1)
        kwargs.setdefault("lessons", 1)
        return factories.course(by=trainer, **kwargs)

    return make


class Ids(dict):
    __getattr__ = dict.__getitem__


@pytest.fixture
def world(app, db):
    """An organisation (build_org), the staff member in PERTAMA, and a one-lesson course of 4 JP
    that awards KOM 3 and PB 2, committed; ids and emails for tests through the client."""
    with app.app_context():
        org = build_org()
        positions.assign_position(org.staff, org.pertama, by=org.hr)
        course = factories.course(
            by=None,
            title="Komunikasi Efektif",
            modules=1,
            lessons=1,
            jp=4,
            competencies=[("KOM", 3), ("PB", 2)],
        )
        db.session.commit()
        return Ids(
            agency=org.agency.id,
            hr=org.hr.email,
            head=org.head.email,
            staff=org.staff.email,
            staff_id=org.staff.id,
            junior_id=org.junior.id,
            peer_id=org.peer.id,
            muda=org.muda.id,
            pertama=org.pertama.id,
            course=course.slug,
            course_id=course.id,
        )
