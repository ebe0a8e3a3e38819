"""Evaluation pages through the client: the learner's survey, the follow-ups, the trainer's
questions, the results and their exports; hostile ids, huge text, NUL bytes, double submits."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from types import SimpleNamespace

import openpyxl
import pytest
import sqlalchemy as sa

from lms.courses.models import Course
from lms.evaluations import follow_ups, surveys
from lms.evaluations.models import FollowUp, Respondent, Survey
from lms.extensions import db, limiter
from tests import factories
from tests.careers.conftest import build_org
from tests.evaluations.conftest import RATINGS, build_world, completed, open_follow_ups


def as_user(client, login, email):
    limiter.reset()
    client.post("/logout")
    login(SimpleNamespace(email=email))


def build_ids(app, *, follow_ups_open: bool) -> SimpleNamespace:
    """A world (see conftest.build_world) where the staff member completed the course, the
    follow-ups of the survey opened or not yet. Committed; ids and emails for the client."""
    with app.test_request_context():
        org = build_world("VIEW")
        survey = completed(org.staff, org.course)
        asked = open_follow_ups(survey) if follow_ups_open else {}
        other = build_org("LAIN")
        db.session.commit()
        return SimpleNamespace(
            survey=survey.id,
            course=org.course.id,
            slug=org.course.slug,
            staff=org.staff.email,
            head=org.head.email,
            peer=org.peer.email,
            junior=org.junior.email,
            hr=org.hr.email,
            trainer=org.trainer.email,
            other_hr=other.hr.email,
            other_head=other.head.email,
            learner_follow_up=asked[Respondent.LEARNER].id if asked else None,
            boss_follow_up=asked[Respondent.SUPERVISOR].id if asked else None,
        )


@pytest.fixture
def ids(app):
    return build_ids(app, follow_ups_open=True)


@pytest.fixture
def fresh(app):
    """Just completed: the survey waits, no follow-up yet."""
    return build_ids(app, follow_ups_open=False)


def survey_row(app, survey_id) -> Survey:
    with app.app_context():
        return db.session.get(Survey, survey_id)


def follow_up_row(app, follow_up_id) -> FollowUp:
    with app.app_context():
        return db.session.get(FollowUp, follow_up_id)


# ---------------------------------------------------------------- the survey


def test_the_learner_sees_the_survey_waiting_and_answers_it_once(app, client, login, fresh):
    ids = fresh
    as_user(client, login, ids.staff)
    assert "Isi evaluasi" in client.get(f"/courses/{ids.slug}").text
    home = client.get("/").text
    assert "evaluasi menunggu jawaban Anda" in home
    mine = client.get("/evaluations/").text
    assert f"/evaluations/surveys/{ids.survey}" in mine and "Etika ASN" in mine
    assert 'href="/evaluations/"' in client.get("/account").text
    form = client.get(f"/evaluations/surveys/{ids.survey}")
    assert form.status_code == 200 and "Sangat setuju" in form.text
    response = client.post(f"/evaluations/surveys/{ids.survey}", data={**RATINGS, "comment": "Bagus."})
    assert response.status_code == 302 and response.headers["Location"] == f"/courses/{ids.slug}"
    assert "sudah mengisi evaluasi kursus ini" in client.get(f"/courses/{ids.slug}").text
    again = client.post(
        f"/evaluations/surveys/{ids.survey}", data={**dict.fromkeys(RATINGS, "1"), "comment": "x"}
    )
    assert again.status_code == 409
    assert "Anda sudah mengisi evaluasi ini" in again.text
    row = survey_row(app, ids.survey)
    assert (row.relevance, row.comment) == (5, "Bagus.")
    assert f"/evaluations/surveys/{ids.survey}" not in client.get("/evaluations/").text


def test_someone_elses_survey_is_not_found(app, client, login, ids):
    for email in (ids.head, ids.hr, ids.trainer, ids.other_hr):
        as_user(client, login, email)
        assert client.get(f"/evaluations/surveys/{ids.survey}").status_code == 404
        assert client.post(f"/evaluations/surveys/{ids.survey}", data=RATINGS).status_code == 404
    assert client.get("/evaluations/surveys/999999").status_code == 404
    assert survey_row(app, ids.survey).answered_at is None


def test_huge_text_and_missing_ratings_are_refused(app, client, login, ids):
    as_user(client, login, ids.staff)
    huge = client.post(f"/evaluations/surveys/{ids.survey}", data={**RATINGS, "comment": "x" * 100_000})
    assert huge.status_code == 422 and "terlalu panjang" in huge.text
    missing = client.post(f"/evaluations/surveys/{ids.survey}", data={"relevance": "5"})
    assert missing.status_code == 422 and "Pilih salah satu nilai" in missing.text
    assert survey_row(app, ids.survey).answered_at is None


def test_nul_bytes_are_refused_before_the_view(app, client, login, ids):
    as_user(client, login, ids.staff)
    response = client.post(f"/evaluations/surveys/{ids.survey}", data={**RATINGS, "comment": "a\x00b"})
    assert response.status_code == 400
    response = client.post(
        f"/evaluations/follow-ups/{ids.learner_follow_up}", data={"applied": "yes", "example": "\x00"}
    )
    assert response.status_code == 400
    assert survey_row(app, ids.survey).answered_at is None
    assert follow_up_row(app, ids.learner_follow_up).answered_at is None


def test_the_survey_is_optional_the_certificate_is_there_before_it(app, client, login, ids):
    as_user(client, login, ids.staff)
    assert "Etika ASN" in client.get("/certificates/").text


# ---------------------------------------------------------------- follow-ups


def test_learner_and_supervisor_answer_their_follow_ups(app, client, login, ids):
    as_user(client, login, ids.head)
    mine = client.get("/evaluations/").text
    assert f"/evaluations/follow-ups/{ids.boss_follow_up}" in mine and "Staf Organisasi" in mine
    page = client.get(f"/evaluations/follow-ups/{ids.boss_follow_up}")
    assert page.status_code == 200 and "Sebagai atasan langsung" in page.text
    data = {"applied": "yes", "example": "Menyusun SOP etika layanan."}
    assert client.post(f"/evaluations/follow-ups/{ids.boss_follow_up}", data=data).status_code == 302
    again = client.post(f"/evaluations/follow-ups/{ids.boss_follow_up}", data={"applied": "no"})
    assert again.status_code == 409 and "sudah mengisi tindak lanjut" in again.text
    assert follow_up_row(app, ids.boss_follow_up).example == "Menyusun SOP etika layanan."
    as_user(client, login, ids.staff)
    empty = client.post(f"/evaluations/follow-ups/{ids.learner_follow_up}", data={"applied": "partly"})
    assert empty.status_code == 422 and "Tuliskan satu contoh" in empty.text
    data = {"applied": "partly", "example": "Sebagian, di rapat unit."}
    assert client.post(f"/evaluations/follow-ups/{ids.learner_follow_up}", data=data).status_code == 302
    profile = client.get("/careers/").text
    assert "Penerapan hasil pelatihan menurut atasan" in profile and "Menyusun SOP etika layanan." in profile
    assert "Sebagian, di rapat unit." not in profile  # the learner's own answer is not evidence


def test_a_supervisor_cannot_answer_for_someone_not_in_their_team(app, client, login, ids):
    # junior reports to staff, not to head; other_head leads another agency; staff is the learner.
    for email in (ids.junior, ids.other_head, ids.peer, ids.hr, ids.staff):
        as_user(client, login, email)
        assert client.get(f"/evaluations/follow-ups/{ids.boss_follow_up}").status_code == 404
        post = client.post(f"/evaluations/follow-ups/{ids.boss_follow_up}", data={"applied": "no"})
        assert post.status_code == 404
    assert follow_up_row(app, ids.boss_follow_up).answered_at is None


# ---------------------------------------------------------------- questions and results


def test_the_trainer_adds_and_removes_questions_others_may_not(app, client, login, ids):
    path = f"/evaluations/course/{ids.course}/questions"
    for email in (ids.staff, ids.hr, ids.other_hr):
        as_user(client, login, email)
        assert client.get(path).status_code == 403
        assert client.post(path, data={"kind": "text", "text": "Pertanyaan siapa?"}).status_code == 403
    as_user(client, login, ids.trainer)
    assert "Pertanyaan tambahan" in client.get(path).text
    too_long = client.post(path, data={"kind": "text", "text": "x" * 301})
    assert too_long.status_code == 422
    assert client.post(path, data={"kind": "rating", "text": "Durasi memadai?"}).status_code == 302
    assert "Durasi memadai?" in client.get(path).text
    assert client.get("/evaluations/course/999999/questions").status_code == 404
    with app.app_context():
        question_id = db.session.scalar(sa.text("SELECT id FROM evaluation_questions"))
    as_user(client, login, ids.staff)
    assert client.post(f"/evaluations/questions/{question_id}/remove").status_code == 403
    as_user(client, login, ids.trainer)
    assert client.post(f"/evaluations/questions/{question_id}/remove").status_code == 302
    assert "Durasi memadai?" not in client.get(path).text


def answer_all(app, ids, comment="Materi sangat relevan."):
    with app.test_request_context():
        survey = db.session.get(Survey, ids.survey)
        surveys.submit(survey, survey.user, surveys.Reaction(ratings=dict(RATINGS), comment=comment))
        boss = db.session.get(FollowUp, ids.boss_follow_up)
        follow_ups.submit(boss, boss.respondent, "yes", "Memimpin apel integritas.")
        db.session.commit()


def test_results_for_the_trainer_and_hr_only(app, client, login, ids):
    answer_all(app, ids)
    path = f"/evaluations/course/{ids.course}/results"
    for email in (ids.staff, ids.head, ids.other_hr):
        as_user(client, login, email)
        for suffix in ("", ".csv", ".xlsx"):
            assert client.get(path + suffix).status_code == 403
        assert "Etika ASN" not in client.get("/evaluations/results").text
    for email in (ids.trainer, ids.hr):
        as_user(client, login, email)
        assert "Etika ASN" in client.get("/evaluations/results").text
        assert 'href="/evaluations/results"' in client.get("/account").text
        page = client.get(path).text
        assert "1 dari 1 peserta menjawab" in page
        assert "Materi sangat relevan." in page and "Memimpin apel integritas." in page
        assert "Bagian Organisasi" in page  # per unit
    assert client.get("/evaluations/course/999999/results").status_code == 404
    assert client.get(f"/evaluations/webinar/{ids.course}/results").status_code in (403, 404)


def test_exports_are_csv_and_xlsx_with_the_formula_guard(app, client, login, ids):
    answer_all(app, ids, comment='=HYPERLINK("http://x","y")')
    as_user(client, login, ids.hr)
    response = client.get(f"/evaluations/course/{ids.course}/results.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Periode", "Unit kerja", "Dijawab pada"]
    assert rows[1][3:7] == ["5", "4", "3", "4"]
    assert '\'=HYPERLINK("http://x","y")' in rows[1]
    assert "Memimpin apel integritas." in rows[1]
    xlsx = client.get(f"/evaluations/course/{ids.course}/results.xlsx")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.get_data()), read_only=True)
    cells = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    book.close()
    assert not any(c.startswith("=") for c in cells) and any(c.startswith("'=HYPERLINK") for c in cells)


def add_responses(app, course_id, n):
    """n more people of a new unit complete the course and answer; their follow-ups are opened."""
    with app.test_request_context():
        course = db.session.get(Course, course_id)
        agency = factories.agency(units=("U1", "U2"))
        for i in range(n):
            person = factories.user(agency, unit=agency.units[i % 2])
            survey = completed(person, course)
            surveys.submit(survey, person, surveys.Reaction(ratings=dict(RATINGS), comment=f"Komentar {i}"))
            survey.learned_at -= timedelta(days=40 * i)  # several months: several offerings
        follow_ups.open_due(course.created_at + timedelta(days=1000), days=90)
        db.session.commit()


def test_the_results_page_uses_a_bounded_number_of_queries(app, client, login, ids, count_queries):
    as_user(client, login, ids.trainer)
    path = f"/evaluations/course/{ids.course}/results"
    counts = []
    for n in (2, 10):
        add_responses(app, ids.course, n)
        with count_queries() as statements:
            response = client.get(path)
        assert response.status_code == 200
        counts.append(len(statements))
    assert "12 dari 13 peserta menjawab" in response.text
    print("queries of the results page:", counts)
    assert counts[0] == counts[1] <= 10, counts
