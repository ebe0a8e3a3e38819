import pytest

from lms.accounts.models import Role
from lms.courses import learning
from tests import factories
from tests.quizzes.conftest import build_quiz

PRACTICE_GIFT = """\
::jp::Satu JP sama dengan 45 menit. {T}

::siasn::Singkatan sistem informasi ASN nasional adalah ... {=SIASN}
"""


@pytest.fixture
def world(app, db, make_agency, make_user):
    """A learner enrolled in a published course with a practice quiz, and a stranger."""
    agency = make_agency()
    trainer = make_user(agency, roles=(Role.TRAINER,))
    learner = make_user(agency)
    stranger = make_user(agency)
    with app.app_context():
        course = factories.course(by=trainer, modules=1, lessons=3)
        learning.enrol(learner, course)
        learning.enrol(stranger, course)
        quiz = build_quiz(course, PRACTICE_GIFT, practice=True)
        lessons = [lesson.id for lesson in learning.outline(course).lessons]
        db.session.commit()
        return {
            "trainer": trainer,
            "learner": learner,
            "stranger": stranger,
            "course": course.id,
            "slug": course.slug,
            "lessons": lessons,
            "quiz": quiz.id,
        }
