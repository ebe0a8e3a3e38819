"""The one export writer: CSV and XLSX streamed, formula text neutralised in both."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from lms.core import tabular, xlsx
from lms.core.tabular import chunks, csv_chunks, download, guard
from lms.core.xlsx import xlsx_chunks

HOSTILE = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HOSTILE, "'" + HOSTILE),
        ("+62 811", "'+62 811"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Ani Lestari", "Ani Lestari"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_guard(text, expected):
    assert guard(text) == expected


def read_xlsx(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


def test_csv_is_excel_friendly_and_guarded():
    rows = [[HOSTILE, 12, -3, 0.5, None, date(2026, 1, 2), True]]
    data = b"".join(csv_chunks(["Nama", "A", "B", "C", "D", "E", "F"], rows))
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "Nama;A;B;C;D;E;F"
    assert lines[1] == '"\'=HYPERLINK(""http://x"",""y"")";12;-3;0.5;;2026-01-02;True'


def test_csv_streams_header_first_and_rows_lazily():
    taken = []

    def rows():
        for n in range(3):
            taken.append(n)
            yield [n]

    stream = csv_chunks(["n"], rows())
    assert next(stream) == "\ufeffn\r\n".encode() and taken == []
    assert b"".join(stream) == b"0\r\n1\r\n2\r\n"


def test_csv_other_dialect():
    data = b"".join(csv_chunks(["a", "b"], [["1", "2"]], delimiter=",", bom=False))
    assert data == b"a,b\r\n1,2\r\n"


def test_xlsx_guards_and_keeps_types():
    data = b"".join(
        xlsx_chunks(["Nama", "Nilai", "NIP"], [[HOSTILE, 7, "199001012020121001"]], sheet="Hasil")
    )
    sheets = read_xlsx(data)
    assert sheets == {"Hasil": [["Nama", "Nilai", "NIP"], ["'" + HOSTILE, 7, "199001012020121001"]]}
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" in sheet


def test_xlsx_title_formats_and_widths():
    rows = [["1", datetime(2026, 5, 4, 10, 30), date(2026, 5, 4), 0.8333, "x"]]
    data = b"".join(
        xlsx_chunks(
            ["NIP", "Masuk", "Tanggal", "Persen", "Teks"],
            rows,
            title="=Rapat",
            formats={0: "text", 1: "datetime", 2: "date", 3: "percent"},
            widths={0: 20},
        )
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet["A1"].value == "'=Rapat" and sheet["A1"].font.b
    assert [c.value for c in sheet[2]] == ["NIP", "Masuk", "Tanggal", "Persen", "Teks"]
    assert (
        sheet["B3"].value == datetime(2026, 5, 4, 10, 30) and sheet["B3"].number_format == "yyyy-mm-dd hh:mm"
    )
    assert sheet["C3"].value == datetime(2026, 5, 4) and sheet["C3"].number_format == "yyyy-mm-dd"
    assert sheet["D3"].value == 0.8333 and sheet["D3"].number_format == "0.0%"
    assert sheet["A3"].data_type == "s" and sheet.column_dimensions["A"].width == 20
    assert sheet.freeze_panes == "A3"


def test_xlsx_without_formats_writes_dates_as_iso_text():
    data = b"".join(xlsx_chunks(["Kapan"], [[date(2026, 1, 2)], [None]]))
    assert read_xlsx(data)["Data"] == [["Kapan"], ["2026-01-02"], []]


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    data = b"".join(xlsx_chunks(["n"], ([n] for n in range(5)), sheet="Angka"))
    assert read_xlsx(data) == {
        "Angka": [["n"], [0], [1]],
        "Angka (2)": [["n"], [2], [3]],
        "Angka (3)": [["n"], [4]],
    }


def test_chunks_and_download(app):
    with app.test_request_context():
        response = download("laporan.xlsx", chunks("xlsx", ["a"], [[1]]))
        assert response.mimetype == tabular.XLSX_MIMETYPE and response.is_streamed
        assert response.headers["Content-Disposition"] == 'attachment; filename="laporan.xlsx"'
        assert response.headers["Cache-Control"] == "no-store"
        assert read_xlsx(b"".join(response.response))["Data"] == [["a"], [1]]
        response = download("laporan.csv", chunks("csv", ["a"], [[1]]))
        assert response.mimetype == "text/csv" and b"".join(response.response) == b"\xef\xbb\xbfa\r\n1\r\n"
