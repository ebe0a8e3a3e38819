"""What "Unduh untuk luring" stores on the device for a course: its pages and files, with sizes.

The list is what an enrolled learner may open: the course page, every active lesson, the quizzes
(a practice quiz with its paper: the learner's open attempt, shown without the answer key), the
images and documents the lessons link, and the videos, which are offered separately because they
are large. Sizes of files are exact; sizes of pages are estimates (they are rendered per learner).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..courses import learning
from ..courses.models import MEDIA_URL_PREFIX, Course, Lesson, Media
from ..extensions import db
from ..quizzes import services as quiz_services
from ..quizzes.models import Quiz

logger = logging.getLogger(__name__)

# Versioned static files every page needs: the worker stores them when it installs.
SHELL_ASSETS = ("app.css", "offline.js")
# A lesson page around its text: header, outline, footer (uncompressed, as the cache stores it).
PAGE_OVERHEAD_BYTES = 6_000
_MEDIA_LINK = re.compile(re.escape(MEDIA_URL_PREFIX) + r"([A-Za-z0-9_-]{24}\.[a-z0-9]{3,4})")


@dataclass
class CoursePack:
    course: Course
    lessons: list[Lesson]
    quizzes: list[Quiz]
    files: list[Media] = field(default_factory=list)  # images and documents
    videos: list[Media] = field(default_factory=list)

    def page_bytes(self, lesson: Lesson | None = None) -> int:
        body = lesson.body_html if lesson is not None else self.course.summary
        return PAGE_OVERHEAD_BYTES + len((body or "").encode())


def course_pack(course: Course) -> CoursePack:
    """Everything a learner needs to read the course and take its practice quizzes offline."""
    lessons = learning.outline(course).lessons
    names: list[str] = []
    for lesson in lessons:
        for name in _MEDIA_LINK.findall(lesson.body_html or ""):
            if name not in names:
                names.append(name)
    media = (
        {m.stored_name: m for m in db.session.scalars(sa.select(Media).where(Media.stored_name.in_(names)))}
        if names
        else {}
    )
    linked = [media[n] for n in names if n in media and media[n].course_id == course.id]
    videos = [m for m in linked if m.kind == "video"]
    for lesson in lessons:
        if lesson.video_media is not None and lesson.video_media not in videos:
            videos.append(lesson.video_media)
    files = [m for m in linked if m.kind != "video"]
    quizzes = quiz_services.quizzes_of(course, published_only=True)
    return CoursePack(course, lessons, quizzes, files, videos)
