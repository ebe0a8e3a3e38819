"""Exports: streamed CSV and XLSX, spreadsheet-formula safety, the SIASN training history."""

import csv
import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from lms.careers import jp, positions
from lms.core import tabular, xlsx
from lms.extensions import db
from lms.reports import training_history
from tests.careers.conftest import build_org, complete
from tests.factories import course as make_course


@pytest.fixture
def hr_world(app, client, login):
    with app.app_context():
        org = build_org()
        org.staff.name = '=HYPERLINK("http://x")'
        trainer = org.head
        course = make_course(by=None, title="Kursus Arsip Digital", modules=1, lessons=1, jp=6)
        complete(org.staff, course)
        jp.record_jp(
            org.junior,
            jp.JpRecordData(
                "classroom",
                "Diklat Kearsipan",
                date(2026, 3, 2),
                date(2026, 3, 4),
                jp=None,
                minutes=900,
                organizer="ANRI",
                evidence="Sertifikat 12",
                certificate_number="12/ANRI/2026",
            ),
            by=org.hr,
            today=date(2026, 11, 1),
        )
        positions.assign_position(org.staff, org.pertama, by=org.hr)
        db.session.commit()
        ids = {"agency": org.agency.id, "hr": org.hr.email, "muda": org.muda.id, "trainer": trainer.id}
    login(type("U", (), {"email": ids["hr"]}))
    return ids


def rows_of(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def xlsx_cells(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        shared = (
            archive.read("xl/sharedStrings.xml").decode()
            if "xl/sharedStrings.xml" in archive.namelist()
            else ""
        )
    return re.findall(r"<t[^>]*>([^<]*)</t>", sheet + shared)


def workbook_rows(data: bytes) -> dict[str, list[tuple]]:
    """Every sheet of an XLSX file as read by openpyxl: name -> rows of values."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets}
    finally:
        workbook.close()


def test_training_history_for_siasn(client, hr_world):
    response = client.get(f"/hr/{hr_world['agency']}/export/training-history.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"].startswith("attachment;")
    header, *rows = rows_of(response)
    assert header == [
        "NIP",
        "Nama",
        "Jenis diklat",
        "Nama diklat",
        "Penyelenggara",
        "Tanggal mulai",
        "Tanggal selesai",
        "Tahun",
        "Durasi (jam)",
        "JP",
        "Nomor sertifikat",
    ]
    by_title = {row[3]: row for row in rows}
    course = by_title["Kursus Arsip Digital"]
    assert course[1].startswith("'=HYPERLINK")  # never a live formula in a spreadsheet
    assert course[2] == "E-learning (kursus daring)" and course[8] == "4.5" and course[9] == "6"
    classroom = by_title["Diklat Kearsipan"]
    assert classroom[2:9] == [
        "Pelatihan klasikal",
        "Diklat Kearsipan",
        "ANRI",
        "2026-03-02",
        "2026-03-04",
        "2026",
        "15.0",
    ]
    assert classroom[9:] == ["20", "12/ANRI/2026"]
    only_2025 = rows_of(client.get(f"/hr/{hr_world['agency']}/export/training-history.csv?year=2025"))
    assert len(only_2025) == 1  # the header


def test_xlsx_exports_open_as_workbooks(client, hr_world):
    response = client.get(f"/hr/{hr_world['agency']}/export/training-history.xlsx")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == tabular.XLSX_MIMETYPE
    data = response.get_data()
    cells = xlsx_cells(data)
    assert "Nama diklat" in cells and "Diklat Kearsipan" in cells
    assert not any(cell.startswith("=") for cell in cells)
    (name, rows), *others = workbook_rows(data).items()
    assert name == "Riwayat diklat" and not others
    csv_rows = rows_of(client.get(f"/hr/{hr_world['agency']}/export/training-history.csv"))
    assert len(rows) == len(csv_rows) == 3  # the header, a course and a classroom training
    by_title = {row[3]: row for row in rows[1:]}
    assert by_title["Kursus Arsip Digital"][1].startswith("'=HYPERLINK")
    assert by_title["Kursus Arsip Digital"][8:10] == (4.5, 6)  # numbers stay numbers
    assert by_title["Diklat Kearsipan"][5:8] == ("2026-03-02", "2026-03-04", 2026)
    assert by_title["Diklat Kearsipan"][10] == "12/ANRI/2026"
    for kind in ("jp", "heatmap", "talent"):
        response = client.get(f"/hr/{hr_world['agency']}/export/{kind}.xlsx")
        csv_rows = rows_of(client.get(f"/hr/{hr_world['agency']}/export/{kind}.csv"))
        (rows,) = workbook_rows(response.get_data()).values()
        assert response.status_code == 200 and len(rows) == len(csv_rows)
        assert [str(v) for v in rows[0]] == csv_rows[0]
    response = client.get(f"/hr/{hr_world['agency']}/export/readiness.xlsx?position={hr_world['muda']}")
    assert "Peringkat" in xlsx_cells(response.get_data())


def test_csv_exports_of_each_page(client, hr_world):
    agency = hr_world["agency"]
    jp_rows = rows_of(client.get(f"/hr/{agency}/export/jp.csv"))
    assert jp_rows[0][:2] == ["NIP", "Nama"] and len(jp_rows) == 5  # all but the junior (20 JP)
    heat = rows_of(client.get(f"/hr/{agency}/export/heatmap.csv"))
    assert heat[1][2] in {"INT", "KOM", "PB"}
    assert client.get(f"/hr/{agency}/export/readiness.csv").status_code == 404  # needs a position
    readiness = rows_of(client.get(f"/hr/{agency}/export/readiness.csv?position={hr_world['muda']}"))
    assert readiness[1][0] == "1"
    assert client.get(f"/hr/{agency}/export/jp.pdf").status_code == 404


def test_large_exports_are_written_in_chunks_and_split_into_sheets(app, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)  # the header and two rows a sheet
    rows = ([i, f"baris {i}\x01 <&>", 1.5, None, True] for i in range(5))
    with app.test_request_context():
        chunks = xlsx.xlsx_chunks(["a", "b", "c", "d", "e"], rows, sheet="Riwayat: diklat/2026")
        first = next(chunks)  # bytes leave before the rows are read to the end
        data = first + b"".join(chunks)
    sheets = workbook_rows(data)
    assert list(sheets) == ["Riwayat diklat 2026", "Riwayat diklat 2026 (2)", "Riwayat diklat 2026 (3)"]
    assert [len(rows) for rows in sheets.values()] == [3, 3, 2]
    assert all(rows[0] == ("a", "b", "c", "d", "e") for rows in sheets.values())
    assert sheets["Riwayat diklat 2026 (3)"][1] == (4, "baris 4 <&>", 1.5, None, True)
    empty = workbook_rows(b"".join(xlsx.xlsx_chunks(["a"], [], sheet="Kosong")))
    assert empty == {"Kosong": [("a",)]}
    chunks = list(tabular.csv_chunks(["a"], ([str(i) * 100] for i in range(2000))))
    assert len(chunks) > 2 and all(len(chunk) <= xlsx.CHUNK_BYTES + 500 for chunk in chunks)


def test_xlsx_rows_are_produced_as_the_download_goes(app):
    read = []

    def rows():
        for i in range(20_000):
            read.append(i)
            yield [i, "x" * 50]

    with app.test_request_context():
        chunks = xlsx.xlsx_chunks(["a", "b"], rows(), sheet="Uji")
        for _ in range(4):
            next(chunks)
    assert 0 < len(read) < 20_000  # not everything read before the first bytes


def test_training_history_is_the_same_read_person_by_person(client, hr_world, monkeypatch):
    url = f"/hr/{hr_world['agency']}/export/training-history.csv"
    whole = rows_of(client.get(url))
    monkeypatch.setattr(training_history, "HISTORY_PEOPLE", 1)
    assert rows_of(client.get(url)) == whole and len(whole) == 3


def test_xlsx_cells_keep_their_type_and_stay_safe(app):
    row = [Decimal("2.50"), date(2026, 1, 2), "dua\tbaris\nteks", " spasi ", "-1+2", "x" * 40_000, 7]
    with app.test_request_context():
        data = b"".join(xlsx.xlsx_chunks(list("abcdefg"), [row], sheet="Uji"))
    (rows,) = workbook_rows(data).values()
    assert rows[1][:5] == (2.5, "2026-01-02", "dua\tbaris\nteks", " spasi ", "'-1+2")
    assert len(rows[1][5]) == xlsx.MAX_CELL_CHARS and rows[1][6] == 7
