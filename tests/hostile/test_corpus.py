"""The hostile corpus against every upload and import path, over HTTP and from the CLI.

Each file must be refused with a clear message (in Indonesian), nothing may be written, and the
refusal must stay within a bounded time and memory (tracemalloc peak for Python objects, and the
process's peak resident size may not grow by more than a few hundred MB).
"""

from __future__ import annotations

import io
import os
import resource
import struct
import time
import tracemalloc
import zlib
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.test import EnvironBuilder, stream_encode_multipart

from lms.accounts.models import Role, User
from lms.careers.models import Position
from lms.courses.models import Course, Media
from lms.extensions import db
from lms.quizzes import formats
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Question
from tests import factories
from tests.factories import PASSWORD
from tests.hostile import corpus

MAX_SECONDS = 20
MAX_TRACED_MB = 200
MAX_RSS_GROWTH_MB = 300


@contextmanager
def bounded():
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    tracemalloc.start()
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert elapsed < MAX_SECONDS, f"took {elapsed:.1f} s"
    assert peak < MAX_TRACED_MB * 2**20, f"traced peak {peak / 2**20:.0f} MB"
    assert growth < MAX_RSS_GROWTH_MB, f"peak RSS grew by {growth:.0f} MB"


def counts():
    """What an accepted import would change, and the uploaded files on disk."""
    tables = (Course, Media, Question, User, Position)
    rows = tuple(db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables)
    folder = Path(current_app.instance_path) / "uploads"
    return rows, sorted(os.listdir(folder)) if folder.exists() else []


def zipped_bundle(course_yaml: str | bytes, extra: dict[str, bytes] | None = None) -> bytes:
    files = {
        "course.yaml": course_yaml if isinstance(course_yaml, bytes) else course_yaml.encode(),
        "lessons/01.md": b"---\ntitle: Satu\n---\nIsi\n",
        **(extra or {}),
    }
    return corpus.zip_bytes(list(files.items()))


GOOD_COURSE = (
    "format: 1\nslug: bom\ntitle: Bom\nmodules:\n  - title: M\n    lessons:\n      - file: lessons/01.md\n"
)


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels (a decompression bomb for a browser)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", len(idat))
        + b"IDAT"
        + idat
        + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
        + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )


# name -> (bytes, words the refusal contains)
BUNDLES = {
    "alias-bomb": lambda: (zipped_bundle(GOOD_COURSE + corpus.alias_bomb()), "alias"),
    "deep-yaml": lambda: (zipped_bundle(GOOD_COURSE + "x: " + corpus.deep_yaml(5_000)), "bersarang"),
    "recursive-yaml": lambda: (zipped_bundle(GOOD_COURSE + corpus.recursive_yaml()), "dirinya sendiri"),
    "nul-yaml": lambda: (zipped_bundle(GOOD_COURSE.encode() + b"x: a\x00b\n"), "YAML tidak valid"),
    "zip-bomb": lambda: (corpus.zip_bomb(), "melebihi batas"),
    "zip-ratio": lambda: (corpus.zip_bomb(entries=1, size=10 * 2**20), "Rasio kompresi"),
    "zip-slip": lambda: (corpus.zip_slip(), "tidak aman"),
    "zip-symlink": lambda: (corpus.zip_symlink(), "simbolik"),
    "zip-entries": lambda: (corpus.zip_many_entries(), "batasnya"),
    "not-a-zip": lambda: (b"PK\x03\x04" + b"\x00" * 100, "bukan zip"),
    "gift-100k": lambda: (
        zipped_bundle(GOOD_COURSE, {"quizzes/besar.gift": corpus.many_gift().encode()}),
        "Paling banyak",
    ),
}

QUESTIONS = {
    "gift-100k": lambda: (corpus.many_gift().encode(), "Paling banyak"),
    "aiken-100k": lambda: (corpus.many_aiken().encode(), "Paling banyak"),
    "billion-laughs": lambda: (corpus.billion_laughs_xml().encode(), "DTD atau entitas"),
    "external-entity": lambda: (corpus.external_entity_xml().encode(), "DTD atau entitas"),
    "deep-xml": lambda: (corpus.deep_xml().encode(), "bersarang"),
    "nul": lambda: (b"::S:: Benar\x00? {T}\n", "NUL"),
    "oversize": lambda: (b"// " + b"x" * formats.max_bytes() + b"\n::S:: Benar? {T}\n", "melebihi batas"),
}

CSV = {
    "nul": lambda header: (corpus.nul_text(), "bukan berkas teks"),
    "huge-field": lambda header: (
        (header + "\n").encode() + b'"' + b"9" * (2 * 2**20) + b'"\n',
        "terlalu panjang",
    ),
    "many-rows": lambda header: (corpus.many_csv_rows(header, "x", 200_000), "melebihi"),
    "oversize": lambda header: ((header + "\n").encode() + b"x" * (6 * 2**20) + b"\n", "melebihi batas"),
}

MEDIA = {
    "pixel-bomb.png": lambda: (png_header(100_000, 100_000), "piksel"),
    "billion-laughs.svg": lambda: (
        corpus.billion_laughs_xml().replace("quiz", "svg").encode(),
        "rujukan luar",
    ),
    "deep.svg": lambda: (
        ('<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 50_000 + "</g>" * 50_000 + "</svg>").encode(),
        "bersarang",
    ),
}


@pytest.fixture
def world(app, db):
    with app.app_context():
        agency = factories.agency(code="HOST")
        admin = factories.user(agency, roles=(Role.ADMIN, Role.TRAINER))
        course = factories.course(by=admin)
        bank = quiz_services.default_bank(course)
        db.session.commit()
        ids = {"agency": agency.id, "agency_code": agency.code, "course": course.id, "slug": course.slug}
        ids["bank"] = bank.id
        email = admin.email
    client = app.test_client()
    assert client.post("/login", data={"login": email, "password": PASSWORD}).status_code == 302
    return client, ids


def multipart(data: dict) -> dict:
    """The request body in memory: the test client's own encoder spills big bodies to a temporary
    file that it never closes (a ResourceWarning, an error under filterwarnings=error)."""
    builder = EnvironBuilder(method="POST", data=data)
    try:
        fields = CombinedMultiDict([builder.form, builder.files])
        stream, length, boundary = stream_encode_multipart(fields, use_tempfile=False)
    finally:
        builder.close()
    content_type = f'multipart/form-data; boundary="{boundary}"'
    return {"input_stream": stream, "content_length": length, "content_type": content_type}


def refused_over_http(app, client, url, data, words, *, statuses=(413, 422)):
    with app.app_context():
        before = counts()
    body = multipart(data)
    with bounded():
        response = client.post(url, **body)
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    if response.status_code != 413:
        assert words in response.text, response.text[:3000]
    with app.app_context():
        assert counts() == before


def refused_by_cli(app, args, words):
    with app.app_context():
        before = counts()
    with bounded():
        result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0, result.output
    assert words in result.output, result.output[:2000]
    with app.app_context():
        assert counts() == before


# ---------------------------------------------------------------- course bundles


@pytest.mark.parametrize("name", sorted(BUNDLES))
def test_bundle_upload(app, world, name):
    client, _ = world
    data, words = BUNDLES[name]()
    form = {"file": (io.BytesIO(data), f"{name}.zip")}
    refused_over_http(app, client, "/teach/import", form, words)


@pytest.mark.parametrize("name", sorted(BUNDLES))
def test_bundle_cli_zip(app, world, tmp_path, name):
    data, words = BUNDLES[name]()
    path = tmp_path / f"{name}.zip"
    path.write_bytes(data)
    refused_by_cli(app, ["lms", "import-course", str(path)], words)


@pytest.mark.parametrize("name", ["alias-bomb", "deep-yaml", "nul-yaml", "gift-100k"])
def test_bundle_cli_folder(app, world, tmp_path, name):
    import zipfile

    data, words = BUNDLES[name]()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)  # noqa: S202 - our own generated, safe names
    refused_by_cli(app, ["lms", "import-course", str(tmp_path)], words)


def test_bundle_cli_refuses_an_oversized_zip_before_reading_it(app, world, tmp_path):
    path = tmp_path / "besar.zip"
    with path.open("wb") as handle:
        handle.truncate(app.config["COURSE_BUNDLE_MAX_UPLOAD"] + 1)  # sparse: no disk used
    refused_by_cli(app, ["lms", "import-course", str(path)], "melebihi batas")


# ---------------------------------------------------------------- question files


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_question_upload(app, world, name):
    client, ids = world
    data, words = QUESTIONS[name]()
    form = {"file": (io.BytesIO(data), f"{name}.txt"), "format": ""}
    refused_over_http(app, client, f"/teach/banks/{ids['bank']}/import", form, words)


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_question_cli(app, world, tmp_path, name):
    _, ids = world
    data, words = QUESTIONS[name]()
    path = tmp_path / f"{name}.txt"
    path.write_bytes(data)
    refused_by_cli(app, ["lms", "import-questions", ids["slug"], str(path)], words)


# ---------------------------------------------------------------- CSV imports

CSV_PATHS = {
    "staff": ("/admin/agencies/{agency}/import", "nip,nama,email,unit"),
    "competencies": ("/hr/{agency}/competencies", "kode;nama;jenis;deskripsi;level;deskriptor"),
    "positions": ("/hr/{agency}/positions", "kode;nama;jenis"),
    "staff-positions": ("/hr/{agency}/staff-positions", "nip;jabatan;nip_atasan"),
}


@pytest.mark.parametrize("path", sorted(CSV_PATHS))
@pytest.mark.parametrize("name", sorted(CSV))
def test_csv_upload(app, world, path, name):
    client, ids = world
    url, header = CSV_PATHS[path]
    data, words = CSV[name](header)
    form = {"file": (io.BytesIO(data), f"{name}.csv")}
    refused_over_http(app, client, url.format(**ids), form, words)


@pytest.mark.parametrize("command", ["competencies", "positions"])
@pytest.mark.parametrize("name", sorted(CSV))
def test_csv_cli(app, world, tmp_path, command, name):
    _, ids = world
    data, words = CSV[name](CSV_PATHS[command][1])
    path = tmp_path / f"{name}.csv"
    path.write_bytes(data)
    refused_by_cli(app, ["lms", f"import-{command}", ids["agency_code"], str(path)], words)


@pytest.mark.parametrize("name", sorted(CSV))
def test_certificate_numbers_csv(app, world, name):
    client, _ = world
    data, words = CSV[name]("nomor")
    if name == "many-rows":
        words = "Maksimal"
    form = {"file": (io.BytesIO(data), f"{name}.csv"), "numbers": ""}
    refused_over_http(app, client, "/certificates/verify-many", form, words, statuses=(200, 413, 422))


# ---------------------------------------------------------------- media


@pytest.mark.parametrize("name", sorted(MEDIA))
def test_media_upload(app, world, name):
    client, ids = world
    data, words = MEDIA[name]()
    form = {"file": (io.BytesIO(data), name)}
    refused_over_http(app, client, f"/teach/{ids['course']}/media", form, words)


@pytest.mark.parametrize("name", sorted(MEDIA))
def test_media_in_a_bundle(app, world, name):
    client, _ = world
    data, words = MEDIA[name]()
    form = {"file": (io.BytesIO(zipped_bundle(GOOD_COURSE, {f"media/{name}": data})), "media.zip")}
    refused_over_http(app, client, "/teach/import", form, words)
