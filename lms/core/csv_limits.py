"""Limits shared by every CSV import: file size, cell length, and what the csv module's own
errors mean to the person who uploaded the file.

The csv module stops at 131,072 characters in one cell with a bare `csv.Error`; a reader that
did not catch it answered 500, and one that did reported an "unclosed quote". A cell of an HR or
certificate file is a name, a code, a NIP or a descriptor: FIELD_MAX_CHARS is plenty.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext as _

FIELD_MAX_CHARS = 10_000
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def max_bytes() -> int:
    return int(current_app.config.get("CSV_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large(data: bytes) -> str | None:
    """The message for a file over CSV_IMPORT_MAX_BYTES, or None."""
    limit = max_bytes()
    if len(data) <= limit:
        return None
    return _("Berkas melebihi batas %(mb)s MB.", mb=f"{limit / 2**20:g}")


def field_too_long() -> str:
    return _(
        'Isi sel terlalu panjang (lebih dari %(n)d karakter); periksa juga tanda kutip (") yang tidak '
        "ditutup.",
        n=FIELD_MAX_CHARS,
    )


def has_long_field(cells: Iterable[str]) -> bool:
    return any(len(cell) > FIELD_MAX_CHARS for cell in cells)


def is_field_limit(exc: csv.Error) -> bool:
    """True when the csv module stopped at its own cell-size limit."""
    return "field larger than field limit" in str(exc)


def one_long_line(exc: csv.Error, first_line: str) -> bool:
    """True when the csv module stopped at its cell-size limit within the record's first line:
    a cell really too long, not an unclosed quote that swallowed the following lines."""
    return is_field_limit(exc) and len(first_line) > FIELD_MAX_CHARS


def broken_record(exc: csv.Error, first_line: str, unclosed_quote: str) -> str:
    """What to tell about a record the csv module could not read."""
    return field_too_long() if one_long_line(exc, first_line) else unclosed_quote
