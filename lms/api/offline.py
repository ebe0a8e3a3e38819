"""The list of what a course download stores on the device ("Unduh untuk luring")."""

from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user
from flask_smorest import Blueprint

from ..core.templating import asset_url
from ..courses import learning
from ..offline import downloads
from ..offline.keys import user_key
from . import schemas
from .courses import login_required, published_course

blp = Blueprint(
    "api_offline", __name__, url_prefix="/api/v1", description="Courses downloaded for offline learning"
)

DOWNLOAD_SCRIPTS = ("offline-download.js", "offline-quiz.js")


def _file(media, optional: bool) -> dict:
    return {
        "url": media.url,
        "name": media.original_name,
        "kind": media.kind,
        "content_type": media.content_type,
        "bytes": media.size,
        "optional": optional,
    }


@blp.get("/courses/<slug>/offline")
@login_required
@blp.response(200, schemas.OfflinePack)
def offline_pack(slug):
    """The pages and files of a course to store on the device, with their sizes (enrolled learners).

    Videos are listed with `optional: true`: the device asks before storing them. Page sizes are
    estimates; file sizes are exact.
    """
    course = published_course(slug)
    if learning.enrolment_for(current_user, course) is None:
        abort(403, description="Daftar ke kursus ini terlebih dahulu untuk mengunduhnya.")
    pack = downloads.course_pack(course)
    pages = [
        {
            "url": url_for("courses.detail", slug=course.slug),
            "title": course.title,
            "kind": "course",
            "bytes": pack.page_bytes(),
        },
    ]
    pages += [
        {
            "url": url_for("courses.lesson", slug=course.slug, lesson_id=lesson.id),
            "title": lesson.title,
            "kind": "lesson",
            "bytes": pack.page_bytes(lesson),
        }
        for lesson in pack.lessons
    ]
    for quiz in pack.quizzes:
        pages.append(
            {
                "url": url_for("quizzes.detail", quiz_id=quiz.id),
                "title": quiz.title,
                "kind": "quiz",
                "bytes": downloads.PAGE_OVERHEAD_BYTES,
            }
        )
        if quiz.practice:
            pages.append(
                {
                    "url": url_for("quizzes.practice", quiz_id=quiz.id),
                    "title": quiz.title,
                    "kind": "practice",
                    "bytes": 2 * downloads.PAGE_OVERHEAD_BYTES,
                }
            )
    files = [_file(m, False) for m in pack.files] + [_file(m, True) for m in pack.videos]
    return {
        "course": {"slug": course.slug, "title": course.title, "version": course.version},
        "user": user_key(current_user),
        "cache": f"rb-u-{user_key(current_user)}-course-{course.slug}",
        "assets": [asset_url(name) for name in (*downloads.SHELL_ASSETS, *DOWNLOAD_SCRIPTS)],
        "pages": pages,
        "files": files,
        "bytes": sum(p["bytes"] for p in pages) + sum(f["bytes"] for f in files if not f["optional"]),
        "video_bytes": sum(f["bytes"] for f in files if f["optional"]),
    }
