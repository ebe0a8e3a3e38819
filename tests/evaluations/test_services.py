"""Surveys, questions and follow-ups through their services."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from lms.accounts.models import Role
from lms.careers.profile import career_profile
from lms.certificates.models import Certificate
from lms.core.clock import utcnow
from lms.courses.models import Enrolment
from lms.evaluations import follow_ups, questions, surveys
from lms.evaluations.access import Subject
from lms.evaluations.errors import AlreadyAnswered, EvaluationError, NotAllowed
from lms.evaluations.models import Applied, Respondent, Survey, SurveyAnswer
from lms.extensions import db
from lms.webinars.models import Attendance
from lms.webinars.signals import webinar_attended
from tests import factories
from tests.evaluations.conftest import RATINGS, completed, follow_ups_of, open_follow_ups


def reaction(extra=None):
    return surveys.Reaction(ratings=dict(RATINGS), comment="Sangat bermanfaat.", extra=extra or {})


# ---------------------------------------------------------------- opening


def test_completing_a_course_opens_one_survey_and_the_certificate_is_issued(world, waiting):
    survey = completed(world.staff, world.course)
    assert survey.answered_at is None
    assert (survey.agency_id, survey.unit_id) == (world.agency.id, world.units.org.id)
    assert survey.learned_at is not None
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == world.staff.id))
    assert certificate is not None  # issued without waiting for the survey
    assert waiting == [
        {
            "user": world.staff,
            "title": "Etika ASN",
            "url": f"/evaluations/surveys/{survey.id}",
            "key": f"evaluation-survey-{survey.id}",
        }
    ]
    enrolment = db.session.get(Enrolment, survey.enrolment_id)
    assert surveys.open_for_enrolment(enrolment).id == survey.id  # asked again: the same survey
    assert len(waiting) == 1


def test_a_webinar_attendance_opens_a_survey(world, waiting):
    webinar = factories.webinar(world.trainer, title="Webinar Integritas")
    attendance = Attendance(
        webinar_id=webinar.id, user_id=world.staff.id, present=True, finalized_at=utcnow()
    )
    db.session.add(attendance)
    db.session.flush()
    webinar_attended.send(current_app._get_current_object(), attendance=attendance)
    webinar_attended.send(
        current_app._get_current_object(), attendance=attendance
    )  # a repeat opens nothing more
    found = db.session.scalars(sa.select(Survey).where(Survey.webinar_id == webinar.id)).all()
    assert [s.user_id for s in found] == [world.staff.id]
    assert [w["key"] for w in waiting] == [f"evaluation-survey-{found[0].id}"]
    assert waiting[0]["title"] == "Webinar Integritas"


def test_a_survey_that_cannot_be_opened_never_undoes_the_completion(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(surveys, "_open", broken)
    completed_course = factories.course(by=world.trainer, title="Kursus Lain", modules=1, lessons=1)
    from tests.careers.conftest import complete

    complete(world.staff, completed_course)  # asserts the enrolment is complete
    assert db.session.scalar(sa.select(Certificate).where(Certificate.user_id == world.staff.id)) is not None


# ---------------------------------------------------------------- answering


def test_answering_records_the_ratings_once(world):
    survey = completed(world.staff, world.course)
    surveys.submit(survey, world.staff, reaction())
    assert (survey.relevance, survey.trainer, survey.materials, survey.apply) == (5, 4, 3, 4)
    assert survey.comment == "Sangat bermanfaat." and survey.answered_at is not None
    with pytest.raises(AlreadyAnswered):
        surveys.submit(survey, world.staff, surveys.Reaction(ratings=dict.fromkeys(RATINGS, "1")))
    db.session.refresh(survey)
    assert survey.relevance == 5


def test_two_submissions_at_once_record_one_response(world):
    """The second sees the survey unanswered in memory (it loaded before the first committed): the
    conditional UPDATE still refuses it."""
    survey = completed(world.staff, world.course)
    stale = db.session.get(Survey, survey.id)
    db.session.execute(
        sa.update(Survey)
        .where(Survey.id == survey.id)
        .values(answered_at=utcnow(), relevance=1)
        .execution_options(synchronize_session=False)
    )
    assert stale.answered_at is None  # not synchronised: the in-memory check passes
    with pytest.raises(AlreadyAnswered):
        surveys.submit(stale, world.staff, reaction())
    db.session.refresh(survey)
    assert survey.relevance == 1 and survey.comment is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ratings": {**RATINGS, "trainer": ""}}, "trainer"),
        ({"ratings": {**RATINGS, "apply": "6"}}, "apply"),
        ({"ratings": {**RATINGS, "relevance": "abc"}}, "relevance"),
        ({"comment": "x" * 2001}, "comment"),
    ],
)
def test_invalid_answers_are_refused_and_nothing_is_saved(world, change, field):
    survey = completed(world.staff, world.course)
    data = {"ratings": dict(RATINGS), "comment": ""} | change
    with pytest.raises(EvaluationError) as refused:
        surveys.submit(survey, world.staff, surveys.Reaction(**data))
    assert refused.value.field == field
    db.session.refresh(survey)
    assert survey.answered_at is None


def test_only_the_learner_answers_their_survey(world):
    survey = completed(world.staff, world.course)
    with pytest.raises(NotAllowed):
        surveys.submit(survey, world.head, reaction())
    assert surveys.own_survey(world.head, survey.id) is None
    assert surveys.own_survey(world.staff, survey.id) is survey


def test_extra_questions_are_asked_answered_and_kept_when_removed(world):
    subject = Subject(course=world.course)
    rating = questions.add_question(subject, "rating", "Durasi kursus memadai.", by=world.trainer)
    text = questions.add_question(subject, "text", "Topik apa yang perlu ditambah?", by=world.trainer)
    survey = completed(world.staff, world.course)
    assert [q.id for q in surveys.questions_for(survey)] == [rating.id, text.id]
    with pytest.raises(EvaluationError) as refused:
        surveys.submit(survey, world.staff, reaction())  # the extra rating is required too
    assert refused.value.field == f"q{rating.id}"
    surveys.submit(survey, world.staff, reaction({rating.id: "2", text.id: "Studi kasus daerah."}))
    rows = db.session.scalars(sa.select(SurveyAnswer).where(SurveyAnswer.survey_id == survey.id))
    answers = {a.question_id: (a.rating, a.text) for a in rows}
    assert answers == {rating.id: (2, None), text.id: (None, "Studi kasus daerah.")}
    questions.remove_question(rating, by=world.trainer)
    assert rating.archived_at is not None  # answered: kept for the results
    assert [q.id for q in questions.questions_of(subject)] == [text.id]
    unanswered = questions.add_question(subject, "rating", "Pertanyaan baru saja.", by=world.trainer)
    questions.remove_question(unanswered, by=world.trainer)
    assert unanswered not in questions.questions_of(subject, with_archived=True)


@pytest.mark.parametrize(
    ("kind", "text", "field"), [("rating", "abc", "text"), ("scale", "Pertanyaan?", "kind")]
)
def test_a_question_is_checked(world, kind, text, field):
    with pytest.raises(EvaluationError) as refused:
        questions.add_question(Subject(course=world.course), kind, text, by=world.trainer)
    assert refused.value.field == field


def test_only_the_course_trainer_edits_its_questions(world):
    other = factories.user(world.agency, roles=(Role.TRAINER,))
    for actor in (other, world.hr, world.staff):
        with pytest.raises(NotAllowed):
            questions.add_question(Subject(course=world.course), "text", "Pertanyaan siapa?", by=actor)


def test_at_most_ten_extra_questions(world):
    subject = Subject(course=world.course)
    for n in range(questions.MAX_QUESTIONS):
        questions.add_question(subject, "text", f"Pertanyaan nomor {n}", by=world.trainer)
    with pytest.raises(EvaluationError):
        questions.add_question(subject, "text", "Satu lagi pertanyaan", by=world.trainer)


# ---------------------------------------------------------------- follow-ups


def test_follow_ups_open_once_for_the_learner_and_the_supervisor_after_ninety_days(world, waiting):
    survey = completed(world.staff, world.course)
    assert surveys.waiting_surveys(world.staff) == [survey] and follow_ups.waiting_count(world.staff) == 1
    waiting.clear()
    assert follow_ups.open_due(survey.learned_at + timedelta(days=89, hours=23), days=90) == []
    opened = follow_ups.open_due(survey.learned_at + timedelta(days=90), days=90)
    assert {(f.role, f.respondent_id) for f in opened} == {
        (Respondent.LEARNER, world.staff.id),
        (Respondent.SUPERVISOR, world.head.id),
    }
    assert follow_ups.open_due(survey.learned_at + timedelta(days=200), days=90) == []
    assert surveys.waiting_surveys(world.staff) == []  # the moment for a reaction has passed
    assert follow_ups.waiting_count(world.staff) == 1 and follow_ups.waiting_count(world.head) == 1
    by_role = follow_ups_of(survey)
    assert sorted((w["user"].id, w["key"], w["url"], w["title"]) for w in waiting) == sorted(
        [
            (
                world.staff.id,
                f"evaluation-follow-up-{by_role[Respondent.LEARNER].id}",
                f"/evaluations/follow-ups/{by_role[Respondent.LEARNER].id}",
                "Etika ASN",
            ),
            (
                world.head.id,
                f"evaluation-follow-up-{by_role[Respondent.SUPERVISOR].id}",
                f"/evaluations/follow-ups/{by_role[Respondent.SUPERVISOR].id}",
                "Etika ASN — Staf Organisasi",
            ),
        ]
    )


def test_no_supervisor_follow_up_without_a_verified_supervisor(world):
    peer_survey = completed(world.peer, world.course)  # the peer has no supervisor
    assert set(open_follow_ups(peer_survey)) == {Respondent.LEARNER}
    world.head.identity_verified_at = None  # unverified accounts supervise nobody
    db.session.flush()
    survey = completed(world.staff, world.course)
    assert set(open_follow_ups(survey)) == {Respondent.LEARNER}


def test_a_follow_up_is_answered_once_by_the_person_asked(world):
    survey = completed(world.staff, world.course)
    asked = open_follow_ups(survey)
    boss = asked[Respondent.SUPERVISOR]
    for stranger in (world.staff, world.peer, world.hr):
        with pytest.raises(NotAllowed):
            follow_ups.submit(boss, stranger, "yes", "Contoh")
    with pytest.raises(EvaluationError) as refused:
        follow_ups.submit(boss, world.head, "yes", "  ")
    assert refused.value.field == "example"
    with pytest.raises(EvaluationError):
        follow_ups.submit(boss, world.head, "maybe", "Contoh")
    follow_ups.submit(boss, world.head, "partly", "Menyusun SOP layanan dengan prinsip etika.")
    assert boss.applied is Applied.PARTLY and boss.answered_at is not None
    with pytest.raises(AlreadyAnswered):
        follow_ups.submit(boss, world.head, "no", "")
    db.session.refresh(boss)
    assert boss.applied is Applied.PARTLY
    follow_ups.submit(asked[Respondent.LEARNER], world.staff, "no", "")  # "no" needs no example
    assert asked[Respondent.LEARNER].applied is Applied.NO


def test_the_supervisor_answer_is_evidence_in_the_career_profile(world):
    survey = completed(world.staff, world.course)
    asked = open_follow_ups(survey)
    follow_ups.submit(asked[Respondent.LEARNER], world.staff, "yes", "Jawaban peserta sendiri.")
    assert career_profile(world.staff).applied_at_work == []  # only the supervisor's answer
    follow_ups.submit(asked[Respondent.SUPERVISOR], world.head, "yes", "Memimpin apel integritas.")
    evidence = career_profile(world.staff).applied_at_work
    assert [(f.example, f.respondent.name, f.survey.title) for f in evidence] == [
        ("Memimpin apel integritas.", "Kepala Bagian", "Etika ASN")
    ]
