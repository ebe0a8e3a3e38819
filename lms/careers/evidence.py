"""Evidence files of learning reported by learners: a PDF or a photo, checked by content.

The type is judged by the bytes (courses' media check: the name's extension must agree, images
are not too many pixels), then narrowed to what a certificate or an attendance letter comes as.
Files are kept under instance/uploads/evidence (inside the backup) with random names; the
original name is only a label.

What stays: the file of a report waiting for HR, returned, approved or revoked (HR's decision
rests on it, so it is kept for audit). What goes: the file of a report the learner withdrew and a
file replaced by a newer one, once the transaction that says so has committed (never before: a
rollback leaves the report pointing at its file); and, from the scheduled sweep, a file no report
refers to any more (its report deleted with the person, an upload whose transaction rolled back,
a removal lost in a crash) once it is older than `ORPHAN_GRACE`, so an upload whose request is
still running is never taken.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import filetype
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from ..core.committed import after_commit
from ..courses import media
from ..courses.errors import MediaRejected
from ..extensions import db
from .errors import CareerError
from .models import ExternalLearning

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
TYPES = {"application/pdf", "image/jpeg", "image/png", "image/webp"}
STORED_NAME = re.compile(r"^[A-Za-z0-9_-]{24}\.(pdf|jpg|png|webp)$")
PARTIAL_NAME = re.compile(r"^\.[A-Za-z0-9_-]{24}\.(pdf|jpg|png|webp)\.part$")
LABEL_MAX = 120
ORPHAN_GRACE = timedelta(days=1)
CHUNK = 500


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


def remove_after_commit(stored_name: str | None) -> None:
    """Remove the stored file once the current transaction commits (nothing if it rolls back)."""
    if stored_name:
        after_commit(db.session(), remove, stored_name)


def sweep(*, grace: timedelta = ORPHAN_GRACE, now: float | None = None) -> int:
    """Remove the evidence files no report refers to, older than `grace` (and unfinished writes
    as old); returns how many were removed."""
    cutoff = (time.time() if now is None else now) - grace.total_seconds()
    candidates: dict[str, Path] = {}
    removed = 0
    for path in folder().iterdir():
        try:
            old = path.is_file() and path.stat().st_mtime < cutoff
        except FileNotFoundError:  # removed meanwhile
            continue
        if not old:
            continue
        if STORED_NAME.match(path.name):
            candidates[path.name] = path
        elif PARTIAL_NAME.match(path.name):
            path.unlink(missing_ok=True)
            removed += 1
    names = sorted(candidates)
    for start in range(0, len(names), CHUNK):
        chunk = names[start : start + CHUNK]
        kept = set(
            db.session.scalars(
                sa.select(ExternalLearning.evidence_file).where(ExternalLearning.evidence_file.in_(chunk))
            )
        )
        for name in chunk:
            if name not in kept:
                candidates[name].unlink(missing_ok=True)
                removed += 1
    if removed:
        logger.info("evidence sweep: %d files no report refers to removed", removed)
    return removed
