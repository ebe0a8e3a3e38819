"""Low-data mode on pages: large images wait for a tap, videos and video rooms for a choice."""

import re

import pytest

from lms.courses import learning
from lms.courses import services as course_services
from lms.courses.models import Course
from lms.extensions import db
from lms.offline import preferences
from tests import factories

from .test_downloads import MP4


@pytest.fixture
def media_lesson(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOW_DATA_IMAGE_BYTES", 200)
    with app.app_context():
        course = db.session.get(Course, world["course"])
        trainer = db.session.merge(world["trainer"])
        course_services.upload_media(course, "besar.png", factories.png(300, 200), by=trainer)
        course_services.upload_media(course, "kecil.png", factories.png(2, 2), by=trainer)
        video = course_services.upload_media(course, "kelas.mp4", MP4, by=trainer)
        db.session.expire(course, ["media"])
        lesson = learning.outline(course).lessons[0]
        course_services.update_lesson(
            lesson,
            course_services.LessonData(
                title="Bergambar",
                body_md="![Peta besar](media/besar.png) dan ![ikon](media/kecil.png)",
                video_media_id=video.id,
            ),
            by=trainer,
        )
        db.session.commit()
        return f"/courses/{world['slug']}/learn/{lesson.id}"


def low_data(app, user, on=True):
    with app.app_context():
        preferences.set_low_data(db.session.merge(user), on)
        db.session.commit()


def test_without_low_data_mode_images_and_video_load_as_usual(client, login, world, media_lesson):
    login(world["learner"])
    html = client.get(media_lesson).text
    assert html.count("<img ") == 2 and "<video " in html and "img-wait" not in html


def test_low_data_mode_holds_large_images_and_the_video(client, login, world, media_lesson, app):
    low_data(app, world["learner"])
    login(world["learner"])
    html = client.get(media_lesson).text
    assert html.count("<img ") == 1 and 'alt="ikon"' in html  # the small one still loads
    wait = re.search(
        r'<a class="img-wait" href="(/courses/media/[^"]+)" data-src="\1"[^>]*>([^<]+)</a>', html
    )
    assert wait, html
    assert re.fullmatch(r"Ketuk untuk memuat gambar Peta besar \(\d+ KB\)", wait.group(2))
    assert 'data-alt="Peta besar"' in wait.group(0) and 'data-width="300"' in wait.group(0)
    assert "<video " not in html and "Putar video (2 KB)" in html
    assert "<video " in client.get(media_lesson + "?video=1").text  # asked for it


def test_low_data_mode_keeps_the_video_room_closed_until_asked(client, login, world, app):
    with app.app_context():
        host = db.session.merge(world["trainer"])
        webinar = factories.webinar(host, video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
        factories.registration(webinar, db.session.merge(world["learner"]))
        db.session.commit()
        room = f"/webinars/{webinar.id}/room"
    login(world["learner"])
    assert "<iframe" in client.get(room).text
    low_data(app, world["learner"])
    html = client.get(room).text
    assert "<iframe" not in html and "Muat video di halaman ini" in html
    assert "<iframe" in client.get(room + "?video=1").text
