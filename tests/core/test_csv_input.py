"""The one CSV reader: UTF-8 with or without BOM, the separator sniffed, clear refusals."""

from __future__ import annotations

import pytest

from lms.core.csv_input import CsvUnreadable, decode_csv, header_key, read_csv, sniff_delimiter
from lms.core.domain import DomainError


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_reads_any_separator_with_or_without_bom(delimiter, bom):
    text = delimiter.join(["nip", "nama", "unit"]) + "\r\n" + delimiter.join(["1", '"Ani, S.Kom"', "UMUM"])
    rows = read_csv(bom + text.encode())
    assert rows == [["nip", "nama", "unit"], ["1", "Ani, S.Kom", "UMUM"]]


def test_known_headers_decide_the_separator():
    # Two commas in a name must not beat the semicolons between the known columns.
    line = "kode;nama;deskripsi, panjang, sekali"
    assert sniff_delimiter(line) == ","
    assert sniff_delimiter(line, known={"kode", "nama"}) == ";"


def test_tie_goes_to_the_first_delimiter():
    assert sniff_delimiter("nomor") == ","
    assert sniff_delimiter("nomor", delimiters=(";", ",")) == ";"


def test_header_key():
    assert header_key(" Unit-Kerja  Baru ") == "unit_kerja_baru"


def test_empty_file():
    assert read_csv(b"") == [] and read_csv(b"\xef\xbb\xbf") == []


@pytest.mark.parametrize(
    ("data", "words", "line"),
    [
        ("nip,nama\r\n1,2".encode("utf-16"), "UTF-16", 1),
        (b"PK\x03\x04\x00\x00binary", "bukan berkas teks CSV", 1),
        ("nip,nama\n1,Kepala Bagian Ke\xe9\n".encode("cp1252"), "bukan UTF-8", 2),
    ],
)
def test_refuses_what_it_cannot_read(app, data, words, line):
    with app.test_request_context(), pytest.raises(CsvUnreadable) as caught:
        decode_csv(data)
    assert words in str(caught.value) and caught.value.line == line
    assert isinstance(caught.value, DomainError) and caught.value.field == "file"
