"""CSV import and export of positions: bad files are rejected whole, with every
problem listed by row and column; nothing is written; an export imports back unchanged."""

import pytest
import sqlalchemy as sa

from lms.careers import csv_io, positions
from lms.careers.models import Position, PositionPath
from lms.competencies import csv_io as competency_csv
from lms.extensions import db
from tests import factories

HEADER = "kode;nama;jenis;deskripsi;level;deskriptor\n"


def levels(code, name="Pengelolaan Arsip", first=1, last=5):
    rows = [f"{code};{name};teknis;Deskripsi;{first};Deskriptor {first}"]
    rows += [f"{code};;;;{n};Deskriptor {n}" for n in range(first + 1, last + 1)]
    return "\n".join(rows) + "\n"


def problems(exc):
    return {(p.row, p.column) for p in exc.value.problems}


POSITIONS = "kode;nama;jenis;deskripsi;kompetensi;jabatan_berikutnya\n"


def test_positions_import_with_career_paths_and_round_trip(ctx):
    agency = factories.agency(code="PEMDA")
    competency_csv.import_competencies(agency, (HEADER + levels("TK-KEU")).encode(), by=None)
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
    ours = sa.select(Position.id).where(Position.agency_id == agency.id)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PositionPath)
            .where(PositionPath.from_position_id.in_(ours))
        )
        == 3
    )


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
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Position).where(Position.agency_id == agency.id)
        )
        == 0
    )


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
