"""Reading the rows of an uploaded CSV by named columns, every problem reported at once.

Used by the imports of the competency catalogue, positions and staffing: a file is validated whole
before anything is written; problems come back as (row, column, message). Files may be UTF-8 with
or without BOM, separated by ";", "," or tabs; headers are matched through aliases.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..core.csv_input import (
    CsvUnreadable,
    broken_record,
    decode_csv,
    field_too_long,
    has_long_field,
    header_key,
    sniff_delimiter,
)

DELIMITERS = (";", ",", "\t")
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Problem:
    row: int  # the line in the file; 1 is the header
    column: str
    message: str


@dataclass
class ImportRejected(Exception):
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.problems)} problem(s)"


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int


def _cells(reader, lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """(record number, cells) after the header; ImportRejected on a broken or too long record."""
    line = 2
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            first = lines[start - 1] if start <= len(lines) else ""
            raise ImportRejected([Problem(line, "-", str(broken_record(exc, first)))]) from None
        if has_long_field(cells):
            raise ImportRejected([Problem(line, "-", str(field_too_long()))])
        yield line, cells
        line += 1


def read_rows(
    data: bytes, columns: dict[str, tuple[str, ...]], required: tuple[str, ...], max_rows: int = MAX_ROWS
) -> list[tuple[int, dict[str, str]]]:
    """(line, {canonical column: value}) of every non-empty row; ImportRejected on a bad file."""
    try:
        text = decode_csv(data)
    except CsvUnreadable as exc:
        raise ImportRejected([Problem(exc.line, "-", str(exc))]) from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ImportRejected([Problem(1, "-", _("Berkas kosong."))])
    aliases = {alias: name for name, names in columns.items() for alias in names}
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(lines[0], aliases, DELIMITERS))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ImportRejected([Problem(1, "-", str(broken_record(exc, lines[0])))]) from None
    if has_long_field(header):
        raise ImportRejected([Problem(1, "-", str(field_too_long()))])
    problems, positions = [], {}
    for index, cell in enumerate(header):
        name = aliases.get(header_key(cell))
        if name is None:
            problems.append(
                Problem(
                    1,
                    cell.strip() or f"#{index + 1}",
                    _("Kolom tidak dikenal. Kolom yang diterima: %(names)s.", names=", ".join(columns)),
                )
            )
        elif name in positions:
            problems.append(Problem(1, cell.strip(), _("Kolom ini muncul dua kali.")))
        else:
            positions[name] = index
    for name in required:
        if name not in positions:
            problems.append(Problem(1, name, _("Kolom wajib tidak ada.")))
    if problems:
        raise ImportRejected(problems)
    rows = []
    for line, cells in _cells(reader, lines):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= max_rows:
            raise ImportRejected([Problem(line, "-", _("Berkas melebihi %(n)d baris.", n=max_rows))])
        rows.append(
            (line, {name: (cells[i].strip() if i < len(cells) else "") for name, i in positions.items()})
        )
    if not rows:
        raise ImportRejected([Problem(2, "-", _("Berkas tidak berisi data."))])
    return rows
