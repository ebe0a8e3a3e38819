"""Reading an uploaded CSV file: the text (UTF-8, with or without BOM) and the separator.

Spreadsheets save CSV in many shapes; this accepts UTF-8 with or without a byte-order mark,
separated by ",", ";" or tabs, and refuses with a message a person can act on what it cannot read
(UTF-16, binary files, other encodings: Excel's "CSV UTF-8" is the way out). Files in legacy code
pages (cp1252) are refused on purpose rather than guessed: a wrong guess would store wrong names.

Limits (issue 12): a file over CSV_IMPORT_MAX_BYTES is refused before it is decoded, and a cell
over FIELD_MAX_CHARS is refused with its line. The csv module stops at 131,072 characters in one
cell with a bare `csv.Error`; readers report it through `broken_record`: a cell really too long, or
an unclosed quote that swallowed the following lines.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from .domain import DomainError

DELIMITERS = (",", ";", "\t")
BOM = b"\xef\xbb\xbf"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
FIELD_MAX_CHARS = 10_000  # a name, code, NIP or descriptor; far below the csv module's 131,072


class CsvUnreadable(DomainError):
    """The file is not UTF-8 CSV text; `line` is where the problem is (1 when it is the whole file)."""

    def __init__(self, message, line: int = 1):
        super().__init__(message, "file")
        self.line = line


def header_key(value: str) -> str:
    """A header cell as a key: "Unit-Kerja " -> "unit_kerja"."""
    return "_".join(value.strip().lower().replace("-", " ").split())


def max_bytes() -> int:
    """The largest CSV file accepted (CSV_IMPORT_MAX_BYTES)."""
    if has_app_context():
        return int(current_app.config.get("CSV_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))
    return DEFAULT_MAX_BYTES


def field_too_long():
    return _l(
        'Isi sel terlalu panjang (lebih dari %(n)d karakter); periksa juga tanda kutip (") yang tidak '
        "ditutup.",
        n=FIELD_MAX_CHARS,
    )


def has_long_field(cells: Iterable[str]) -> bool:
    return any(len(cell) > FIELD_MAX_CHARS for cell in cells)


def unclosed_quote():
    return _l(
        'Tanda kutip (") pada baris ini tidak ditutup, sehingga baris berikutnya ikut terbaca '
        "sebagai satu isian. Hapus atau tutup tanda kutip tersebut."
    )


def broken_record(exc: csv.Error, first_line: str):
    """What to tell about a record the csv module could not read: when it stopped at its cell
    limit within the record's first line, a cell really is too long; otherwise a quote is open."""
    if "field larger than field limit" in str(exc) and len(first_line) > FIELD_MAX_CHARS:
        return field_too_long()
    return unclosed_quote()


def decode_csv(data: bytes) -> str:
    """The text of an uploaded CSV file, without BOM; CsvUnreadable when it is not UTF-8 text or
    larger than CSV_IMPORT_MAX_BYTES."""
    limit = max_bytes()
    if len(data) > limit:
        raise CsvUnreadable(_l("Berkas melebihi batas %(mb)s MB.", mb=f"{limit / 2**20:g}"))
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


def read_csv(
    data: bytes, known: Collection[str] = (), delimiters=DELIMITERS, *, max_rows: int | None = None
) -> list[list[str]]:
    """Every row of an uploaded CSV file (the header first), cells as text, up to `max_rows`
    non-empty ones (the caller refuses a longer file anyway); CsvUnreadable when the bytes are
    not UTF-8 text or a record is broken or too long. `known` are the header keys that help
    choose the separator."""
    text = decode_csv(data)
    lines = text.splitlines()
    if not lines:
        return []
    delimiter = sniff_delimiter(lines[0], known, delimiters)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    filled = 0  # non-empty rows: blank lines do not count toward max_rows
    while max_rows is None or filled < max_rows:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            first = lines[start - 1] if start <= len(lines) else ""
            raise CsvUnreadable(broken_record(exc, first), line=start) from None
        if has_long_field(row):
            raise CsvUnreadable(field_too_long(), line=start)
        rows.append(row)
        filled += bool(row)
    return rows
