"""Course media: type checked by content, stored under instance/uploads/ with random names.

A file is accepted when its bytes are one of the types we serve (PNG, JPEG, GIF, WebP, PDF,
MP4, WebM, MP3, Ogg, WAV, or an SVG without scripts) and its name's extension agrees with the content. The
original name is kept only as a label (lessons refer to media by it); the file on disk gets a
random name chosen here, so no user input ever becomes a path.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import struct
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from ..accounts.models import User
from ..content import MediaLink
from ..extensions import db
from .errors import MediaRejected
from .models import Course, Media

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Images are not decoded here, but every learner's browser decodes them (4 bytes a pixel): a
# small PNG can claim 10 gigapixels. 50 million pixels is more than a phone camera's photo.
DEFAULT_MAX_PIXELS = 50_000_000
SVG_MAX_DEPTH = 64
SVG_MAX_ELEMENTS = 50_000
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")
STORED_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{24}\.[a-z0-9]{3,4}$")

# content type -> (stored extension, extensions accepted in the original name)
TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "image/png": ("png", frozenset({"png"})),
    "image/jpeg": ("jpg", frozenset({"jpg", "jpeg"})),
    "image/gif": ("gif", frozenset({"gif"})),
    "image/webp": ("webp", frozenset({"webp"})),
    "image/svg+xml": ("svg", frozenset({"svg"})),
    "application/pdf": ("pdf", frozenset({"pdf"})),
    "video/mp4": ("mp4", frozenset({"mp4", "m4v"})),
    "video/webm": ("webm", frozenset({"webm"})),
    # Audio: listening questions of imported Moodle banks, recorded explanations in lessons.
    "audio/mpeg": ("mp3", frozenset({"mp3"})),
    "audio/ogg": ("ogg", frozenset({"ogg", "oga"})),
    "audio/x-wav": ("wav", frozenset({"wav"})),
}
ACCEPTED_EXTENSIONS = sorted({ext for _, exts in TYPES.values() for ext in exts})


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    extension: str
    width: int | None = None
    height: int | None = None


def max_bytes() -> int:
    return int(current_app.config.get("COURSE_MEDIA_MAX_BYTES", DEFAULT_MAX_BYTES))


def uploads_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean_media_name(raw: str) -> str:
    """A safe file name to show and to refer to from lessons (no folders, no odd characters)."""
    name = secure_filename(os.path.basename((raw or "").replace("\\", "/")))
    if not NAME_PATTERN.match(name) or "." not in name:
        raise MediaRejected(
            _l(
                "Nama berkas tidak valid. Gunakan huruf, angka, titik, garis bawah atau tanda "
                "hubung, beserta ekstensinya (misalnya foto-kantor.png)."
            ),
            "file",
        )
    return name


# ---------------------------------------------------------------- content checks


def _svg_size(value: str | None) -> int | None:
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(px)?\s*", value or "")
    return round(float(match.group(1))) if match else None


_SVG_FORBIDDEN_ELEMENTS = {
    "script",
    "foreignobject",
    "handler",
    "listener",
    "set",
    "animate",
    "animatemotion",
    "animatetransform",
    "iframe",
    "embed",
    "object",
}


def _parse_svg(text: str, rejected: MediaRejected) -> ElementTree.Element:
    """The root element, parsed in pieces so that too deep or too many elements stop it early."""
    parser = ElementTree.XMLPullParser(events=("start", "end"))  # noqa: S314 - no DTD reaches it
    root, depth, count = None, 0, 0
    try:
        for offset in range(0, max(len(text), 1), 65536):
            parser.feed(text[offset : offset + 65536])
            for event, element in parser.read_events():
                if event == "end":
                    depth -= 1
                    continue
                root = element if root is None else root
                depth, count = depth + 1, count + 1
                if depth > SVG_MAX_DEPTH or count > SVG_MAX_ELEMENTS:
                    raise MediaRejected(
                        _l(
                            "Berkas SVG terlalu rumit (bersarang lebih dari %(d)d tingkat atau lebih dari "
                            "%(n)d elemen).",
                            d=SVG_MAX_DEPTH,
                            n=SVG_MAX_ELEMENTS,
                        ),
                        "file",
                    )
        parser.close()
    except ElementTree.ParseError:
        raise rejected from None
    if root is None:
        raise rejected
    return root


def check_svg(data: bytes) -> tuple[int | None, int | None]:
    """Accept only a plain drawing: no scripts, event handlers, external references or entities."""
    rejected = MediaRejected(
        _l("Berkas SVG ini memuat skrip atau rujukan luar dan tidak dapat diterima."), "file"
    )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise rejected from None
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered or "javascript:" in lowered:
        raise rejected
    root = _parse_svg(text, rejected)
    if root.tag.rsplit("}", 1)[-1] != "svg":
        raise rejected
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = element.tag.rsplit("}", 1)[-1].lower()
        if local in _SVG_FORBIDDEN_ELEMENTS:
            raise rejected
        if local == "style" and ("@import" in (element.text or "") or "url(" in (element.text or "")):
            raise rejected
        for attr, value in element.attrib.items():
            name = attr.rsplit("}", 1)[-1].lower()
            if name.startswith("on") or (name == "href" and not value.startswith("#")):
                raise rejected
            if "url(" in value and not re.fullmatch(r"\s*url\(#[A-Za-z0-9_-]+\)\s*", value):
                raise rejected
    width, height = _svg_size(root.get("width")), _svg_size(root.get("height"))
    if (width is None or height is None) and root.get("viewBox"):
        parts = root.get("viewBox", "").replace(",", " ").split()
        if len(parts) == 4:
            width, height = _svg_size(parts[2]), _svg_size(parts[3])
    return width, height


def image_size(data: bytes, content_type: str) -> tuple[int | None, int | None]:
    """Pixel size read from the image header; (None, None) when it cannot be told."""
    try:
        if content_type == "image/png" and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if content_type == "image/gif":
            return struct.unpack("<HH", data[6:10])
        if content_type == "image/webp":
            chunk = data[12:16]
            if chunk == b"VP8 ":
                w, h = struct.unpack("<HH", data[26:30])
                return w & 0x3FFF, h & 0x3FFF
            if chunk == b"VP8L":
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
            if chunk == b"VP8X":
                return (int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1)
        if content_type == "image/jpeg":
            i = 2
            while i + 9 < len(data):
                if data[i] != 0xFF:
                    i += 1
                    continue
                marker = data[i + 1]
                if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                    i += 1 if marker == 0xFF else 2
                    continue
                length = struct.unpack(">H", data[i + 2 : i + 4])[0]
                if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                    h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                    return w, h
                i += 2 + length
    except struct.error:
        pass
    return None, None


def sniff(data: bytes, name: str) -> Sniffed:
    """The type of a file judged by its content; its name's extension must agree."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    guessed = filetype.guess(data[:8192]) if data else None
    content_type = guessed.mime if guessed is not None else None
    if content_type == "video/x-m4v":
        content_type = "video/mp4"
    if content_type is None and extension == "svg":
        content_type = "image/svg+xml"
    if content_type not in TYPES:
        raise MediaRejected(
            _l(
                "Jenis berkas tidak didukung. Yang diterima: gambar PNG, JPEG, GIF, WebP atau SVG, "
                "dokumen PDF, video MP4 atau WebM, dan audio MP3, Ogg atau WAV."
            ),
            "file",
        )
    stored_extension, extensions = TYPES[content_type]
    if extension not in extensions:
        raise MediaRejected(
            _l(
                "Isi berkas tidak sesuai dengan ekstensinya (.%(ext)s). Periksa kembali berkasnya.",
                ext=extension or "?",
            ),
            "file",
        )
    if content_type == "image/svg+xml":
        width, height = check_svg(data)
    else:
        width, height = image_size(data, content_type)
        limit = int(current_app.config.get("COURSE_IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS))
        if width and height and width * height > limit:
            raise MediaRejected(
                _l(
                    "Gambar terlalu besar (%(w)d × %(h)d piksel; paling banyak %(mp)d juta piksel). "
                    "Perkecil gambarnya lalu unggah lagi.",
                    w=width,
                    h=height,
                    mp=limit // 1_000_000,
                ),
                "file",
            )
    return Sniffed(content_type, stored_extension, width, height)


# ---------------------------------------------------------------- storing


def _write(data: bytes, extension: str) -> str:
    stored_name = f"{secrets.token_urlsafe(18)}.{extension}"
    folder = uploads_dir()
    temporary = folder / f".{stored_name}.part"
    temporary.write_bytes(data)
    os.replace(temporary, folder / stored_name)
    return stored_name


def _remove(stored_name: str) -> None:
    if STORED_NAME_PATTERN.match(stored_name):
        (uploads_dir() / stored_name).unlink(missing_ok=True)


def file_path(media: Media) -> Path:
    return uploads_dir() / media.stored_name


def media_links(course: Course) -> dict[str, MediaLink]:
    """The course's media by the name lessons use for them."""
    return {m.original_name: MediaLink(m.url, m.width, m.height) for m in course.media}


def media_by_name(course: Course, name: str) -> Media | None:
    return next((m for m in course.media if m.original_name == name), None)


def check_media(name: str, data: bytes) -> tuple[str, Sniffed]:
    """(clean name, type) of a file the store would accept; MediaRejected says why not."""
    name = clean_media_name(name)
    limit = max_bytes()
    if len(data) > limit:
        raise MediaRejected(
            _l("Ukuran berkas melebihi batas %(mb)s MB.", mb=round(limit / 1024 / 1024, 1)), "file"
        )
    if not data:
        raise MediaRejected(_l("Berkas kosong."), "file")
    return name, sniff(data, name)


def put_media(course: Course, name: str, data: bytes, *, by: User | None) -> tuple[Media, bool]:
    """Store a file under a name of the course (replacing a different file of the same name).

    Returns the media and whether anything changed. Callers re-render the course's lessons.
    """
    name, sniffed = check_media(name, data)
    digest = hashlib.sha256(data).hexdigest()
    media = media_by_name(course, name)
    if media is not None and media.sha256 == digest:
        return media, False
    stored_name = _write(data, sniffed.extension)
    old_stored = media.stored_name if media is not None else None
    if media is None:
        media = Media(course=course, original_name=name)
        db.session.add(media)
    media.stored_name = stored_name
    media.content_type = sniffed.content_type
    media.size = len(data)
    media.sha256 = digest
    media.width, media.height = sniffed.width, sniffed.height
    media.uploaded_by_id = by.id if by else None
    db.session.flush()
    if old_stored:
        _remove(old_stored)
    logger.info(
        "media %s (%s, %s bytes) stored for course %s by %s",
        media.id,
        sniffed.content_type,
        len(data),
        course.id,
        by and by.id,
    )
    return media, True


def delete_media(media: Media) -> None:
    """Remove a media row and its file; lessons that used it lose the reference."""
    stored_name = media.stored_name
    media.course.media.remove(media)
    db.session.flush()
    _remove(stored_name)
