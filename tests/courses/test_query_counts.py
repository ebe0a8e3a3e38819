"""The learner's course POSTs read nothing again after their commit (sessions that expire at
commit, as production's do): the flash message and the redirect are made before it."""

from __future__ import annotations

import pytest

from lms.accounts.models import Role, User
from lms.courses import learning
from lms.extensions import db
from tests import factories
from tests.reloads import recording


@pytest.fixture
def world(app, make_agency, make_user):
    agency = make_agency()
    trainer = make_user(agency, roles=(Role.TRAINER,))
    learner = make_user(agency)
    with app.app_context():
        course = factories.course(by=db.session.get(User, trainer.id), modules=1, lessons=2)
        db.session.commit()
        lessons = [lesson.id for lesson in learning.outline(course).lessons]
        return learner, course.slug, lessons


def test_enrol_reads_nothing_after_its_commit(app, client, login, world, expiring_sessions):
    learner, slug, _lessons = world
    login(learner)
    with recording(app) as statements:
        response = client.post(f"/courses/{slug}/enrol")
    assert response.status_code == 302 and response.location == f"/courses/{slug}/learn"
    # The course's title (for the message) and the user (its locale) were read again here.
    assert statements.after_commit == []
    # user; the course; the enrolment (none yet); INSERT
    assert len(statements.all) == 4, statements.all
    page = client.get(response.location, follow_redirects=True).text
    assert "Anda terdaftar di kursus Kursus Uji. Selamat belajar!" in page


def test_marking_lessons_done_reads_nothing_after_the_commit(app, client, login, world, expiring_sessions):
    learner, slug, (first, second) = world
    login(learner)
    client.post(f"/courses/{slug}/enrol")
    with recording(app) as statements:
        response = client.post(f"/courses/{slug}/learn/{first}/done")
    assert response.status_code == 302 and response.location == f"/courses/{slug}/learn/{first}"
    # The lesson (for the redirect) and the user (the message's locale) were read again here.
    assert statements.after_commit == []
    # user; course, enrolment and outline in one; the completion (none yet); INSERT; what remains
    assert len(statements.all) == 5, statements.all
    assert "Pelajaran ini ditandai selesai." in client.get(response.location).text

    with recording(app) as statements:
        response = client.post(f"/courses/{slug}/learn/{second}/done")
    assert response.status_code == 302 and response.location == f"/courses/{slug}"
    # The course's title (for the message) and the user were read again here; what completing
    # the course costs (certificate, notices, records) runs before the commit and is not pinned.
    assert statements.after_commit == []
    assert "Selamat! Anda telah menyelesaikan kursus Kursus Uji." in client.get(response.location).text
