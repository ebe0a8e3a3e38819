"""Certificates issued under a rule that ignored a required quiz: listed, never revoked silently."""

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from lms.accounts.models import Role
from lms.certificates import review
from lms.certificates.models import Certificate
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes import attempts
from lms.quizzes.models import Quiz
from tests.quizzes.conftest import build_quiz

from .conftest import certificate_of, complete

QUESTION = "::q::Satu JP sama dengan 45 menit. {T}\n"


def _legacy_certificate(app, make_agency, make_user, make_course):
    """A certificate issued while the rule left the course's required quiz out (as on main)."""
    agency = make_agency(code="BKD", name="BKD Uji")
    trainer = make_user(agency, roles=(Role.TRAINER,))
    hr = make_user(agency, roles=(Role.AGENCY_ADMIN,))
    learner = make_user(agency, name="Yakobus Uji", email="yakobus@uji.go.id")
    course = make_course(by=trainer, title="Kursus Lama", modules=1, lessons=1)
    with app.test_request_context():
        course = db.session.get(Course, course.id)
        build_quiz(course, gift=QUESTION, title="Kuis Akhir")
        course.completion_rule = {"lessons": "required"}  # the inconsistent rule of old
        enrolment = complete(db.session.merge(learner), course)
        number = certificate_of(enrolment).number
        course.completion_rule = {"lessons": "required", "quizzes": "required"}  # migration 0015
        db.session.commit()
    return trainer, hr, learner, course, number


def test_trainer_and_hr_see_the_list_and_ask_or_revoke(
    app, client, login, outbox, make_agency, make_user, make_course
):
    trainer, hr, learner, course, number = _legacy_certificate(app, make_agency, make_user, make_course)
    login(trainer)
    outline = client.get(f"/teach/{course.id}").text
    assert "Sertifikat perlu ditinjau" in outline
    page = client.get(f"/certificates/review/course/{course.id}").text
    assert number in page and "Yakobus Uji" in page and "Kuis Akhir" in page
    with app.app_context():
        assert (
            db.session.scalar(sa.select(Certificate.revoked_at).where(Certificate.number == number)) is None
        )  # nothing silent
    response = client.post(f"/certificates/review/{number}/remind", data={"back": "course"})
    assert response.status_code == 302
    assert len(outbox) == 1 and outbox[0]["To"] == "yakobus@uji.go.id"
    assert "Kuis Akhir" in outbox[0].get_content()
    client.post("/logout")

    login(hr)
    assert number in client.get("/certificates/review").text
    client.post(f"/certificates/review/{number}/revoke", data={"reason": "Kuis wajib belum lulus"})
    with app.app_context():
        cert = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
        assert cert.revoked_at is not None and cert.revocation_reason == "Kuis wajib belum lulus"
    assert f"<td>{number}</td>" not in client.get("/certificates/review").text


def test_other_trainers_and_learners_cannot_review(app, client, login, make_agency, make_user, make_course):
    _trainer, _hr, learner, course, number = _legacy_certificate(app, make_agency, make_user, make_course)
    other = make_user(roles=(Role.TRAINER,))
    login(other)
    assert client.get(f"/certificates/review/course/{course.id}").status_code == 403
    assert (
        client.post(f"/certificates/review/{number}/revoke", data={"reason": "coba coba"}).status_code == 403
    )
    client.post("/logout")
    login(learner)
    assert client.get("/certificates/review").status_code == 403


def test_a_holder_who_passes_the_quiz_leaves_the_list(app, make_agency, make_user, make_course):
    _trainer, _hr, learner, course, _number = _legacy_certificate(app, make_agency, make_user, make_course)
    with app.test_request_context():
        course = db.session.get(Course, course.id)
        assert len(review.to_review(course=course)) == 1
        quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))
        attempt = attempts.start_attempt(quiz, db.session.merge(learner))
        attempts.save_answer(attempt, attempt.items[0].slot, MultiDict({"answer": "true"}))
        attempts.finish_attempt(attempt)
        assert review.to_review(course=course) == []
