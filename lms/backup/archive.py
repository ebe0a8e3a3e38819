"""One archive holds everything an instance needs back after a loss: the database, the uploaded
course media and the certificate signing keys, with a manifest of checksums.

    backup-<UTC time>.tar.gz
      manifest.json           format, creation time, database kind and Alembic revision, every file
                              below with its size and SHA-256
      database.sqlite3        SQLite: a consistent copy made with SQLite's online backup API
      database.pgdump         PostgreSQL: `pg_dump --format=custom` of DATABASE_URL (its schema)
      files/uploads/...       course media (instance/uploads)
      files/signing-keys/...  the Ed25519 keys when they live in a folder or a file

A restore first unpacks everything next to its destination and checks it against the manifest
(paths, sizes, checksums, the database kind, a revision this code knows); a corrupt, truncated or
tampered archive is refused before anything is touched. Then the parts are swapped in: folders
and the SQLite file by renames (what was there is kept as `*.before-restore-<time>`), PostgreSQL by
`pg_restore --single-transaction`; if a later step fails, the earlier ones are undone.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy.engine import make_url

from ..certificates.signing import key_source
from ..courses.media import uploads_dir
from ..extensions import db

logger = logging.getLogger(__name__)

FORMAT = "lms-backup"
VERSION = 1
MANIFEST = "manifest.json"


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why (nothing was changed)."""


@dataclass
class Part:
    """A folder or file of the instance that goes into the archive under files/<name>."""

    name: str
    path: Path


@dataclass
class Summary:
    archive: Path
    database: str
    revision: str | None
    files: int
    bytes: int
    notes: list[str] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


# ---------------------------------------------------------------- what an instance consists of


def database_kind() -> str:
    return "sqlite" if db.engine.dialect.name == "sqlite" else "postgresql"


def sqlite_path() -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:":
        raise BackupError("the SQLite database is in memory: there is nothing to back up")
    return Path(name).resolve()


def parts() -> tuple[list[Part], list[str]]:
    """The instance's folders and files to archive, and notes on what is not archived."""
    found, notes = [Part("uploads", uploads_dir())], []
    source = key_source()
    if source.lstrip().startswith("-----BEGIN"):
        notes.append(
            "signing keys come from CERT_SIGNING_KEYS text in the environment: back that up yourself"
        )
    else:
        found.append(Part("signing-keys", Path(source)))
    return found, notes


def current_revision() -> str | None:
    try:
        return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    except sa.exc.DBAPIError:
        db.session.rollback()
        return None


def known_revisions() -> set[str]:
    config = current_app.extensions["migrate"].migrate.get_config()
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


# ---------------------------------------------------------------- PostgreSQL through pg_dump


def libpq_environment() -> tuple[dict[str, str], list[str]]:
    """DATABASE_URL as libpq variables (no password on a command line), and pg_dump's schema options."""
    url = make_url(str(db.engine.url.render_as_string(hide_password=False)))
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[variable] = str(value)
    options = str(url.query.get("options", ""))
    schemas = []
    if options:
        env["PGOPTIONS"] = options
        for option in options.split():
            if option.startswith("-csearch_path="):
                schemas = [s.strip().strip('"') for s in option.split("=", 1)[1].split(",") if s.strip()]
    return env, [f"--schema={schemas[0]}"] if schemas else []


def run_pg(program: str, *args: str) -> None:
    found = shutil.which(program)
    if found is None:
        raise BackupError(f"{program} is not installed (Debian: apt-get install postgresql-client)")
    env, _ = libpq_environment()
    result = subprocess.run([found, *args], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()[-2000:]}")


# ---------------------------------------------------------------- backup


def backup(destination: Path) -> Summary:
    """Write a backup archive of the database, uploads and signing keys to `destination`
    (a file, or a folder that gets backup-<time>.tar.gz)."""
    if destination.is_dir() or (not destination.exists() and not destination.suffix):
        destination.mkdir(parents=True, exist_ok=True)
        destination = destination / f"backup-{now_stamp()}.tar.gz"
    kind, revision = database_kind(), current_revision()
    found, notes = parts()
    with tempfile.TemporaryDirectory(prefix="lms-backup-") as work:
        dump = Path(work) / ("database.sqlite3" if kind == "sqlite" else "database.pgdump")
        if kind == "sqlite":
            source = sqlite3.connect(sqlite_path())
            target = sqlite3.connect(dump)
            try:
                source.backup(target)  # consistent even while the application writes
            finally:
                target.close()
                source.close()
        else:
            _env, schema = libpq_environment()
            run_pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges", *schema, f"--file={dump}")
        members: list[tuple[str, Path]] = [(dump.name, dump)]
        for part in found:
            if part.path.is_dir():
                members += [
                    (f"files/{part.name}/{file.relative_to(part.path).as_posix()}", file)
                    for file in sorted(part.path.rglob("*"))
                    if file.is_file() and not file.is_symlink()
                ]
            elif part.path.is_file():
                members.append((f"files/{part.name}", part.path))
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "database": {"kind": kind, "file": dump.name, "revision": revision},
            "parts": {
                part.name: "folder" if part.path.is_dir() else "file" for part in found if part.path.exists()
            },
            "files": [
                {"path": name, "size": path.stat().st_size, "sha256": sha256_file(path)}
                for name, path in members
            ],
        }
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(datetime.now(UTC).timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
            for name, path in members:
                archive.add(path, arcname=name, recursive=False)
        os.chmod(partial, 0o600)  # it holds the signing keys
        os.replace(partial, destination)  # never a half-written archive under the final name
    total = sum(item["size"] for item in manifest["files"])
    logger.info("backup written to %s: %d files, %d bytes", destination, len(members), total)
    return Summary(destination, kind, revision, len(members), total, notes)


# ---------------------------------------------------------------- restore


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def unpack(archive_path: Path, staging: Path) -> dict:
    """Unpack into `staging` and check every file against the manifest; the manifest."""
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            members = archive.getmembers()
            names = [m.name for m in members]
            if not names or names[0] != MANIFEST or len(set(names)) != len(names):
                raise BackupError("not a backup archive of this platform (no manifest first)")
            for member in members:
                if not _safe_name(member.name) or not (member.isfile() or member.isdir()):
                    raise BackupError(f"refusing an unsafe entry in the archive: {member.name!r}")
            manifest = json.loads(archive.extractfile(members[0]).read())
            for member in members[1:]:
                if member.isfile():
                    target = staging / member.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.extractfile(member) as source, open(target, "wb") as out:
                        shutil.copyfileobj(source, out)
    except (tarfile.TarError, EOFError, OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BackupError(f"the archive cannot be read (damaged or truncated): {exc}") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError("not a backup archive of this platform, or of an unknown version")
    listed = {item["path"]: item for item in manifest.get("files", [])}
    present = {m.name for m in members[1:] if m.isfile()}
    if set(listed) != present:
        missing, extra = sorted(set(listed) - present), sorted(present - set(listed))
        raise BackupError(f"the archive does not match its manifest (missing {missing}, unlisted {extra})")
    for name, item in listed.items():
        path = staging / name
        if path.stat().st_size != item["size"] or sha256_file(path) != item["sha256"]:
            raise BackupError(f"checksum mismatch: {name} is damaged")
    database = manifest.get("database", {})
    if database.get("file") not in listed:
        raise BackupError("the archive has no database")
    return manifest


def restore(archive_path: Path) -> Summary:
    """Replace the database, uploads and signing keys with those of the archive: all or nothing."""
    kind = database_kind()
    found, notes = parts()
    stamp = now_stamp()
    instance = Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    # Next to the destinations, so that putting each part in place is a rename.
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=instance))
    try:
        manifest = unpack(archive_path, staging)
        database = manifest["database"]
        if database.get("kind") != kind:
            raise BackupError(
                f"the archive holds a {database.get('kind')} database; this instance uses {kind}"
            )
        revision = database.get("revision")
        if revision and revision not in known_revisions():
            raise BackupError(
                f"the archive's schema ({revision}) is newer than this code: upgrade the code first"
            )
        swaps = _plan(found, manifest, staging, stamp)
        if kind == "sqlite":
            swaps.append((staging / database["file"], sqlite_path(), stamp))
        db.session.remove()
        db.engine.dispose()
        done = []
        try:
            for source, target, when in swaps:
                _swap(source, target, when)
                done.append((source, target, when))
            if kind == "postgresql":
                run_pg(
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    f"--dbname={libpq_environment()[0].get('PGDATABASE', '')}",
                    str(staging / database["file"]),
                )
        except Exception:
            for _source, target, when in reversed(done):
                _unswap(target, when)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = manifest["files"]
    logger.info("restored %s from %s (revision %s)", kind, archive_path, revision)
    return Summary(archive_path, kind, revision, len(files), sum(f["size"] for f in files), notes)


def _plan(found: list[Part], manifest: dict, staging: Path, stamp: str) -> list[tuple[Path, Path, str]]:
    """(staged, destination, stamp) for every part of this instance; a part the archive lacks is
    restored empty (it was empty at backup time)."""
    kinds = manifest.get("parts", {})
    plan = []
    for part in found:
        staged = staging / "files" / part.name
        if kinds.get(part.name) == "folder" or (not staged.exists() and part.path.is_dir()):
            staged.mkdir(parents=True, exist_ok=True)
        if staged.exists():
            plan.append((staged, part.path, stamp))
    return plan


def _kept(target: Path, stamp: str) -> Path:
    return target.with_name(f"{target.name}.before-restore-{stamp}")


def _swap(source: Path, target: Path, stamp: str) -> None:
    """Put `source` at `target`, keeping what was there as <target>.before-restore-<stamp>."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        os.replace(target, _kept(target, stamp))
    for suffix in ("-wal", "-shm"):  # SQLite's companions belong to the old file
        companion = target.with_name(target.name + suffix)
        if companion.exists():
            os.replace(companion, _kept(companion, stamp))
    os.replace(source, target)


def _unswap(target: Path, stamp: str) -> None:
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    for path in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        kept = _kept(path, stamp)
        if kept.exists():
            os.replace(kept, path)
