"""Exports: rows out as CSV or XLSX, streamed, with the spreadsheet formula guard.

Every export of the platform goes through here. A service returns a header and an iterable of
rows (a generator over a server-side cursor for big ones); `csv_chunks` / `xlsx_chunks` (in
xlsx.py) turn them into bytes as they are written, `chunks(fmt, ...)` picks one, and a view
streams them with `download(filename, chunks)`.

Formula injection (OWASP "CSV Injection"): a cell that starts with = + - @ tab or carriage return
would run as a formula in Excel or LibreOffice (=HYPERLINK(...) sends data away). Such text is
prefixed with an apostrophe, which makes the spreadsheet show it as plain text. Numbers, dates and
booleans are values, not text, and are never touched.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from flask import Response, stream_with_context

from .xlsx import CHUNK_BYTES, FORMULA_START, xlsx_chunks

CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def guard(text: str) -> str:
    """Text a spreadsheet would run as a formula, prefixed with an apostrophe; other text as is."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_value(value):
    """A cell for the CSV writer: guarded text, dates as ISO 8601, None as empty."""
    if isinstance(value, str):
        return guard(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else value


def csv_chunks(
    header: list[str], rows: Iterable[list], *, delimiter: str = ";", bom: bool = True
) -> Iterator[bytes]:
    """CSV bytes in chunks of about 64 KiB. The default is what Excel in Indonesian opens directly:
    UTF-8 with a BOM, ";" between cells, CRLF. The header leaves before the first row is computed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    writer.writerow([csv_value(value) for value in header])
    yield buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow([csv_value(value) for value in row])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def chunks(fmt: str, header: list[str], rows: Iterable[list], **xlsx_options) -> Iterator[bytes]:
    """The export as XLSX when fmt is "xlsx" (options: sheet, title, formats, widths), else CSV."""
    if fmt == "xlsx":
        return xlsx_chunks(header, rows, **xlsx_options)
    return csv_chunks(header, rows)


def download(filename: str, chunks: Iterable[bytes]) -> Response:
    """A streamed attachment (the request context stays for the generator); the type comes from
    the file name's extension (.xlsx, else CSV)."""
    mimetype = XLSX_MIMETYPE if filename.endswith(".xlsx") else CSV_MIMETYPE
    return Response(
        stream_with_context(chunks),
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
