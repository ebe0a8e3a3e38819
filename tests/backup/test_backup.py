"""`flask lms backup` / `flask lms restore`: a round trip gives back every row of every table, every
certificate (and its signature still verifies), every upload and the signing keys; a damaged
archive is refused and changes nothing.

On SQLite by default (the online backup API); with TEST_DATABASE_URL on PostgreSQL (pg_dump of
the run's own schema, pg_restore in one transaction).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from lms import create_app
from lms.accounts.models import Role
from lms.certificates import signing
from lms.certificates.models import Certificate
from lms.courses import media
from lms.extensions import db
from tests import factories
from tests.certificates.conftest import complete
from tests.conftest import POSTGRES_URL, postgres_schema

PNG = factories.png()


@pytest.fixture
def instance(tmp_path):
    """An application with a database and instance folder of its own, with data in every part."""
    schema = f"backup_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = postgres_schema(POSTGRES_URL, schema) if POSTGRES_URL else f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=url,
        PASSWORD_HASH_PARAMS={"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    )
    app.instance_path = str(tmp_path / "instance")
    with app.test_request_context():
        upgrade()
        agency = factories.agency(code="BAK")
        trainer = factories.user(agency, roles=(Role.TRAINER,))
        course = factories.course(by=trainer, title="Arsip Digital", modules=1, lessons=2)
        media.put_media(course, "bagan.png", PNG, by=trainer)
        for n in range(3):
            complete(factories.user(agency, name=f"Peserta {n}"), course)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if POSTGRES_URL:
        postgres_schema(POSTGRES_URL, schema, drop=True)


def snapshot(app) -> dict:
    """Row counts of every table, a checksum of every certificate, and every file of the instance."""
    with app.app_context():
        tables = sa.inspect(db.engine).get_table_names()
        counts = {t: db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(t))) for t in tables}
        certificates = {
            c.number: hashlib.sha256(
                json.dumps(
                    [c.uuid, c.holder_name, c.title, c.jp, c.competencies, c.credential_jwt, c.key_id],
                    sort_keys=True,
                ).encode()
            ).hexdigest()
            for c in db.session.scalars(sa.select(Certificate))
        }
        for certificate in db.session.scalars(sa.select(Certificate)):
            signing.verify(certificate.credential_jwt)  # the restored keys still vouch for it
        db.session.remove()
    instance = Path(app.instance_path)
    files = {
        str(p.relative_to(instance)): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in ("uploads", "signing-keys")
        for p in sorted((instance / folder).rglob("*"))
        if p.is_file()
    }
    return {"counts": counts, "certificates": certificates, "files": files}


def run(app, *args):
    return app.test_cli_runner().invoke(args=["lms", *args])


def damage(app):
    """What an accident does: rows gone, an upload deleted, the keys rotated."""
    with app.app_context():
        db.session.execute(sa.delete(Certificate).where(Certificate.holder_name == "Peserta 0"))
        db.session.commit()
        db.session.remove()
    instance = Path(app.instance_path)
    for upload in (instance / "uploads").rglob("*"):
        if upload.is_file():
            upload.unlink()
    with app.app_context():
        signing.rotate_folder(instance / "signing-keys")


def test_round_trip_gives_back_every_row_certificate_and_file(instance, tmp_path):
    before = snapshot(instance)
    assert before["certificates"] and before["counts"]["certificates"] == 3
    assert any(name.startswith("uploads/") for name in before["files"])
    assert any(name.startswith("signing-keys/") for name in before["files"])

    result = run(instance, "backup", str(tmp_path / "backups"))
    assert result.exit_code == 0, result.output
    (archive,) = (tmp_path / "backups").glob("backup-*.tar.gz")
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # it holds the signing keys

    damage(instance)
    assert snapshot(instance) != before

    result = run(instance, "restore", str(archive), "--yes")
    assert result.exit_code == 0, result.output
    assert snapshot(instance) == before
    # What was replaced is kept aside, not destroyed.
    assert list(Path(instance.instance_path).glob("uploads.before-restore-*"))


def corrupt_copy(archive: Path, target: Path, *, change) -> Path:
    """The archive rewritten with `change(name, data) -> data | None` applied to each member."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            data = change(member.name, data)
            if data is None:
                continue
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


@pytest.mark.parametrize(
    "how",
    [
        "flipped byte in the database",
        "missing upload",
        "truncated archive",
        "path outside the instance",
        "not an archive",
    ],
)
def test_a_damaged_archive_is_refused_and_changes_nothing(instance, tmp_path, how):
    run(instance, "backup", str(tmp_path / "good.tar.gz"))
    good = tmp_path / "good.tar.gz"
    bad = tmp_path / "bad.tar.gz"
    if how == "flipped byte in the database":

        def flip(name, data):
            if name.startswith("database."):
                middle = len(data) // 2
                return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
            return data

        corrupt_copy(good, bad, change=flip)
    elif how == "missing upload":
        corrupt_copy(good, bad, change=lambda name, data: None if name.startswith("files/uploads/") else data)
    elif how == "truncated archive":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif how == "path outside the instance":
        with tarfile.open(good) as source:
            members = [(m, source.extractfile(m).read() if m.isfile() else None) for m in source.getmembers()]
        with tarfile.open(bad, "w:gz") as out:
            for member, data in members:
                out.addfile(member, io.BytesIO(data) if data is not None else None)
            evil = tarfile.TarInfo("../../escaped.txt")
            evil.size = 4
            out.addfile(evil, io.BytesIO(b"evil"))
    else:
        bad.write_bytes(b"this is not a tar archive at all")

    damage(instance)
    damaged = snapshot(instance)
    result = run(instance, "restore", str(bad), "--yes")
    assert result.exit_code != 0
    assert "nothing was changed" in result.output
    assert snapshot(instance) == damaged
    assert not (tmp_path / "escaped.txt").exists()
    assert not list(Path(instance.instance_path).glob(".restore-*"))  # the staging folder is gone


def test_an_archive_of_the_other_database_kind_is_refused(instance, tmp_path):
    run(instance, "backup", str(tmp_path / "good.tar.gz"))
    other = "postgresql" if not POSTGRES_URL else "sqlite"

    def relabel(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["database"]["kind"] = other
            return json.dumps(manifest).encode()
        return data

    corrupt_copy(tmp_path / "good.tar.gz", tmp_path / "other.tar.gz", change=relabel)
    result = run(instance, "restore", str(tmp_path / "other.tar.gz"), "--yes")
    assert result.exit_code != 0 and f"holds a {other} database" in result.output
