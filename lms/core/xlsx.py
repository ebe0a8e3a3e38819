"""XLSX streamed as it is written: SpreadsheetML row by row into a zip that stream-zip compresses
on the fly (no temporary file, first bytes at once, memory flat whatever the size).

Cells: text inline (no shared-string table to hold in memory) and guarded against formulas like
the CSV (an apostrophe before = + - @ tab CR); numbers as numbers; dates as ISO text unless the
column's format says "datetime", "date" or "percent"; a "text" column is always text (an
18-digit NIP is not a number).
"""

from __future__ import annotations

import math
import numbers
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape as xml_escape

from stream_zip import ZIP_32, stream_zip

# Text starting like a formula (OWASP "CSV Injection"); the CSV writer in tabular.py shares it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK_BYTES = 64 * 1024
MAX_ROWS = 1_048_576  # rows of a worksheet, the header included (Excel's limit)
MAX_CELL_CHARS = 32_767  # characters of a cell (Excel's limit)
MAX_SHEET_BYTES = 3 * 1024**3  # a worksheet stays well under the 4 GiB of a Zip32 member
EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (serial days count from here)

# Style ids in _STYLES' cellXfs, and the column formats that use them.
BOLD, DATETIME, DATE, PERCENT = ' s="1"', ' s="2"', ' s="3"', ' s="4"'
FORMATS = {"datetime": DATETIME, "date": DATE, "percent": PERCENT, "text": ""}


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(1, count + 1):
        name = ""
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _text(ref: str, value: str, style: str = "") -> str:
    if not value:
        return ""
    if value[0] in FORMULA_START:
        value = "'" + value
    if not value.isprintable():  # rare: tabs, new lines, or characters XML cannot hold
        value = _ILLEGAL_XML.sub("", value)
    value = value[:MAX_CELL_CHARS]
    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _cell(ref: str, value, style: str = "") -> str:
    """One cell of SpreadsheetML. The most frequent types are tested first: this runs for every
    cell of an agency."""
    kind = type(value)
    if kind is str:
        return _text(ref, value, style)
    if kind is int or kind is float:
        return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime | date):
        if style in (DATETIME, DATE):
            return f'<c r="{ref}"{style}><v>{_serial(value)!r}</v></c>'
        return _text(ref, value.isoformat(), style)
    if isinstance(value, numbers.Real | Decimal) and math.isfinite(value):
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    return _text(ref, str(value), style)


def _serial(value: date) -> float:
    """Excel's serial days of a date or a wall-clock time (an aware time counts in its own zone)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return (value.replace(tzinfo=None) - EPOCH) / timedelta(days=1)


def _sheet_name(sheet: str, number: int) -> str:
    name = " ".join(re.sub(r"[\\/*?:\[\]]", " ", sheet).split()).strip("'") or "Data"
    return name[:31] if number == 1 else f"{name[:24]} ({number})"


class _Rows:
    """The rows with a look-ahead, shared by the worksheets they are spread over."""

    def __init__(self, rows: Iterable[list]):
        self._rows = iter(rows)
        self._next = next(self._rows, _END)

    @property
    def left(self) -> bool:
        return self._next is not _END

    def take(self):
        row, self._next = self._next, next(self._rows, _END)
        return row


_END = object()


class _Layout:
    """What every worksheet of one workbook shares: title row, header, column formats and widths."""

    def __init__(self, header, title, formats, widths):
        self.header = list(header)
        self.title = title
        self.styles = {index: FORMATS[kind] for index, kind in (formats or {}).items()}
        self.texts = {index for index, kind in (formats or {}).items() if kind == "text"}
        self.widths = widths or {}
        self.header_row = 2 if title else 1

    def start(self) -> str:
        top = self.header_row
        cols = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>'
            for i, w in sorted(self.widths.items())
        )
        return (
            _XML_HEAD + f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
            f'<pane ySplit="{top}" topLeftCell="A{top + 1}" activePane="bottomLeft" state="frozen"/>'
            "</sheetView></sheetViews>" + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>"
        )


def _worksheet(layout: _Layout, rows: _Rows) -> Iterator[bytes]:
    """One worksheet's XML, row by row, until the rows end or the sheet is full."""
    letters = _column_letters(len(layout.header))
    parts = [layout.start()]
    if layout.title:
        parts.append(f'<row r="1">{_text("A1", str(layout.title), BOLD)}</row>')
    number = layout.header_row
    parts.append(f'<row r="{number}">')
    parts += [_text(f"{letters[i]}{number}", str(v), BOLD) for i, v in enumerate(layout.header)]
    parts.append("</row>")
    styles, texts = layout.styles, layout.texts
    size, buffered = 0, 0
    while rows.left and number < MAX_ROWS and size < MAX_SHEET_BYTES:
        number += 1
        row = rows.take()
        if len(row) > len(letters):
            letters = _column_letters(len(row))
        if styles:
            cells = "".join(
                [
                    _cell(
                        f"{letters[i]}{number}",
                        str(v) if i in texts and v is not None else v,
                        styles.get(i, ""),
                    )
                    for i, v in enumerate(row)
                ]
            )
        else:
            cells = "".join([_cell(f"{letters[i]}{number}", v) for i, v in enumerate(row)])
        line = f'<row r="{number}">{cells}</row>'
        parts.append(line)
        buffered += len(line)
        if buffered >= CHUNK_BYTES:
            data = "".join(parts).encode()
            size += len(data)
            yield data
            parts, buffered = [], 0
    parts.append("</sheetData></worksheet>")
    yield "".join(parts).encode()


def xlsx_chunks(
    header: list[str],
    rows: Iterable[list],
    *,
    sheet: str = "Data",
    title: str | None = None,
    formats: Mapping[int, str] | None = None,
    widths: Mapping[int, float] | None = None,
) -> Iterator[bytes]:
    """An XLSX workbook streamed as it is written.

    `title` goes in a bold first row above the header; `formats` maps a column index to
    "datetime", "date", "percent" (a 0..1 share) or "text"; `widths` maps a column index to a width.
    A worksheet holds 1,048,576 rows at most (Excel's limit): the rows then continue on a new
    sheet, "Name (2)", with the header repeated. The parts that name the sheets (workbook.xml
    and its relationships) come last in the zip, once the number of sheets is known; the
    content types cover every worksheet by extension, so they can come first.
    """
    layout = _Layout(header, title, formats, widths)
    modified = datetime.now(UTC).replace(tzinfo=None)
    names: list[str] = []

    def member(name: str, data: Iterable[bytes]):
        return name, modified, 0o600, ZIP_32, data

    def members():
        yield member("[Content_Types].xml", [_CONTENT_TYPES])
        yield member("_rels/.rels", [_ROOT_RELS])
        yield member("xl/styles.xml", [_STYLES])
        pending = _Rows(rows)
        while not names or pending.left:
            names.append(_sheet_name(sheet, len(names) + 1))
            yield member(f"xl/worksheets/sheet{len(names)}.xml", _worksheet(layout, pending))
        sheets = "".join(
            f'<sheet name="{xml_escape(n, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
            for i, n in enumerate(names, start=1)
        )
        yield member("xl/workbook.xml", [(_WORKBOOK % sheets).encode()])
        relations = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        styles = f'<Relationship Id="rId{len(names) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        yield member("xl/_rels/workbook.xml.rels", [(_RELATIONSHIPS % (relations + styles)).encode()])

    yield from stream_zip(members(), chunk_size=CHUNK_BYTES, get_compressobj=_compressor)


def _compressor():
    # Level 1: about three times faster than stream-zip's default 9 on worksheet XML, for files
    # about a third larger; an export of a whole agency is bound by this CPU time.
    return zlib.compressobj(level=1, wbits=-zlib.MAX_WBITS)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES = (
    _XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
).encode()
_ROOT_RELS = (
    _XML_HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
).encode()
_STYLES = (
    _XML_HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/><numFmt numFmtId="166" formatCode="0.0%"/>'
    "</numFmts>"
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
).encode()
_WORKBOOK = _XML_HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>%s</sheets></workbook>'
_RELATIONSHIPS = _XML_HEAD + f'<Relationships xmlns="{_PKG_REL}">%s</Relationships>'
# Characters XML 1.0 cannot hold (a worksheet with one of them would not open).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
