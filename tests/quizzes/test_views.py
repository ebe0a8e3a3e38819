"""Learner pages through the client: the journey, no leaked answers, bad input, deadlines."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import utcnow
from lms.courses import learning
from lms.extensions import db
from lms.quizzes.models import Attempt, AttemptItem, AttemptState

from .conftest import build_quiz

SECRETS = [
    "SIASNkunci",
    "Sistem Informasi ASN",
    "Salah pilih.",
    "Betul.",
    "Itu sosial kultural.",
    "Bukan kompetensi SKJ.",
    "fraction",
    "correct",
    "Benar.",
    "feedback",
]


@pytest.fixture
def quiz_id(app, course, learner):
    with app.app_context():
        course = db.session.merge(course)
        learning.enrol(db.session.merge(learner), course)
        quiz = build_quiz(course, time_limit_minutes=30, shuffle_options=True)
        db.session.commit()
        return quiz.id


@pytest.fixture
def taking(client, login, learner, quiz_id):
    login(learner)
    response = client.post(f"/quizzes/{quiz_id}/start")
    assert response.status_code == 302
    attempt_id = int(response.location.rsplit("/", 1)[1])
    return attempt_id


def items_of(app, attempt_id):
    with app.app_context():
        return [
            (i.slot, i.qtype, i.snapshot, i.response)
            for i in db.session.scalars(
                sa.select(AttemptItem).where(AttemptItem.attempt_id == attempt_id).order_by(AttemptItem.slot)
            )
        ]


def correct_form(app, attempt_id):
    form = {"slots": []}
    for slot, qtype, snap, _ in items_of(app, attempt_id):
        form["slots"].append(str(slot))
        key = f"q{slot}-answer"
        if qtype == "single":
            form[key] = next(o["token"] for o in snap["options"] if o["fraction"] == 1)
        elif qtype == "multiple":
            form[key] = [o["token"] for o in snap["options"] if o["fraction"] > 0]
        elif qtype == "truefalse":
            form[key] = "true" if snap["correct"] else "false"
        elif qtype == "shortanswer":
            form[key] = "  siasnKUNCI "
        elif qtype == "numerical":
            form[key] = "20"
        elif qtype == "matching":
            for stem in snap["stems"]:
                form[f"q{slot}-match-{stem['token']}"] = stem["answer"]
        elif qtype == "essay":
            form[key] = "Saya akan ikut coaching."
    return form


def test_attempt_page_never_shows_the_key(app, client, taking):
    page = client.get(f"/quizzes/attempts/{taking}").text
    for secret in SECRETS:
        assert secret not in page, secret
    assert "<script>" not in page  # no inline scripts: the only script is a static file
    # Right and wrong options are marked up the same way: only the token and the text differ.
    options = re.findall(
        r'<li><label class="check"><input type="(radio|checkbox)" name="(q\d+-answer)" '
        r'value="([^"]+)"( checked)?> <span>([^<]*)</span></label></li>',
        page,
    )
    assert len(options) == 3 + 4
    for _, qtype, snap, _ in items_of(app, taking):
        if qtype in ("single", "multiple"):
            tokens = [o["token"] for o in snap["options"]]
            assert [o[2] for o in options if o[2] in tokens] == tokens
        if qtype == "matching":
            for stem in snap["stems"]:
                assert stem["answer"] not in re.findall(rf'name="q\d+-match-{stem["token"]}"[^>]*>', page)[0]


def test_journey_answers_survive_a_new_session_and_are_graded(app, client, login, learner, taking):
    form = correct_form(app, taking)
    response = client.post(f"/quizzes/attempts/{taking}/answer", data=form)
    assert response.status_code == 302
    # A new browser session (lost connection) continues the same attempt with the saved answers.
    client.post("/logout")
    login(learner)
    page = client.get(f"/quizzes/attempts/{taking}").text
    assert "siasnKUNCI" in page and "Saya akan ikut coaching." in page
    assert page.count(" checked") >= 4
    assert client.get(f"/quizzes/attempts/{taking}/summary").status_code == 200
    assert client.post(f"/quizzes/attempts/{taking}/finish").status_code == 302
    review = client.get(f"/quizzes/attempts/{taking}/review").text
    assert "menunggu penilaian" in review  # the essay waits for the trainer
    with app.app_context():
        attempt = db.session.get(Attempt, taking)
        assert attempt.state == AttemptState.FINISHED and attempt.score == 6 and attempt.needs_grading


def test_autosave_json_says_saved_and_nothing_else(app, client, taking):
    slot, _, snap, _ = items_of(app, taking)[0]
    response = client.post(
        f"/quizzes/attempts/{taking}/answer",
        headers={"Accept": "application/json"},
        data={
            "slots": str(slot),
            f"q{slot}-answer": snap["options"][0]["token"] if "options" in snap else "true",
        },
    )
    assert response.status_code == 200
    assert response.json == {"saved": True, "slots": [slot], "message": "Tersimpan"}


@pytest.mark.parametrize("forge", ["slot", "option", "unlisted", "huge", "matching"])
def test_forged_or_huge_answers_get_400_and_change_nothing(app, client, taking, forge):
    items = items_of(app, taking)
    choice = next(i for i in items if i[1] == "single")
    matching = next(i for i in items if i[1] == "matching")
    data = {
        "slot": {"slots": "99", "q99-answer": "x"},
        "option": {"slots": str(choice[0]), f"q{choice[0]}-answer": "bukan-token"},
        "unlisted": {
            "slots": str(choice[0]),
            f"q{choice[0]}-answer": choice[2]["options"][0]["token"],
            "q1000-answer": "x",
        },
        "huge": {"slots": str(choice[0]), f"q{choice[0]}-answer": "x" * 300_000},
        "matching": {
            "slots": str(matching[0]),
            f"q{matching[0]}-match-palsu": matching[2]["choices"][0]["token"],
        },
    }[forge]
    response = client.post(f"/quizzes/attempts/{taking}/answer", data=data)
    assert response.status_code == 400
    assert all(item[3] is None for item in items_of(app, taking))


def test_someone_elses_attempt_is_not_found(app, client, login, make_user, taking):
    client.post("/logout")
    login(make_user())
    assert client.get(f"/quizzes/attempts/{taking}").status_code == 404
    assert client.post(f"/quizzes/attempts/{taking}/answer", data={"slots": "1"}).status_code == 404
    assert client.get(f"/quizzes/attempts/{taking}/review").status_code == 404


def test_answer_after_the_deadline_is_not_counted(app, client, taking):
    with app.app_context():
        attempt = db.session.get(Attempt, taking)
        attempt.deadline_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    form = correct_form(app, taking)
    response = client.post(f"/quizzes/attempts/{taking}/answer", data=form)
    assert response.status_code == 302 and response.location.endswith("/review")
    with app.app_context():
        attempt = db.session.get(Attempt, taking)
        assert attempt.state == AttemptState.FINISHED and attempt.score == 0
    assert all(item[3] is None for item in items_of(app, taking))


def test_double_submit_grades_once(app, client, taking):
    client.post(f"/quizzes/attempts/{taking}/answer", data=correct_form(app, taking))
    client.post(f"/quizzes/attempts/{taking}/finish")
    with app.app_context():
        first = db.session.get(Attempt, taking).graded_at
    client.post(f"/quizzes/attempts/{taking}/finish")
    with app.app_context():
        assert db.session.get(Attempt, taking).graded_at == first


def test_score_hidden_when_the_quiz_says_never(app, client, taking):
    with app.app_context():
        quiz = db.session.get(Attempt, taking).quiz
        quiz.show_score = quiz.show_feedback = quiz.show_answers = "never"
        db.session.commit()
    client.post(f"/quizzes/attempts/{taking}/answer", data=correct_form(app, taking))
    client.post(f"/quizzes/attempts/{taking}/finish")
    review = client.get(f"/quizzes/attempts/{taking}/review").text
    assert "Nilai:" not in review and "Jayapurakunci" not in review and "Betul." not in review


def test_feedback_and_answers_after_attempt(app, client, taking):
    with app.app_context():
        quiz = db.session.get(Attempt, taking).quiz
        quiz.show_answers = "after_attempt"
        db.session.commit()
    client.post(f"/quizzes/attempts/{taking}/finish")
    review = client.get(f"/quizzes/attempts/{taking}/review").text
    assert "Jawaban yang benar" in review and "Jayapurakunci" in review


def test_home_panel_links_to_the_open_attempt(client, taking):
    assert f"/quizzes/attempts/{taking}" in client.get("/").text


def test_open_attempt_is_closed_lazily_when_the_learner_returns(app, client, taking):
    with app.app_context():
        db.session.get(Attempt, taking).deadline_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    response = client.get(f"/quizzes/attempts/{taking}")
    assert response.status_code == 302 and response.location.endswith("/review")
    with app.app_context():
        assert db.session.get(Attempt, taking).finished_at is not None


def test_one_question_per_page(app, client, taking):
    with app.app_context():
        quiz = db.session.get(Attempt, taking).quiz
        quiz.layout = "one"
        db.session.commit()
    first = client.get(f"/quizzes/attempts/{taking}").text
    assert first.count('<fieldset class="question') == 1 and "Soal 1 dari 7" in first
    slot, _, snap, _ = items_of(app, taking)[0]
    response = client.post(
        f"/quizzes/attempts/{taking}/answer", data={"slots": str(slot), "page": "1", "go": "next"}
    )
    assert response.status_code == 302 and "page=2" in response.location
    assert "Soal 2 dari 7" in client.get(response.location).text
