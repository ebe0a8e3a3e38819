"""Course downloads over HTTP: the list of pages and files with sizes, and practice papers
that carry no answer key."""

import re

import pytest

from lms.courses import learning
from lms.courses import services as course_services
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.models import Quiz
from tests import factories
from tests.quizzes.conftest import ALL_TYPES_GIFT, build_quiz

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 2000


@pytest.fixture
def pack_world(app, world):
    """The world's course with an image and a PDF linked from a lesson, and a video lesson."""
    with app.app_context():
        course = db.session.get(Course, world["course"])
        trainer = db.session.merge(world["trainer"])
        course_services.upload_media(course, "peta.png", factories.png(40, 30), by=trainer)
        course_services.upload_media(course, "panduan.pdf", b"%PDF-1.4\n" + b"x" * 3000, by=trainer)
        video = course_services.upload_media(course, "kelas.mp4", MP4, by=trainer)
        db.session.expire(course, ["media"])  # the uploads were added to the session, not the list
        first, second = learning.outline(course).lessons[:2]
        course_services.update_lesson(
            first,
            course_services.LessonData(
                title=first.title,
                body_md="Lihat ![Peta](media/peta.png) dan [panduan](media/panduan.pdf).",
                duration_minutes=5,
            ),
            by=trainer,
        )
        course_services.update_lesson(
            second,
            course_services.LessonData(title=second.title, body_md="Video.", video_media_id=video.id),
            by=trainer,
        )
        course_services.publish(course, by=trainer)
        db.session.commit()
    return world


def test_an_enrolled_learner_gets_every_page_and_file_with_sizes(client, login, pack_world):
    login(pack_world["learner"])
    body = client.get(f"/api/v1/courses/{pack_world['slug']}/offline").get_json()
    slug = pack_world["slug"]
    assert body["course"]["slug"] == slug and body["cache"] == f"rb-u-{body['user']}-course-{slug}"
    urls = [p["url"] for p in body["pages"]]
    assert urls[0] == f"/courses/{slug}"
    assert [f"/courses/{slug}/learn/{lesson}" for lesson in pack_world["lessons"]] == urls[1:4]
    assert f"/quizzes/{pack_world['quiz']}" in urls and f"/quizzes/{pack_world['quiz']}/practice" in urls
    assert all(p["bytes"] > 0 for p in body["pages"])
    files = {f["name"]: f for f in body["files"]}
    assert set(files) == {"peta.png", "panduan.pdf", "kelas.mp4"}
    assert files["peta.png"]["kind"] == "image" and not files["peta.png"]["optional"]
    assert files["panduan.pdf"]["kind"] == "document" and files["panduan.pdf"]["bytes"] == 3009
    assert files["kelas.mp4"]["optional"] and body["video_bytes"] == len(MP4)
    assert body["bytes"] == sum(p["bytes"] for p in body["pages"]) + files["peta.png"]["bytes"] + 3009
    assert any("/static/offline-download.js?v=" in a for a in body["assets"])
    # Every listed URL opens for the learner (what the device will store).
    for url in urls + [f["url"] for f in body["files"]] + body["assets"]:
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()


def test_only_enrolled_learners_get_the_list(client, login, pack_world, make_user):
    assert client.get(f"/api/v1/courses/{pack_world['slug']}/offline").status_code == 401
    login(make_user())
    response = client.get(f"/api/v1/courses/{pack_world['slug']}/offline")
    assert response.status_code == 403
    assert client.get("/api/v1/courses/tidak-ada/offline").status_code == 404


def test_the_openapi_document_describes_the_download_list(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "get" in doc["paths"]["/api/v1/courses/{slug}/offline"]
    assert {"OfflinePack", "OfflineFile"} <= set(doc["components"]["schemas"])


def test_the_practice_paper_has_no_answer_key(client, login, world, app):
    with app.app_context():
        course = db.session.get(Course, world["course"])
        quiz = build_quiz(course, ALL_TYPES_GIFT, practice=True, title="Latihan Lengkap")
        db.session.commit()
        quiz_id = quiz.id
    login(world["learner"])
    page = client.get(f"/quizzes/{quiz_id}/practice")
    assert page.status_code == 200
    html = page.text
    assert html.count('<fieldset class="question card"') == 9  # the course bank: 2 + 7 questions
    assert 'data-offline-attempt="' in html and "offline-quiz.js" in html
    # Options are shown (their texts carry "kunci"), never which is right: no accepted short answer,
    # no feedback, no fractions.
    assert "siasnkunci" not in html.lower() and "Itu sosial kultural" not in html
    assert "Salah pilih" not in html and "Betul." not in html and "fraction" not in html
    again = client.get(f"/quizzes/{quiz_id}/practice").text
    attempt_ids = set(re.findall(r'data-offline-attempt="(\d+)"', html + again))
    assert len(attempt_ids) == 1  # the same open attempt, not a new one per visit


def test_only_practice_quizzes_have_a_paper_and_timed_ones_say_they_need_a_connection(
    client, login, world, app
):
    with app.app_context():
        quiz = db.session.get(Quiz, world["quiz"])
        quiz.practice, quiz.time_limit_minutes = False, 15
        db.session.commit()
    login(world["learner"])
    assert client.get(f"/quizzes/{world['quiz']}/practice").status_code == 404
    assert "Kuis berwaktu memerlukan koneksi internet" in client.get(f"/quizzes/{world['quiz']}").text


def test_a_practice_quiz_cannot_have_a_time_limit(client, login, world, app):
    from lms.quizzes import services
    from lms.quizzes.errors import QuizError

    with app.app_context():
        quiz = db.session.get(Quiz, world["quiz"])
        data = services.quiz_data(quiz)
        data.time_limit_minutes = 10
        with pytest.raises(QuizError, match="tidak boleh memiliki batas waktu"):
            services.update_quiz(quiz, data, by=None)
