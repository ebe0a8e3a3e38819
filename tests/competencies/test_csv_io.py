"""CSV import and export of an agency's technical competencies."""

import pytest
import sqlalchemy as sa

from lms.accounts.csv_rows import ImportRejected
from lms.competencies import csv_io
from lms.competencies.models import Competency
from lms.extensions import db
from tests import factories

HEADER = "kode;nama;jenis;deskripsi;level;deskriptor\n"


def levels(code, name="Pengelolaan Arsip", first=1, last=5):
    rows = [f"{code};{name};teknis;Deskripsi;{first};Deskriptor {first}"]
    rows += [f"{code};;;;{n};Deskriptor {n}" for n in range(first + 1, last + 1)]
    return "\n".join(rows) + "\n"


def problems(exc):
    return {(p.row, p.column) for p in exc.value.problems}


def test_competencies_import_and_round_trip(ctx):
    agency = factories.agency(code="ARSIP")
    data = (HEADER + levels("TK-ARS-01") + levels("tk-ars-02", "Preservasi Arsip")).encode("utf-8-sig")
    result = csv_io.import_competencies(agency, data, by=None)
    assert (result.created, result.updated) == (2, 0)
    created = db.session.scalar(sa.select(Competency).where(Competency.code == "TK-ARS-02"))
    assert created.agency_id == agency.id and [lv.level for lv in created.levels] == [1, 2, 3, 4, 5]
    exported = "\n".join(";".join(str(v) for v in row) for row in csv_io.competency_rows(agency.id))
    again = csv_io.import_competencies(agency, (HEADER + exported).encode(), by=None)
    assert (again.created, again.updated) == (0, 2)
    assert len(list(csv_io.competency_rows(agency.id))) == 10


def test_bad_competencies_are_rejected_whole_with_every_problem(ctx):
    agency = factories.agency(code="ARSIP")
    other = factories.agency(code="LAIN")
    csv_io.import_competencies(other, (HEADER + levels("LAIN-01")).encode(), by=None)
    text = (
        HEADER
        + levels("TK-OK")  # fine on its own
        + "TK-OK;;;;3;Dua kali level 3\n"  # row 7: duplicate level
        + "INT;Integritas;teknis;;1;x\n"  # row 8: SKJ code, and INT lacks levels 2-5
        + "LAIN-01;Milik lain;teknis;;1;x\n"  # row 9: another agency's code
        + "TK-LEVEL;Level salah;teknis;;6;x\n"  # row 10: level outside 1-5
        + "TK-LEVEL;;;;0;x\n"  # row 11: level outside 1-5
        + "TK-LEVEL;;;;dua;x\n"  # row 12: not a number
        + "bad code!;Nama;teknis;;1;x\n"  # row 13: bad code
        + "TK-MAN;Manajerial;manajerial;;1;x\n"  # row 14: not technical
    )
    with pytest.raises(ImportRejected) as info:
        csv_io.import_competencies(agency, text.encode(), by=None)
    found = problems(info)
    assert {
        (7, "level"),
        (8, "kode"),
        (9, "kode"),
        (10, "level"),
        (11, "level"),
        (12, "level"),
        (13, "kode"),
        (14, "jenis"),
    } <= found
    assert (8, "level") in found  # INT has only level 1
    assert db.session.scalar(sa.select(Competency.id).where(Competency.code == "TK-OK")) is None


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b"", (1, "-")),
        (b"kode;nama\nX;Y\n", (1, "level")),  # missing required columns
        (b"kode;nama;warna;level;deskriptor\n", (1, "warna")),  # unknown column
        (HEADER.encode(), (2, "-")),  # no data rows
        ("kode;nama;level;deskriptor\nA;B;1;é\n".encode("latin-1"), (2, "-")),  # not UTF-8
        ("kode;nama".encode("utf-16"), (1, "-")),
    ],
)
def test_unreadable_files(ctx, data, where):
    agency = factories.agency(code="ARSIP")
    with pytest.raises(ImportRejected) as info:
        csv_io.import_competencies(agency, data, by=None)
    assert where in problems(info)
