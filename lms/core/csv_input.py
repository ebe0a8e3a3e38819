"""Reading an uploaded CSV file: the text (UTF-8, with or without BOM) and the separator.

Spreadsheets save CSV in many shapes; this accepts UTF-8 with or without a byte-order mark,
separated by ",", ";" or tabs, and refuses with a message a person can act on what it cannot read
(UTF-16, binary files, other encodings: Excel's "CSV UTF-8" is the way out). Files in legacy code
pages (cp1252) are refused on purpose rather than guessed: a wrong guess would store wrong names.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection

from flask_babel import lazy_gettext as _l

from .domain import DomainError

DELIMITERS = (",", ";", "\t")
BOM = b"\xef\xbb\xbf"


class CsvUnreadable(DomainError):
    """The file is not UTF-8 CSV text; `line` is where the problem is (1 when it is the whole file)."""

    def __init__(self, message, line: int = 1):
        super().__init__(message, "file")
        self.line = line


def header_key(value: str) -> str:
    """A header cell as a key: "Unit-Kerja " -> "unit_kerja"."""
    return "_".join(value.strip().lower().replace("-", " ").split())


def decode_csv(data: bytes) -> str:
    """The text of an uploaded CSV file, without BOM; CsvUnreadable when it is not UTF-8 text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvUnreadable(
            _l('Berkas tersimpan dalam UTF-16. Simpan ulang sebagai "CSV UTF-8" lalu unggah lagi.')
        )
    if b"\x00" in data:
        raise CsvUnreadable(_l("Berkas ini bukan berkas teks CSV."))
    data = data.removeprefix(BOM)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CsvUnreadable(
            _l(
                "Berkas bukan UTF-8 (ada karakter yang tidak terbaca). Simpan ulang dari Excel "
                'sebagai "CSV UTF-8" lalu unggah lagi.'
            ),
            line=data[: exc.start].count(b"\n") + 1,
        ) from None


def sniff_delimiter(first_line: str, known: Collection[str] = (), delimiters=DELIMITERS) -> str:
    """The separator that splits the header best: most known column names (as header_key), then
    most cells; on a tie the first of `delimiters`."""

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(header_key(cell) in known for cell in cells), len(cells)

    return max(delimiters, key=score)


def read_csv(data: bytes, known: Collection[str] = (), delimiters=DELIMITERS) -> list[list[str]]:
    """Every row of an uploaded CSV file (the header first), cells as text; CsvUnreadable when the
    bytes are not UTF-8 text. `known` are the header keys that help choose the separator."""
    text = decode_csv(data)
    lines = text.splitlines()
    if not lines:
        return []
    delimiter = sniff_delimiter(lines[0], known, delimiters)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
