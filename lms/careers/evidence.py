"""Evidence files of learning reported by learners: a PDF or a photo, checked by content.

The type is judged by the bytes (courses' media check: the name's extension must agree, images
are not too many pixels), then narrowed to what a certificate or an attendance letter comes as.
Files are kept under instance/uploads/evidence (inside the backup) with random names; the
original name is only a label.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from ..courses import media
from ..courses.errors import MediaRejected
from .errors import CareerError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
TYPES = {"application/pdf", "image/jpeg", "image/png", "image/webp"}
STORED_NAME = re.compile(r"^[A-Za-z0-9_-]{24}\.(pdf|jpg|png|webp)$")
LABEL_MAX = 120


@dataclass(frozen=True)
class EvidenceUpload:
    """A file as the learner sent it."""

    name: str
    data: bytes


@dataclass(frozen=True)
class CheckedEvidence:
    label: str
    content_type: str
    extension: str
    data: bytes


def max_bytes() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def folder() -> Path:
    path = media.uploads_dir() / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def check(upload: EvidenceUpload) -> CheckedEvidence:
    """The file if it is a PDF or a JPEG/PNG/WebP photo within the size limit; CareerError if not."""
    if not upload.data:
        raise CareerError(_l("Berkas bukti kosong. Pilih berkasnya lagi."), "evidence")
    limit = max_bytes()
    if len(upload.data) > limit:
        raise CareerError(
            _l("Berkas bukti terlalu besar (paling besar %(mb)d MB).", mb=max(1, limit // (1024 * 1024))),
            "evidence",
        )
    label = secure_filename(os.path.basename((upload.name or "").replace("\\", "/")))[-LABEL_MAX:]
    wrong = CareerError(
        _l("Bukti harus berupa dokumen PDF atau foto JPEG, PNG atau WebP yang isinya sesuai ekstensinya."),
        "evidence",
    )
    guessed = filetype.guess(upload.data[:8192])
    if "." not in label or guessed is None or guessed.mime not in TYPES:
        raise wrong
    try:  # the extension agrees with the content, an image is not too many pixels
        sniffed = media.sniff(upload.data, label)
    except MediaRejected as exc:
        raise CareerError(str(exc), "evidence") from None
    return CheckedEvidence(label, sniffed.content_type, sniffed.extension, upload.data)


def store(checked: CheckedEvidence) -> str:
    """Write the file under a new random name; the name."""
    name = f"{secrets.token_urlsafe(18)}.{checked.extension}"
    temporary = folder() / f".{name}.part"
    temporary.write_bytes(checked.data)
    os.replace(temporary, folder() / name)
    return name


def path_of(stored_name: str | None) -> Path | None:
    """Where a stored file is, if the name is one this module made and the file exists."""
    if not stored_name or not STORED_NAME.match(stored_name):
        return None
    path = folder() / stored_name
    return path if path.is_file() else None


def remove(stored_name: str | None) -> None:
    path = path_of(stored_name)
    if path is not None:
        path.unlink(missing_ok=True)
