"""Reading and writing course bundles as folders or zip files, safely.

A bundle is read into memory as {relative posix path: bytes}; nothing is extracted to disk, and
every entry is checked first: no absolute paths, no `..`, no backslashes, no symbolic links,
no encrypted entries, and limits on the number of files and their sizes (a zip's declared sizes
are not trusted: reads stop at the limit).
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

DEFAULT_MAX_FILES = 500
DEFAULT_MAX_TOTAL = 100 * 1024 * 1024
DEFAULT_MAX_FILE = 20 * 1024 * 1024
# An entry that unpacks to more than this many times its packed size is refused before it is
# read (text compresses ~5-10x, media barely); only entries over MIN_RATIO_CHECK are judged.
MAX_COMPRESSION_RATIO = 200
MIN_RATIO_CHECK = 1024 * 1024
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Problem:
    """Something wrong in a bundle: the file, the line (when known) and what is wrong."""

    file: str
    line: int | None
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class BundleInvalid(Exception):
    """The bundle cannot be imported; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def limits() -> tuple[int, int, int]:
    config = current_app.config
    return (
        int(config.get("COURSE_BUNDLE_MAX_FILES", DEFAULT_MAX_FILES)),
        int(config.get("COURSE_BUNDLE_MAX_BYTES", DEFAULT_MAX_TOTAL)),
        int(config.get("COURSE_MEDIA_MAX_BYTES", DEFAULT_MAX_FILE)),
    )


def _unsafe_name(name: str) -> bool:
    parts = name.split("/")
    return (
        not name
        or "\\" in name
        or name.startswith("/")
        or bool(_DRIVE.match(name))
        or any(part in ("", ".", "..") for part in parts)
        or "\x00" in name
    )


def _ignored(name: str) -> bool:
    parts = name.split("/")
    return parts[0] == "__MACOSX" or parts[-1] in IGNORED_NAMES or parts[-1].startswith("._")


def _strip_top_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    """A zip made by compressing the bundle's folder has everything under one top folder."""
    if "course.yaml" in files or not files:
        return files
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) == 1 and all("/" in name for name in files):
        top = tops.pop()
        return {name[len(top) + 1 :]: data for name, data in files.items()}
    return files


def _total_too_large(max_total: int) -> Problem:
    return Problem(
        "(zip)", None, str(_l("Isi zip melebihi batas %(mb)s MB.", mb=round(max_total / 2**20, 1)))
    )


def read_zip(data: bytes) -> dict[str, bytes]:
    """The files of a zipped bundle; raises BundleInvalid listing every unsafe entry."""
    max_files, max_total, max_file = limits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise BundleInvalid([Problem("(zip)", None, str(_l("Berkas ini bukan zip yang valid.")))]) from None
    problems: list[Problem] = []
    files: dict[str, bytes] = {}
    entries = [info for info in archive.infolist() if not info.is_dir()]
    if len(entries) > max_files:
        raise BundleInvalid(
            [
                Problem(
                    "(zip)",
                    None,
                    str(_l("Zip berisi %(n)d berkas; batasnya %(max)d.", n=len(entries), max=max_files)),
                )
            ]
        )
    declared = sum(info.file_size for info in entries)
    if declared > max_total:
        raise BundleInvalid([_total_too_large(max_total)])
    total = 0
    for info in entries:
        name = info.filename
        if _ignored(name):
            continue
        if _unsafe_name(name):
            problems.append(Problem(name, None, str(_l("Nama atau lokasi berkas tidak aman."))))
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            problems.append(Problem(name, None, str(_l("Tautan simbolik tidak diizinkan."))))
            continue
        if info.flag_bits & 0x1:
            problems.append(Problem(name, None, str(_l("Berkas terenkripsi tidak didukung."))))
            continue
        if name in files:
            problems.append(Problem(name, None, str(_l("Berkas ini ada dua kali di dalam zip."))))
            continue
        if info.file_size > MIN_RATIO_CHECK and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            message = _l(
                "Rasio kompresi berkas ini tidak wajar (lebih dari %(n)d kali); "
                "berkas ditolak demi keamanan.",
                n=MAX_COMPRESSION_RATIO,
            )
            problems.append(Problem(name, None, str(message)))
            continue
        with archive.open(info) as handle:
            content = handle.read(max_file + 1)
        if len(content) > max_file:
            problems.append(
                Problem(
                    name, None, str(_l("Berkas melebihi batas %(mb)s MB.", mb=round(max_file / 2**20, 1)))
                )
            )
            continue
        total += len(content)  # declared sizes can lie: the real bytes count too
        if total > max_total:
            problems.append(_total_too_large(max_total))
            break
        files[name] = content
    if problems:
        raise BundleInvalid(problems)
    return _strip_top_folder(files)


def read_folder(root: Path) -> dict[str, bytes]:
    """The files of a bundle folder; symbolic links and oversized content are refused."""
    max_files, max_total, max_file = limits()
    problems: list[Problem] = []
    files: dict[str, bytes] = {}
    total = 0
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        for dirname in list(dirnames):
            if (Path(folder) / dirname).is_symlink():
                rel = (Path(folder) / dirname).relative_to(root).as_posix()
                problems.append(Problem(rel, None, str(_l("Tautan simbolik tidak diizinkan."))))
                dirnames.remove(dirname)
            elif dirname.startswith("."):
                dirnames.remove(dirname)
        for filename in sorted(filenames):
            path = Path(folder) / filename
            rel = path.relative_to(root).as_posix()
            if filename.startswith(".") or _ignored(rel):
                continue
            if path.is_symlink():
                problems.append(Problem(rel, None, str(_l("Tautan simbolik tidak diizinkan."))))
                continue
            if len(files) >= max_files:
                raise BundleInvalid(
                    [Problem(".", None, str(_l("Bundel berisi lebih dari %(max)d berkas.", max=max_files)))]
                )
            size = path.stat().st_size
            if size > max_file:
                problems.append(
                    Problem(
                        rel, None, str(_l("Berkas melebihi batas %(mb)s MB.", mb=round(max_file / 2**20, 1)))
                    )
                )
                continue
            total += size
            if total > max_total:
                raise BundleInvalid(
                    [
                        Problem(
                            ".",
                            None,
                            str(_l("Isi bundel melebihi batas %(mb)s MB.", mb=round(max_total / 2**20, 1))),
                        )
                    ]
                )
            files[rel] = path.read_bytes()
    if problems:
        raise BundleInvalid(problems)
    return files


def read_bundle(path: Path) -> dict[str, bytes]:
    """A bundle from a folder or a .zip file."""
    path = Path(path)
    if path.is_dir():
        return read_folder(path)
    if path.is_file() and path.suffix.lower() == ".zip":
        limit = int(current_app.config.get("COURSE_BUNDLE_MAX_UPLOAD", DEFAULT_MAX_TOTAL))
        if path.stat().st_size > limit:
            message = _l("Berkas zip melebihi batas %(mb)s MB.", mb=round(limit / 2**20, 1))
            raise BundleInvalid([Problem(str(path), None, str(message))])
        return read_zip(path.read_bytes())
    raise BundleInvalid(
        [Problem(str(path), None, str(_l("Bundel harus berupa folder atau berkas .zip yang ada.")))]
    )


# Fixed timestamps and permissions, so exporting the same course twice gives the same zip.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def write_bundle(files: dict[str, bytes], dest: Path) -> None:
    """Write a bundle to a folder, or to a zip file when the path ends in .zip."""
    dest = Path(dest)
    if dest.suffix.lower() == ".zip":
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(zip_bytes(files))
        return
    for name, data in files.items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
