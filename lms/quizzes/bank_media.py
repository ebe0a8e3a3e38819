"""Images and audio that come with a question bank (Moodle XML <file> elements) as course media.

Every file is checked by the course media store's own rules (type by content, size, name) before
anything is written, so a bank with one bad file is refused whole; then the files are stored and
the questions' @@PLUGINFILE@@ links point at them. Writing a bank back, the media its questions
link to go into the file again, as Moodle does.
"""

from __future__ import annotations

import hashlib
from urllib.parse import unquote

from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..courses import media as media_store
from ..courses.errors import MediaRejected
from ..courses.models import Course
from . import formats
from .formats import QuestionSpec
from .models import Question


def media_problems(specs: list[QuestionSpec]) -> list[formats.FormatProblem]:
    """Every embedded file the course media store would refuse (checked before anything is written)."""
    problems = []
    for spec in specs:
        for key, blob in spec.files.items():
            try:
                media_store.check_media(key.rsplit("/", 1)[-1], blob)
            except MediaRejected as exc:
                problems.append(formats.FormatProblem(spec.line, spec.name, f"{key}: {exc}"))
    return problems


def store_media(course: Course, spec: QuestionSpec, *, by: User | None) -> None:
    """Keep a question's embedded files as course media and point its links at them.

    A different file under a name the course already uses gets the name with part of its hash,
    so an import never changes the images of other questions or lessons.
    """
    names: dict[str, str] = {}
    for key, blob in spec.files.items():
        name, _ = media_store.check_media(key.rsplit("/", 1)[-1], blob)
        existing = media_store.media_by_name(course, name)
        digest = hashlib.sha256(blob).hexdigest()
        if existing is not None and existing.sha256 != digest:
            stem, _, extension = name.rpartition(".")
            name = f"{stem[:100]}-{digest[:8]}.{extension}"
            spec.notes.append(
                str(
                    _l(
                        "Berkas %(f)s disimpan sebagai %(n)s: nama itu sudah dipakai berkas lain.",
                        f=key,
                        n=name,
                    )
                )
            )
        media, _ = media_store.put_media(course, name, blob, by=by)
        names[key] = media.original_name
    if not names:
        return

    def replace(text: str) -> str:
        return formats.PLUGINFILE.sub(
            lambda m: f"media/{names.get(unquote(m.group(1)), unquote(m.group(1)))}", text
        )

    spec.prompt = replace(spec.prompt)
    spec.general_feedback = replace(spec.general_feedback)
    spec.data = formats.rewrite(spec.data, replace)
    spec.notes.append(
        str(_l("Berkas media disimpan di kursus: %(names)s.", names=", ".join(sorted(set(names.values())))))
    )


def media_reader(questions: list[Question]):
    """name -> bytes of the course media the questions may link to (None for unknown names)."""
    courses = {q.bank.course_id: q.bank.course for q in questions}

    def media_of(name: str) -> bytes | None:
        for course in courses.values():
            media = media_store.media_by_name(course, name)
            if media is not None and media_store.file_path(media).is_file():
                return media_store.file_path(media).read_bytes()
        return None

    return media_of
