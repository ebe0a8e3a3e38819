"""CSV import and export of competencies and positions: bad files are rejected whole, with every
problem listed by row and column; nothing is written; an export imports back unchanged."""

import pytest
import sqlalchemy as sa

from lms.careers import csv_io, positions
from lms.careers.models import Competency, Position, PositionPath
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
    with pytest.raises(csv_io.ImportRejected) as info:
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
    with pytest.raises(csv_io.ImportRejected) as info:
        csv_io.import_competencies(agency, data, by=None)
    assert where in problems(info)


POSITIONS = "kode;nama;jenis;deskripsi;kompetensi;jabatan_berikutnya\n"


def test_positions_import_with_career_paths_and_round_trip(ctx):
    agency = factories.agency(code="PEMDA")
    csv_io.import_competencies(agency, (HEADER + levels("TK-KEU")).encode(), by=None)
    text = POSITIONS + (
        "PERTAMA;Analis Keuangan Ahli Pertama;fungsional;;INT:2, KOM:2, TK-KEU:2;MUDA\n"
        "MUDA;Analis Keuangan Ahli Muda;Fungsional;;INT=3, KOM:3 ,TK-KEU:3;MUDA-2, KASUBAG\n"
        "MUDA-2;Analis Ahli Muda (tim 2);fungsional;;INT:3;\n"
        "KASUBAG;Kepala Subbagian Keuangan;struktural;Memimpin subbagian;INT:3, PK:3;\n"
    )
    result = csv_io.import_positions(agency, text.encode(), by=None)
    assert (result.created, result.updated) == (4, 0)
    by_code = {p.code: p for p in positions.positions_of(agency.id, with_requirements=True)}
    assert {r.competency.code: r.level for r in by_code["MUDA"].requirements} == {
        "INT": 3,
        "KOM": 3,
        "TK-KEU": 3,
    }
    assert {p.to_position.code for p in by_code["MUDA"].next_paths} == {"MUDA-2", "KASUBAG"}
    exported = "\n".join(";".join(str(v) for v in row) for row in csv_io.position_rows(agency.id))
    again = csv_io.import_positions(agency, (POSITIONS + exported).encode(), by=None)
    assert (again.created, again.updated) == (0, 4)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PositionPath)) == 3


def test_bad_positions_are_rejected_whole_with_every_problem(ctx):
    agency = factories.agency(code="PEMDA")
    text = POSITIONS + (
        "A;Jabatan A;fungsional;;INT:3, XX:2;B\n"  # row 2: unknown competency
        "B;Jabatan B;fungsional;;INT:6, KOM:0, PK:tiga;C\n"  # row 3: three levels outside 1-5
        "C;Jabatan C;fungsional;;INT:3, INT:2;A\n"  # row 4: duplicate competency; cycle A->B->C->A
        "A;Duplikat;fungsional;;;\n"  # row 5: duplicate code
        "D;Jabatan D;eselon;;KOM;NOPE, D\n"  # row 6: bad type, bad entry, unknown next, self
        "E;;pelaksana;;;\n"  # row 7: no name
    )
    with pytest.raises(csv_io.ImportRejected) as info:
        csv_io.import_positions(agency, text.encode(), by=None)
    messages = [(p.row, p.column, p.message) for p in info.value.problems]
    found = {(row, column) for row, column, _ in messages}
    assert {
        (2, "kompetensi"),
        (3, "kompetensi"),
        (4, "kompetensi"),
        (5, "kode"),
        (6, "jenis"),
        (6, "kompetensi"),
        (6, "jabatan_berikutnya"),
        (7, "nama"),
    } <= found
    assert sum(1 for row, column, _ in messages if (row, column) == (3, "kompetensi")) == 3
    assert any("melingkar" in message and "A" in message for _, _, message in messages)
    assert sum(1 for row, column, _ in messages if (row, column) == (6, "jabatan_berikutnya")) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Position)) == 0


def test_a_cycle_through_existing_paths_is_rejected(ctx):
    agency = factories.agency(code="PEMDA")
    csv_io.import_positions(
        agency, (POSITIONS + "A;Jabatan A;pelaksana;;;B\nB;Jabatan B;pelaksana;;;\n").encode(), by=None
    )
    with pytest.raises(csv_io.ImportRejected) as info:
        csv_io.import_positions(agency, (POSITIONS + "B;Jabatan B;pelaksana;;;A\n").encode(), by=None)
    assert [p.column for p in info.value.problems] == ["jabatan_berikutnya"]
    assert "A → B → A" in info.value.problems[0].message or "B → A → B" in info.value.problems[0].message
    # replacing A's path in the same file breaks the cycle: accepted
    csv_io.import_positions(
        agency, (POSITIONS + "A;Jabatan A;pelaksana;;;\nB;Jabatan B;pelaksana;;;A\n").encode(), by=None
    )


def test_cycles_are_refused_by_the_service_too(ctx):
    agency = factories.agency(code="PEMDA")
    a = positions.save_position(agency, positions.PositionData("A", "Jabatan A", "pelaksana"), by=None)
    b = positions.save_position(agency, positions.PositionData("B", "Jabatan B", "pelaksana"), by=None)
    positions.set_next_positions(a, [b.id], by=None)
    with pytest.raises(positions.CareerError):
        positions.set_next_positions(b, [a.id], by=None)
    with pytest.raises(positions.CareerError):
        positions.set_next_positions(a, [a.id], by=None)
    assert positions.find_cycle([(1, 2), (2, 3), (3, 1)]) == [1, 2, 3, 1]
    assert positions.find_cycle([(1, 2), (2, 3), (1, 3)]) is None
